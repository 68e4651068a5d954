"""How current the MOF closes are: the one rule the macro strip, the curve view and `cascade macro`
all use to say a figure is stale, and with what age. Pure: the caller supplies "now".

MOF publishes the day's JGB closes on Japanese business days, after the Tokyo close (≈16:00–19:30
JST). The rule: count the weekdays strictly between the latest close and the current Tokyo date (today
is not counted: its close may not be out yet). More than STALE_AFTER_BUSINESS_DAYS of them, and the
close is stale. Three tolerates the longest runs of weekday holidays (New Year, Golden Week, a Silver
Week) without calling a holiday stale; a fourth missing day is a failure, not a holiday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
STALE_AFTER_BUSINESS_DAYS = 3
SOURCES = ("ok", "unreachable", "bundled")
"""ok: the last fetch from MOF worked; unreachable: it failed (the figures are the last ones we have);
bundled: never fetched (demo, or no cache yet): the snapshot shipped with the app."""


def tokyo_date(now_ms: int) -> date:
    return datetime.fromtimestamp(now_ms / 1000, TOKYO).date()


def weekdays_between(first: date, last: date) -> int:
    """Weekdays (Mon–Fri) strictly after `first` and strictly before `last`."""
    start = first + timedelta(days=1)
    days = (last - start).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    return weeks * 5 + sum(1 for i in range(rest) if (start.weekday() + i) % 7 < 5)


def age_text(days: int) -> str:
    """'today', '1 day old', '12 days old', '7 weeks old', '7 months old', '2 years old'."""
    if days <= 0:
        return "today"
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''} old"
    if days < 61:
        return f"{days // 7} weeks old"
    if days < 730:
        return f"{days * 12 // 365} months old"
    return f"{days // 365} years old"


@dataclass(frozen=True, slots=True)
class Freshness:
    data_date: date | None  # the latest close shown
    today: date  # the Tokyo date at "now"
    business_days_behind: int  # weekdays after data_date, before today: closes that should be out
    stale: bool
    source: str  # one of SOURCES
    detail: str = ""  # why the source is unreachable

    @property
    def age_days(self) -> int | None:
        return (self.today - self.data_date).days if self.data_date is not None else None

    @property
    def label(self) -> str:
        """The strip's and the command's one line: 'MOF close, 2026-01-20' when current; when not,
        'last MOF close 2026-04-30 · 7 months old · source unreachable'."""
        if self.data_date is None:
            parts = ["no MOF close yet"]
        elif not self.stale:
            parts = [f"MOF close, {self.data_date.isoformat()}"]
        else:
            parts = [f"last MOF close {self.data_date.isoformat()}", age_text(self.age_days or 0)]
        if self.source == "unreachable":
            parts.append("source unreachable")
        elif self.stale and self.source == "bundled":
            parts.append("bundled data")
        return " · ".join(parts)

    @property
    def warn(self) -> bool:
        """Something the user must see: stale figures or a failing source."""
        return self.stale or self.source == "unreachable"


def mof_freshness(data_date: date | None, now_ms: int, source: str = "ok", detail: str = "") -> Freshness:
    if source not in SOURCES:
        raise ValueError(f"unknown source state {source!r}")
    today = tokyo_date(now_ms)
    if data_date is None:
        return Freshness(None, today, 0, True, source, detail)
    behind = weekdays_between(data_date, today)
    return Freshness(data_date, today, behind, behind > STALE_AFTER_BUSINESS_DAYS, source, detail)
