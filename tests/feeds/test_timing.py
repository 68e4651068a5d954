from __future__ import annotations

import itertools

import pytest

from app.core.timing import Timing


def test_durations_are_scaled() -> None:
    timing = Timing(60)
    assert timing.seconds(30) == pytest.approx(0.5)
    assert Timing().seconds(30) == 30


def test_monotonic_runs_scale_times_faster() -> None:
    import time

    timing = Timing(1000)
    before_real, before = time.monotonic(), timing.monotonic()
    assert before == pytest.approx(before_real * 1000, rel=1e-6)


async def test_sleep_is_scaled() -> None:
    timing = Timing(1000)
    start = timing.monotonic()
    await timing.sleep(20)  # 20 ms of wall time
    assert timing.monotonic() - start >= 20


def test_backoff_grows_with_jitter_and_caps() -> None:
    delays = list(itertools.islice(Timing().backoff(1.0, 8.0, factor=2.0, jitter=0.5), 8))
    assert 0.5 <= delays[0] <= 1.5
    assert 1.0 <= delays[1] <= 3.0
    assert all(4.0 <= d <= 12.0 for d in delays[4:])  # capped at 8 ± 50 %
    assert len(set(delays)) > 1


def test_scale_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Timing(0)
