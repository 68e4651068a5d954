"""The macro strip's state for the window: JGB history and the event calendar, evaluated at market
time. Loading reads files (call it off the event loop); evaluation is pure and cheap."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from app.core.macro.calendar import MacroCalendar, MacroEvent, countdown_text, in_progress, load_calendar, next_events
from app.core.macro.freshness import Freshness, mof_freshness
from app.core.macro.jgb import DEFAULT_STRIP_TENORS, TenorReading, YieldHistory, strip_view
from app.feeds.mof_poller import MofCache, load_history
from app.resources import resource_path


class EventLine(msgspec.Struct, frozen=True):
    title: str
    when: str  # "in progress", "in 1d 09h"
    in_progress: bool
    impact: str
    source_url: str | None = None


def local_zone_name() -> str:
    """The IANA name of the machine's zone (TZ, else /etc/localtime's target), UTC when unknown."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if name:
            with contextlib.suppress(ValueError, ZoneInfoNotFoundError):
                ZoneInfo(name)
                return name
    return "UTC"


def market_date(now_ms: int) -> date:
    return datetime.fromtimestamp(now_ms / 1000, tz=UTC).date()


class MacroService:
    def __init__(self, history: YieldHistory, calendar: MacroCalendar, tenors: Sequence[str] = DEFAULT_STRIP_TENORS,
                 threshold_bp: float = 10.0, hide_after: date | None = None, source: str = "bundled",
                 source_detail: str = "") -> None:
        # A replay hides every row after its date: no sparkline, curve or record may look ahead.
        self.history = history.until(hide_after) if hide_after is not None else history
        self.calendar = calendar
        self.source = source  # ok | unreachable | bundled: whether the last fetch from MOF worked
        self.source_detail = source_detail
        self.tenors = [t for t in tenors if t in self.history.tenors] or list(DEFAULT_STRIP_TENORS)
        self.threshold_bp = threshold_bp
        self._cached: tuple[tuple[date, tuple[str, ...], float], list[TenorReading]] | None = None

    def configure(self, tenors: Sequence[str] | None = None, threshold_bp: float | None = None) -> None:
        if tenors is not None:
            self.tenors = [t for t in tenors if t in self.history.tenors] or self.tenors
        if threshold_bp is not None:
            self.threshold_bp = threshold_bp

    @classmethod
    def load(cls, cache_dir: Path | None, user_calendar: Path | None = None, **options: object) -> MacroService:
        """Bundled MOF history merged with the poller's cache, bundled calendar plus the user's ICS.
        Blocking file reads: run in a worker thread."""
        source, detail = MofCache(cache_dir).poll_status() if cache_dir is not None else ("bundled", "")
        return cls(load_history(cache_dir), cls.read_calendar(user_calendar), source=source,  # type: ignore[arg-type]
                   source_detail=detail, **options)

    @staticmethod
    def read_calendar(user_calendar: Path | None = None) -> MacroCalendar:
        """The bundled calendar overlaid by the user's ICS file. Blocking file reads: run in a thread."""
        overlays = [user_calendar.read_bytes()] if user_calendar is not None else []
        # A user's file with floating times or undated zones means the user's own zone, not UTC.
        return load_calendar(resource_path("macro", "events.ics").read_bytes(), overlays,
                             default_tz=local_zone_name())

    def readings(self, now_ms: int) -> list[TenorReading]:
        key = (market_date(now_ms), tuple(self.tenors), self.threshold_bp)
        if self._cached is None or self._cached[0] != key:
            self._cached = (key, strip_view(self.history, key[0], self.tenors, self.threshold_bp))
        return self._cached[1]

    def freshness(self, now_ms: int) -> Freshness:
        """How current the closes shown at `now_ms` are (the one staleness rule, app.core.macro.freshness)."""
        index = self.history.index_on_or_before(market_date(now_ms))
        data_date = self.history.dates[index] if index is not None else None
        return mof_freshness(data_date, now_ms, self.source, self.source_detail)

    def events(self, now_ms: int, upcoming: int = 3) -> tuple[list[MacroEvent], list[MacroEvent]]:
        """(in progress, the next `upcoming`) at `now_ms`."""
        return in_progress(self.calendar.events, now_ms), next_events(self.calendar.events, now_ms, upcoming)

    def event_lines(self, now_ms: int, upcoming: int = 3) -> list[EventLine]:
        events, coming = self.events(now_ms, upcoming)
        lines = [EventLine(e.title, "in progress", True, e.impact, e.source_url) for e in events]
        for event in coming:
            lines.append(EventLine(event.title, "in " + countdown_text(event.start_ms - now_ms), False,
                                   event.impact, event.source_url))
        return lines
