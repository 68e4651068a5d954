"""JGB daily changes against daily liquidation totals: UTC-day buckets, changes never across a gap,
the pairing of a UTC day with the close dated that day, and the correlation."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from app.core.macro.jgb import YieldHistory
from app.core.macro.liquidation_days import (
    DayTotals,
    bucket_liquidations,
    daily_changes,
    day_spans,
    jgb_against_liquidations,
    pearson,
    utc_day,
)


def ms(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> int:
    return int(datetime(y, m, d, h, mi, tzinfo=UTC).timestamp() * 1000)


HISTORY = YieldHistory(
    [date(2026, 1, 15), date(2026, 1, 16), date(2026, 1, 19), date(2026, 1, 20), date(2026, 1, 21)],
    {"30Y": [3.43, 3.434, 3.519, 3.691, 3.598], "10Y": [2.16, math.nan, 2.266, 2.33, 2.28]},
)


def test_days_are_utc_days_even_when_tokyo_has_moved_on() -> None:
    # 2026-01-20 18:50 UTC is already 21 January in Tokyo: the cascade counts for the UTC day 20 January.
    assert utc_day(ms(2026, 1, 20, 18, 50)) == date(2026, 1, 20)
    assert utc_day(ms(2026, 1, 20, 23, 59)) == date(2026, 1, 20)
    assert utc_day(ms(2026, 1, 21)) == date(2026, 1, 21)


def test_day_spans_are_clipped_to_the_window() -> None:
    spans = day_spans(ms(2026, 1, 19, 12), ms(2026, 1, 21, 6))
    assert [(d, s, e) for d, s, e in spans] == [
        (date(2026, 1, 19), ms(2026, 1, 19, 12), ms(2026, 1, 20)),
        (date(2026, 1, 20), ms(2026, 1, 20), ms(2026, 1, 21)),
        (date(2026, 1, 21), ms(2026, 1, 21), ms(2026, 1, 21, 6)),
    ]
    assert day_spans(5, 5) == []


def test_bucketing_sums_longs_and_shorts_per_utc_day() -> None:
    totals = bucket_liquidations([
        (ms(2026, 1, 20, 23, 59), "long", 100.0), (ms(2026, 1, 20, 19), "short", 40.0),
        (ms(2026, 1, 21, 0, 0), "long", 7.0), (ms(2026, 1, 20, 1), "long", 3.0),
    ])
    assert totals == [DayTotals(date(2026, 1, 20), 103.0, 40.0, 3), DayTotals(date(2026, 1, 21), 7.0, 0.0, 1)]
    assert totals[0].total_usd == 143.0


def test_daily_change_is_in_bp_from_the_previous_close_and_never_across_a_missing_one() -> None:
    thirty = daily_changes(HISTORY, "30Y")
    assert thirty == pytest.approx({date(2026, 1, 16): 0.4, date(2026, 1, 19): 8.5, date(2026, 1, 20): 17.2,
                                    date(2026, 1, 21): -9.3})
    ten = daily_changes(HISTORY, "10Y")
    assert date(2026, 1, 16) not in ten and date(2026, 1, 19) not in ten  # the gap: no change either side
    assert ten[date(2026, 1, 20)] == pytest.approx(6.4)
    assert daily_changes(HISTORY, "30Y", since=date(2026, 1, 20), until=date(2026, 1, 20)) == pytest.approx(
        {date(2026, 1, 20): 17.2})
    assert daily_changes(HISTORY, "40Y") == {}


def test_each_utc_day_is_paired_with_the_close_dated_that_day() -> None:
    """The demo's cascade (20 January, 18:50-23:00 UTC) sits beside the +17.2 bp move of 20 January, not
    beside the next day's fall (which a Tokyo-day bucket would have given it)."""
    cascade = bucket_liquidations([(ms(2026, 1, 20, 19), "long", 5e6), (ms(2026, 1, 20, 22), "short", 1e6)])
    view = jgb_against_liquidations(HISTORY, cascade, date(2026, 1, 17), date(2026, 1, 21))
    assert [d.day for d in view.days] == [date(2026, 1, 17) + (date(2026, 1, 18) - date(2026, 1, 17)) * i
                                          for i in range(5)]
    by_day = {d.day: d for d in view.days}
    assert by_day[date(2026, 1, 20)].change_bp == pytest.approx(17.2)
    assert by_day[date(2026, 1, 20)].liquidations.total_usd == 6e6
    assert by_day[date(2026, 1, 17)].change_bp is None  # a Saturday: no close
    assert by_day[date(2026, 1, 21)].liquidations.count == 0  # no liquidations stored: zero, not missing
    assert view.paired_days == 1 and view.correlation is None  # one day is not a relation


def test_correlation_uses_only_days_with_both_and_needs_three() -> None:
    totals = [DayTotals(date(2026, 1, 16), 1.0, 0.0, 1), DayTotals(date(2026, 1, 19), 10.0, 0.0, 1),
              DayTotals(date(2026, 1, 20), 20.0, 0.0, 2), DayTotals(date(2026, 1, 18), 99.0, 0.0, 9)]  # Sunday
    view = jgb_against_liquidations(HISTORY, totals, date(2026, 1, 15), date(2026, 1, 21))
    assert view.paired_days == 3
    assert view.correlation is not None and view.correlation > 0.95
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert pearson([1, 1, 1], [1, 2, 3]) is None  # no variation: undefined, not 0
    assert pearson([1, 2], [1, 2]) is None
