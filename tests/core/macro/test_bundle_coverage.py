"""The bundled calendar's coverage: what is sourced from 2026-11-25 to 2027-12-31, and nothing else.

These pin the content of resources/macro/events.ics so an edit that drops, shifts or invents an
event fails loudly. Counts are per kind; a few dates are checked exactly against the official
schedules quoted in each event's DESCRIPTION.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.core.macro.calendar import MacroEvent, load_calendar, next_events, utc_ms
from app.resources import resource_path

EVENTS = load_calendar(resource_path("macro", "events.ics").read_bytes()).events
WINDOW_START = date(2026, 11, 25)  # the bundle's as-of date
WINDOW_END = date(2027, 12, 31)
DEMO_MONTH = (2026, 1)  # the events around the 2026-01-20 cascade scenario
# How a DESCRIPTION names who published the date (the bundle's citation wording).
CITATIONS = ("Source:", "as published by", "Official schedule", "as announced by", "as reported by")


def first_day(event: MacroEvent) -> date:
    if event.all_day:
        assert isinstance(event.start, date)
        return event.start
    assert isinstance(event.start, datetime)
    return event.start.astimezone(ZoneInfo(event.tz)).date()


def in_window(event: MacroEvent) -> bool:
    return WINDOW_START <= first_day(event) <= WINDOW_END


def by_uid(uid: str) -> MacroEvent:
    return next(e for e in EVENTS if e.uid == uid)


def test_every_event_is_forward_or_part_of_the_demo_set() -> None:
    for event in EVENTS:
        demo = (first_day(event).year, first_day(event).month) == DEMO_MONTH
        assert in_window(event) or demo, event.uid


def test_counts_per_kind_in_the_forward_window() -> None:
    counts = Counter(e.kind for e in EVENTS if in_window(e))
    # FOMC Dec 2026 + eight 2027 meetings; BOJ Dec 2026 + eight 2027 meetings; Davos 2027;
    # one CPI (the last release BLS had scheduled); no JGB 30-year auction could be sourced.
    assert counts == {"fomc": 9, "boj": 9, "wef": 1, "cpi": 1}


def test_demo_set_is_unchanged() -> None:
    demo = Counter(e.kind for e in EVENTS if (first_day(e).year, first_day(e).month) == DEMO_MONTH)
    assert demo == {"fomc": 1, "boj": 1, "wef": 1, "cpi": 1, "jgb_auction": 1}


def test_every_event_cites_its_source() -> None:
    uids = [e.uid for e in EVENTS]
    assert len(uids) == len(set(uids))
    for event in EVENTS:
        assert event.source_url and event.source_url.startswith("https://"), event.uid
        assert "https://" in event.description, event.uid
        assert any(phrase in event.description for phrase in CITATIONS), event.uid


@pytest.mark.parametrize(
    ("uid", "first", "last"),
    [
        ("boj-mpm-2026-12-17@cascade-macro", date(2026, 12, 17), date(2026, 12, 18)),
        ("boj-mpm-2027-01-21@cascade-macro", date(2027, 1, 21), date(2027, 1, 22)),
        ("boj-mpm-2027-06-10@cascade-macro", date(2027, 6, 10), date(2027, 6, 11)),
        ("boj-mpm-2027-12-16@cascade-macro", date(2027, 12, 16), date(2027, 12, 17)),
        ("wef-am-2027@cascade-macro", date(2027, 1, 18), date(2027, 1, 22)),
    ],
)
def test_exact_all_day_dates(uid: str, first: date, last: date) -> None:
    event = by_uid(uid)
    assert event.all_day and event.start == first and event.last_day == last


def test_boj_meetings_are_two_tokyo_weekdays_from_the_boj_page() -> None:
    meetings = [e for e in EVENTS if e.kind == "boj"]
    for event in meetings:
        assert event.tz == "Asia/Tokyo" and event.impact == "high"
        assert (event.last_day - first_day(event)).days == 1
        assert first_day(event).weekday() < 5 and event.last_day.weekday() < 5
        assert event.source_url == "https://www.boj.or.jp/en/mopo/mpmsche_minu/index.htm"
    starts_2027 = [first_day(e) for e in meetings if first_day(e).year == 2027]
    assert [d.month for d in starts_2027] == [1, 3, 4, 6, 7, 9, 10, 12]


def test_cpi_release_time_is_830_new_york() -> None:
    cpi = by_uid("cpi-2026-11@cascade-macro")
    assert cpi.start_ms == utc_ms(datetime(2026, 12, 10, 13, 30, tzinfo=UTC))  # EST, UTC-5
    assert cpi.source_url == "https://www.bls.gov/schedule/news_release/cpi.htm"


def test_what_the_strip_counts_down_to_on_the_as_of_date() -> None:
    now = utc_ms(datetime(2026, 11, 25, 16, 0, tzinfo=UTC))
    upcoming = next_events(EVENTS, now, 4)
    assert [e.uid for e in upcoming] == [
        "fomc-2026-12-09@cascade-macro",
        "cpi-2026-11@cascade-macro",
        "boj-mpm-2026-12-17@cascade-macro",
        "wef-am-2027@cascade-macro",
    ]
