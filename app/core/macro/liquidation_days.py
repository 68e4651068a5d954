"""JGB 30Y daily change against the user's own daily liquidation totals (issue 13 item 4). Pure.

Days are **UTC days**. The Ministry of Finance close for date D is fixed around 15:00 Tokyo time
(06:00 UTC) on D, so it falls inside UTC day D, and the US/European hours where crypto liquidations
cluster follow it on that same UTC day: liquidations of UTC day D are paired with the JGB change dated
D, the move they could be a reaction to. Tokyo days (00:00–24:00 JST = 15:00–15:00 UTC) would instead
pair D's US session with the *next* day's close (the 2026-01-20 cascade, 18:50–23:00 UTC, is 21 January
in Tokyo), i.e. a move that came after it.

The change of a date is its close minus the previous published close, in basis points (a missing or
NaN close has no change; a change is never taken across a missing value of that tenor).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

import msgspec

from app.core.macro.jgb import YieldHistory

DAY_MS = 86_400_000
MIN_PAIRS_FOR_CORRELATION = 3


class DayTotals(msgspec.Struct, frozen=True):
    """Liquidations of one UTC day (USD notional; count of records)."""

    day: date
    long_usd: float = 0.0
    short_usd: float = 0.0
    count: int = 0

    @property
    def total_usd(self) -> float:
        return self.long_usd + self.short_usd


class JgbDay(msgspec.Struct, frozen=True):
    """One chart column: the UTC day, its JGB change (None: no close that day) and its liquidations."""

    day: date
    change_bp: float | None
    liquidations: DayTotals


class JgbLiquidationView(msgspec.Struct, frozen=True):
    tenor: str
    days: list[JgbDay]
    correlation: float | None  # Pearson r over the days with both a close and liquidations; None: < 3
    paired_days: int


def utc_day(ts_ms: int) -> date:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).date()


def day_start_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def day_spans(since_ms: int, until_ms: int) -> list[tuple[date, int, int]]:
    """Each UTC day touching [since_ms, until_ms): (day, start, end) clipped to the span, oldest first."""
    spans: list[tuple[date, int, int]] = []
    if until_ms <= since_ms:
        return spans
    day = utc_day(since_ms)
    while True:
        start = day_start_ms(day)
        if start >= until_ms:
            return spans
        spans.append((day, max(start, since_ms), min(start + DAY_MS, until_ms)))
        day += timedelta(days=1)


def bucket_liquidations(events: Iterable[tuple[int, str, float]]) -> list[DayTotals]:
    """(ts_ms, side, notional_usd) records summed per UTC day, oldest first; 'long' is a long position
    liquidated, anything else a short."""
    days: dict[date, list[float]] = {}
    for ts_ms, side, usd in events:
        slot = days.setdefault(utc_day(ts_ms), [0.0, 0.0, 0])
        slot[0 if side == "long" else 1] += usd
        slot[2] += 1
    return [DayTotals(day, s[0], s[1], int(s[2])) for day, s in sorted(days.items())]


def daily_changes(history: YieldHistory, tenor: str = "30Y", since: date | None = None,
                  until: date | None = None) -> dict[date, float]:
    """Date → close minus the previous close of `tenor`, in bp, for dates in [since, until]."""
    changes: dict[date, float] = {}
    if tenor not in history.tenors:
        return changes
    previous: float | None = None
    for day, value in zip(history.dates, history.column(tenor), strict=True):
        if math.isnan(value):
            previous = None  # never across a missing close
            continue
        if previous is not None and (since is None or day >= since) and (until is None or day <= until):
            changes[day] = round((value - previous) * 100, 6)
        previous = value
    return changes


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    if n < MIN_PAIRS_FOR_CORRELATION or n != len(ys):
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def jgb_against_liquidations(history: YieldHistory, totals: Sequence[DayTotals], first: date, last: date,
                             tenor: str = "30Y") -> JgbLiquidationView:
    """One column per UTC day from `first` through `last`: the JGB change dated that day (if MOF
    published one) and that day's liquidations (zero when none were stored). The correlation uses only
    days with both a change and at least one liquidation."""
    changes = daily_changes(history, tenor, first, last)
    by_day = {t.day: t for t in totals}
    days: list[JgbDay] = []
    day = first
    while day <= last:
        days.append(JgbDay(day, changes.get(day), by_day.get(day, DayTotals(day))))
        day += timedelta(days=1)
    pairs = [(d.change_bp, d.liquidations.total_usd) for d in days
             if d.change_bp is not None and d.liquidations.count > 0]
    return JgbLiquidationView(tenor, days, pearson([p[0] for p in pairs], [p[1] for p in pairs]),  # type: ignore[misc]
                              len(pairs))
