"""Scheduled macro events (FOMC, BOJ, Davos, CPI, JGB auctions) from ICS text, and their countdowns.

Time zones: a timed event keeps its own zone (`DTSTART;TZID=…`). An all-day event is a *date in the
event's zone* (`X-CASCADE-TZ`, else the calendar's `X-WR-TIMEZONE`, else the caller's default): a
BOJ meeting on 2026-01-22 (Tokyo) starts at 00:00 JST, which is 2026-01-21 10:00 in New York, and
is shown as 2026-01-22 wherever the user lives. All comparisons are on epoch ms from MarketClock.

Custom properties the bundle uses (user files may omit them): `X-CASCADE-KIND` (fomc|boj|wef|cpi|
jgb_auction|other), `X-CASCADE-IMPACT` (high|medium|low), `X-CASCADE-TZ`, and on the calendar
`X-CASCADE-AS-OF` (YYYY-MM-DD), also readable from `X-WR-CALDESC` ("… as of YYYY-MM-DD …").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

KINDS = ("fomc", "boj", "wef", "cpi", "jgb_auction", "other")
IMPACTS = ("high", "medium", "low")
_AS_OF = re.compile(r"(\d{4}-\d{2}-\d{2})")


class CalendarError(ValueError):
    """An ICS text we cannot read at all (not a VCALENDAR)."""


@dataclass(frozen=True, slots=True)
class MacroEvent:
    """One scheduled event. All-day: `start`/`end` are dates in `tz`, `end` exclusive (RFC 5545)."""

    uid: str
    title: str
    kind: str
    impact: str
    start: date | datetime
    end: date | datetime
    all_day: bool
    tz: str
    source_url: str | None = None
    location: str | None = None
    description: str = ""

    @property
    def start_ms(self) -> int:
        return _epoch_ms(self.start, self.tz)

    @property
    def end_ms(self) -> int:
        return _epoch_ms(self.end, self.tz)

    @property
    def last_day(self) -> date:
        """The last calendar day the event covers, in its own zone (inclusive)."""
        if self.all_day:
            return self.end - timedelta(days=1)  # type: ignore[operator]
        assert isinstance(self.end, datetime)
        return self.end.astimezone(ZoneInfo(self.tz)).date()

    def is_in_progress(self, now_ms: int) -> bool:
        return self.start_ms <= now_ms < self.end_ms


@dataclass(frozen=True, slots=True)
class MacroCalendar:
    events: tuple[MacroEvent, ...]  # sorted by start, cancelled ones removed
    as_of: date | None  # the bundle's "as of" date
    name: str | None
    problems: tuple[str, ...] = ()  # user-file events we skipped, and why


def _epoch_ms(moment: date | datetime, tz: str) -> int:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(0), ZoneInfo(tz))
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return int(moment.timestamp() * 1000)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    if isinstance(value, list):  # a property given twice: keep the first
        return _text(value[0]) if value else None
    raw = getattr(value, "to_ical", None)
    text = raw().decode("utf-8", "replace") if callable(raw) and not isinstance(value, str) else str(value)
    return text.strip() or None


def _zone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def _choice(value: str | None, allowed: tuple[str, ...], fallback: str) -> str:
    lowered = (value or "").lower()
    return lowered if lowered in allowed else fallback


def _impact(event: icalendar.Event) -> str:
    declared = _text(event.get("X-CASCADE-IMPACT"))
    if declared:
        return _choice(declared, IMPACTS, "medium")
    priority = event.get("PRIORITY")
    if priority:  # RFC 5545: 1-4 high, 5 medium, 6-9 low, 0 undefined
        level = int(priority)
        if 1 <= level <= 4:
            return "high"
        if level >= 6:
            return "low"
    return "medium"


def _kind(event: icalendar.Event) -> str:
    declared = _text(event.get("X-CASCADE-KIND"))
    if declared:
        return _choice(declared, KINDS, "other")
    categories = event.get("CATEGORIES")
    names: list[str] = []
    for entry in categories if isinstance(categories, list) else [categories] if categories else []:
        names.extend(str(c).lower() for c in getattr(entry, "cats", []))
    return next((n for n in names if n in KINDS), "other")


def _event(raw: icalendar.Event, calendar_tz: str | None, default_tz: str) -> MacroEvent:
    uid = _text(raw.get("UID"))
    if not uid:
        raise ValueError("no UID")
    if raw.get("DTSTART") is None:
        raise ValueError("no DTSTART")
    start = raw.get("DTSTART").dt
    end_prop = raw.get("DTEND")
    duration = raw.get("DURATION")
    declared_tz = _zone(_text(raw.get("X-CASCADE-TZ")))
    if isinstance(start, datetime):
        zone_key = getattr(start.tzinfo, "key", None)
        tz = zone_key or declared_tz or ("UTC" if start.tzinfo is not None else calendar_tz or default_tz)
        if start.tzinfo is None:
            start = start.replace(tzinfo=ZoneInfo(tz))
        if end_prop is not None:
            end = end_prop.dt
            if not isinstance(end, datetime):
                raise ValueError("DTEND is a date but DTSTART a date-time")
            end = end if end.tzinfo is not None else end.replace(tzinfo=ZoneInfo(tz))
        else:
            end = start + (duration.dt if duration is not None else timedelta(0))
        all_day = False
    else:
        tz = declared_tz or calendar_tz or default_tz
        if end_prop is not None:
            end = end_prop.dt
            if isinstance(end, datetime):
                raise ValueError("DTEND is a date-time but DTSTART a date")
        else:
            end = start + (duration.dt if duration is not None else timedelta(days=1))
        all_day = True
    if end < start:
        raise ValueError("ends before it starts")
    return MacroEvent(
        uid=uid,
        title=_text(raw.get("SUMMARY")) or "(untitled)",
        kind=_kind(raw),
        impact=_impact(raw),
        start=start,
        end=end,
        all_day=all_day,
        tz=tz,
        source_url=_text(raw.get("URL")),
        location=_text(raw.get("LOCATION")),
        description=_text(raw.get("DESCRIPTION")) or "",
    )


def _read(text: str | bytes, label: str) -> icalendar.Calendar:
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as error:
        raise CalendarError(f"{label}: not an iCalendar file ({error})") from None
    if not isinstance(calendar, icalendar.Calendar):
        raise CalendarError(f"{label}: not a VCALENDAR")
    return calendar


def _as_of(calendar: icalendar.Calendar) -> date | None:
    for prop in ("X-CASCADE-AS-OF", "X-WR-CALDESC"):
        match = _AS_OF.search(_text(calendar.get(prop)) or "")
        if match:
            return date.fromisoformat(match.group(1))
    return None


def load_calendar(
    bundle_text: str | bytes, overlay_texts: Iterable[str | bytes] = (), default_tz: str = "UTC"
) -> MacroCalendar:
    """The bundled calendar overlaid by the user's files, in order.

    Same UID: the later file's event replaces the earlier one; `STATUS:CANCELLED` hides the event
    (a user can hide a bundled event). An unreadable user file or event is reported in `problems`,
    never fatal; the bundle itself must parse. `default_tz` anchors floating times and all-day
    events that name no zone (pass the user's local zone for user files).
    """
    bundle = _read(bundle_text, "bundled calendar")
    by_uid: dict[str, MacroEvent | None] = {}
    problems: list[str] = []
    sources: list[tuple[str, icalendar.Calendar]] = [("bundled calendar", bundle)]
    for number, text in enumerate(overlay_texts, start=1):
        try:
            sources.append((f"user calendar {number}", _read(text, f"user calendar {number}")))
        except CalendarError as error:
            problems.append(str(error))
    for label, calendar in sources:
        calendar_tz = _zone(_text(calendar.get("X-WR-TIMEZONE")))
        for raw in calendar.walk("VEVENT"):
            uid = _text(raw.get("UID")) or "?"
            if (_text(raw.get("STATUS")) or "").upper() == "CANCELLED":
                by_uid[uid] = None
                continue
            try:
                by_uid[uid] = _event(raw, calendar_tz, default_tz)
            except (ValueError, TypeError, AttributeError) as error:
                if label == "bundled calendar":
                    raise CalendarError(f"{label}: event {uid}: {error}") from None
                problems.append(f"{label}: event {uid} skipped: {error}")
    events = sorted((e for e in by_uid.values() if e is not None), key=lambda e: (e.start_ms, e.uid))
    return MacroCalendar(tuple(events), _as_of(bundle), _text(bundle.get("X-WR-CALNAME")), tuple(problems))


def next_events(events: Sequence[MacroEvent], now_ms: int, n: int = 3) -> list[MacroEvent]:
    """The next `n` events that have not started yet, soonest first."""
    upcoming = sorted((e for e in events if e.start_ms > now_ms), key=lambda e: (e.start_ms, e.uid))
    return upcoming[:n]


def in_progress(events: Sequence[MacroEvent], now_ms: int) -> list[MacroEvent]:
    """Events under way at `now_ms` (start ≤ now < end), in start order."""
    return sorted((e for e in events if e.is_in_progress(now_ms)), key=lambda e: (e.start_ms, e.uid))


def countdown_text(delta_ms: int) -> str:
    """'3d 04h', '5h 07m', '12m 05s', 'now' — coarser as the event is further away."""
    if delta_ms <= 0:
        return "now"
    seconds = delta_ms // 1000
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"


def utc_ms(moment: datetime) -> int:
    """Epoch ms of an aware datetime (a helper for callers and tests)."""
    return int(moment.astimezone(UTC).timestamp() * 1000)
