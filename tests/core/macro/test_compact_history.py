"""The compact form of a yield history, and merging histories by runs of rows."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.macro.jgb import MofParseError, YieldHistory

TENORS = ("1Y", "10Y", "30Y")
values = st.one_of(st.just(math.nan), st.floats(-1, 6, allow_nan=False).map(lambda v: round(v, 3)))


@st.composite
def histories(draw: st.DrawFn) -> YieldHistory:
    ordinals = sorted(draw(st.sets(st.integers(738_000, 738_060), max_size=25)))
    tenors = draw(st.lists(st.sampled_from(TENORS), min_size=1, max_size=3, unique=True))
    return YieldHistory([date.fromordinal(o) for o in ordinals],
                        {t: [draw(values) for _ in ordinals] for t in tenors})


def cells(history: YieldHistory) -> dict[tuple[date, str], float | None]:
    return {(day, t): (None if math.isnan(v) else v)
            for t in history.tenors for day, v in zip(history.dates, history.column(t), strict=True)}


def naive_merge(*parts: YieldHistory) -> dict[tuple[date, str], float | None]:
    """The definition: per date the last history holding that date wins its whole row."""
    rows: dict[date, dict[str, float]] = {}
    for history in parts:
        for index, day in enumerate(history.dates):
            rows[day] = {t: history.column(t)[index] for t in history.tenors}
    tenors = {t for history in parts for t in history.tenors}
    return {(day, t): (None if math.isnan(v := row.get(t, math.nan)) else v)
            for day, row in rows.items() for t in tenors}


@settings(max_examples=200, deadline=None)
@given(st.lists(histories(), min_size=1, max_size=4))
def test_merged_matches_the_row_by_row_definition(parts: list[YieldHistory]) -> None:
    merged = parts[0].merged(*parts[1:])
    assert list(merged.dates) == sorted(merged.dates)
    assert cells(merged) == naive_merge(*parts)


@settings(max_examples=100, deadline=None)
@given(histories())
def test_compact_round_trip(history: YieldHistory) -> None:
    back = YieldHistory.from_compact(history.to_compact())
    assert back.dates == history.dates and back.tenors == history.tenors
    assert cells(back) == cells(history)


@pytest.mark.parametrize("damage", [
    lambda data: data[:-5],
    lambda data: b"\x00" + data,
    lambda data: data.replace(b"10Y", b"XXX"),
    lambda data: b"",
])
def test_damaged_compact_raises_parse_error(damage) -> None:  # type: ignore[no-untyped-def]
    history = YieldHistory([date(2026, 1, 19), date(2026, 1, 20)], {"10Y": [2.1, 2.3], "30Y": [3.5, 3.765]})
    with pytest.raises(MofParseError):
        YieldHistory.from_compact(damage(history.to_compact()))


def test_compact_with_dates_out_of_order_is_rejected() -> None:
    history = YieldHistory([date(2026, 1, 19), date(2026, 1, 20)], {"10Y": [2.1, 2.3]})
    data = history.to_compact()
    swapped = YieldHistory._trusted([history._ordinals[1], history._ordinals[0]], dict(history._columns))
    assert data != swapped.to_compact()
    with pytest.raises(MofParseError, match="increasing"):
        YieldHistory.from_compact(swapped.to_compact())
