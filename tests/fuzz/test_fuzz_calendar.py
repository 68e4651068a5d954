"""ICS import as the app does it (bundled calendar overlaid by the user's file): a calendar with the
user file's problems listed, or CalendarError; never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import FUZZ

from app.core.macro.calendar import CalendarError, MacroCalendar, load_calendar
from app.resources import resource_path
from app.services.macro import MacroService

BUNDLE = resource_path("macro", "events.ics").read_bytes()
EVENT = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
         b"DTSTART:20261210T013000Z\r\nDTEND:20261210T020000Z\r\nSUMMARY:Test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
LINES = [b"BEGIN:VCALENDAR", b"END:VCALENDAR", b"BEGIN:VEVENT", b"END:VEVENT", b"UID:x", b"DTSTART:20261210",
         b"DTSTART:20261210T013000", b"DTSTART;TZID=Mars/Olympus:20261210T013000", b"DTEND:19000101",
         b"DTSTART:99999999T999999Z", b"SUMMARY:\xff\xfe", b"STATUS:CANCELLED", b"X-WR-TIMEZONE:Nowhere/None",
         b"RRULE:FREQ=SECONDLY", b"DURATION:P99999999W", b"BEGIN:VALARM", b"END:VALARM", b" folded", b""]


def load(user: bytes) -> None:
    try:
        calendar = load_calendar(BUNDLE, [user], default_tz="UTC")
    except CalendarError as error:
        assert str(error)
        return
    assert isinstance(calendar, MacroCalendar)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(user: bytes) -> None:
    load(user)


@FUZZ
@given(st.lists(st.sampled_from(LINES), max_size=30))
def test_random_ics_lines(lines: list[bytes]) -> None:
    load(b"\r\n".join(lines))


@FUZZ
@given(st.integers(0, len(EVENT) - 1), st.binary(min_size=1, max_size=6))
def test_mutated_real_event(at: int, junk: bytes) -> None:
    load(EVENT[:at] + junk + EVENT[at + len(junk):])


@pytest.mark.parametrize("depth", [2_000, 50_000])
def test_deeply_nested_components(tmp_path: Path, depth: int) -> None:
    user = b"BEGIN:VCALENDAR\r\n" + b"BEGIN:VEVENT\r\n" * depth + b"END:VEVENT\r\n" * depth + b"END:VCALENDAR\r\n"
    path = tmp_path / "user.ics"
    path.write_bytes(user)
    try:
        calendar = MacroService.read_calendar(path)  # the path the app takes for a user ICS
    except CalendarError:
        return
    assert isinstance(calendar, MacroCalendar)
