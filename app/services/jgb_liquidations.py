"""The liquidation side of the JGB-against-liquidations chart: the history store's totals per UTC day
(see app/core/macro/liquidation_days.py for why UTC days). Blocking reads: run off the loop thread.

Live, the store is the profile's history (every stored day, up to the retention); in the demo it is the
session's in-memory store, which the engine fills with the replayed day's liquidations."""

from __future__ import annotations

from typing import Protocol

from app.core.macro.liquidation_days import DayTotals, day_spans


class _Totals(Protocol):
    venue: str
    count: int
    long_usd: float
    short_usd: float


class TotalsSource(Protocol):
    def liquidation_totals(self, start_ms: int, end_ms: int) -> list[_Totals]: ...  # HistoryDb's


def load_day_totals(store: TotalsSource, since_ms: int, until_ms: int) -> list[DayTotals]:
    """Per UTC day in [since_ms, until_ms): the stored liquidations summed over venues (days without
    any are left out). One indexed range query per day."""
    days: list[DayTotals] = []
    for day, start, end in day_spans(since_ms, until_ms):
        rows = store.liquidation_totals(start, end)
        count = sum(row.count for row in rows)
        if count:
            days.append(DayTotals(day, sum(row.long_usd for row in rows), sum(row.short_usd for row in rows),
                                  count))
    return days
