from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.coverage import observed_ms


def test_gaps_are_subtracted_once_even_when_they_overlap() -> None:
    assert observed_ms(None, 10_000, []) == 0
    assert observed_ms(1_000, 10_000, []) == 9_000
    assert observed_ms(1_000, 10_000, [(2_000, 3_000), (2_500, 4_000)]) == 7_000  # union: 2 s
    assert observed_ms(1_000, 10_000, [(8_000, None)]) == 7_000  # still down: runs to now
    assert observed_ms(1_000, 10_000, [(0, 1_500)]) == 8_500  # clipped to the period


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), max_size=8))
def test_observed_never_negative_nor_more_than_the_period(raw: list[tuple[int, int]]) -> None:
    gaps = [(min(a, b), max(a, b)) for a, b in raw]
    assert 0 <= observed_ms(10, 90, gaps) <= 80
