"""ICS calendar: bundle + user overlay precedence, cancellations, time zones, countdowns."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.core.macro.calendar import (
    CalendarError,
    countdown_text,
    in_progress,
    load_calendar,
    next_events,
    utc_ms,
)
from app.resources import resource_path

BUNDLE = resource_path("macro", "events.ics").read_bytes()


def ics(*events: str, extra: str = "") -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n{extra}{body}END:VCALENDAR\r\n"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, tz: str = "UTC") -> int:
    return utc_ms(datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)))


def test_bundle_states_as_of_and_cites_every_event() -> None:
    calendar = load_calendar(BUNDLE)
    assert calendar.as_of == date(2026, 11, 25)
    assert calendar.problems == ()
    for event in calendar.events:
        assert event.source_url and event.source_url.startswith("https://")
        assert "https://" in event.description  # where the date was read
        assert event.kind in {"fomc", "boj", "wef", "cpi", "jgb_auction"}
    kinds = {e.kind for e in calendar.events}
    assert {"fomc", "boj", "wef", "cpi", "jgb_auction"} <= kinds
    assert any(e.start_ms >= at(2027, 1, 1) for e in calendar.events)  # runs into 2027


def test_demo_day_davos_in_progress_boj_counting_down() -> None:
    events = load_calendar(BUNDLE).events
    now = at(2026, 1, 20, 9, 0)  # during the 2026-01-20 cascade
    assert [e.kind for e in in_progress(events, now)] == ["wef"]
    upcoming = next_events(events, now, 2)
    assert [e.kind for e in upcoming] == ["boj", "fomc"]
    boj = upcoming[0]
    assert boj.start == date(2026, 1, 22) and boj.last_day == date(2026, 1, 23)
    assert boj.start_ms == at(2026, 1, 22, tz="Asia/Tokyo")
    assert countdown_text(boj.start_ms - now) == "1d 06h"
    fomc = upcoming[1]
    assert fomc.start_ms == at(2026, 1, 28, 14, 0, tz="America/New_York")
    assert fomc.end_ms - fomc.start_ms == 30 * 60_000


def test_all_day_tokyo_event_not_shifted_for_new_york_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        text = ics(
            "UID:mpm\r\nSUMMARY:MPM\r\nDTSTART;VALUE=DATE:20260122\r\nDTEND;VALUE=DATE:20260124\r\n"
            "X-CASCADE-TZ:Asia/Tokyo"
        )
        event = load_calendar(text, default_tz="America/New_York").events[0]
        assert event.start == date(2026, 1, 22) and event.last_day == date(2026, 1, 23)
        assert event.tz == "Asia/Tokyo"
        # starts at Tokyo midnight = 10:00 the previous day in New York, ends at Tokyo midnight on the 24th
        assert event.start_ms == at(2026, 1, 21, 10, 0, tz="America/New_York")
        assert event.is_in_progress(at(2026, 1, 23, 9, 0, tz="America/New_York"))  # 23:00 JST on the 23rd
        assert not event.is_in_progress(at(2026, 1, 23, 10, 0, tz="America/New_York"))  # 00:00 JST 24th
        assert time.localtime(event.start_ms / 1000).tm_mday == 21  # the local clock really is New York
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert os.environ.get("TZ") is None


def test_all_day_without_zone_uses_calendar_then_default_zone() -> None:
    event_text = "UID:x\r\nSUMMARY:x\r\nDTSTART;VALUE=DATE:20260301"
    with_calendar_tz = load_calendar(ics(event_text, extra="X-WR-TIMEZONE:Asia/Tokyo\r\n")).events[0]
    assert with_calendar_tz.tz == "Asia/Tokyo"
    assert with_calendar_tz.end == date(2026, 3, 2)  # no DTEND: one day
    default = load_calendar(ics(event_text), default_tz="Europe/London").events[0]
    assert default.tz == "Europe/London"


def test_user_overlay_adds_overrides_and_cancels() -> None:
    bundle = ics(
        "UID:a\r\nSUMMARY:Bundled A\r\nDTSTART:20270101T120000Z\r\nX-CASCADE-KIND:fomc\r\nX-CASCADE-IMPACT:high",
        "UID:b\r\nSUMMARY:Bundled B\r\nDTSTART:20270102T120000Z",
        extra="X-CASCADE-AS-OF:2026-11-25\r\n",
    )
    user1 = ics(
        "UID:a\r\nSUMMARY:User A\r\nDTSTART:20270105T120000Z\r\nPRIORITY:9\r\nCATEGORIES:BOJ",
        "UID:c\r\nSUMMARY:User C\r\nDTSTART:20270103T120000Z",
    )
    user2 = ics("UID:b\r\nSUMMARY:Bundled B\r\nDTSTART:20270102T120000Z\r\nSTATUS:CANCELLED")
    calendar = load_calendar(bundle, [user1, user2])
    titles = [e.title for e in calendar.events]
    assert titles == ["User C", "User A"]
    user_a = calendar.events[1]
    assert (user_a.kind, user_a.impact) == ("boj", "low")
    assert calendar.as_of == date(2026, 11, 25)  # "as of" comes from the bundle


def test_bad_user_file_is_reported_not_fatal() -> None:
    calendar = load_calendar(
        BUNDLE, ["this is not ics", ics("UID:nostart\r\nSUMMARY:no start"), ics("SUMMARY:no uid\r\nDTSTART:20270101")]
    )
    assert len(calendar.problems) == 3
    assert len(calendar.events) == len(load_calendar(BUNDLE).events)


def test_bad_bundle_raises() -> None:
    with pytest.raises(CalendarError):
        load_calendar("garbage")


def test_floating_and_utc_times() -> None:
    text = ics(
        "UID:f\r\nSUMMARY:floating\r\nDTSTART:20270101T090000\r\nDURATION:PT1H",
        "UID:z\r\nSUMMARY:utc\r\nDTSTART:20270101T090000Z",
    )
    events = {e.uid: e for e in load_calendar(text, default_tz="Asia/Tokyo").events}
    assert events["f"].start_ms == at(2027, 1, 1, 9, tz="Asia/Tokyo")
    assert events["f"].end_ms - events["f"].start_ms == 3_600_000
    assert events["z"].start_ms == at(2027, 1, 1, 9)
    assert events["z"].tz == "UTC"


def test_next_events_and_in_progress_edges() -> None:
    text = ics(
        "UID:1\r\nSUMMARY:one\r\nDTSTART:20270101T090000Z\r\nDTEND:20270101T100000Z",
        "UID:2\r\nSUMMARY:two\r\nDTSTART:20270102T090000Z",
    )
    events = load_calendar(text).events
    start = at(2027, 1, 1, 9)
    assert [e.uid for e in in_progress(events, start)] == ["1"]
    assert [e.uid for e in next_events(events, start, 5)] == ["2"]
    assert in_progress(events, at(2027, 1, 1, 10)) == []
    assert [e.uid for e in next_events(events, start - 1, 1)] == ["1"]


@pytest.mark.parametrize(
    ("delta_ms", "text"),
    [
        (0, "now"),
        (-5, "now"),
        (999, "0m 00s"),
        (65_000, "1m 05s"),
        (3_600_000 + 7 * 60_000, "1h 07m"),
        (3 * 86_400_000 + 4 * 3_600_000 + 59_000, "3d 04h"),
    ],
)
def test_countdown_text(delta_ms: int, text: str) -> None:
    assert countdown_text(delta_ms) == text


def test_utc_ms_roundtrip() -> None:
    assert utc_ms(datetime(1970, 1, 1, tzinfo=UTC)) == 0
