"""wait_market: a poller's wait for the market clock. It wakes rarely at a steady pace (live: a few times a
minute, not twice a second) and still notices the due time on time, at any replay speed, and within its
longest step when a replay speeds up."""

from __future__ import annotations

import asyncio
import contextlib

from app.core.timing import Timing
from app.feeds.open_interest import CLOCK_CHECK_MAX_S, CLOCK_CHECK_S, wait_market

SCALE = 2000.0  # transport seconds run ×2000: a 60 s wait takes 30 ms of wall time


class CountingTiming(Timing):
    def __init__(self) -> None:
        super().__init__(scale=SCALE)
        self.sleeps = 0
        self.asked: list[float] = []

    async def sleep(self, transport_seconds: float) -> None:
        self.sleeps += 1
        self.asked.append(transport_seconds)
        await super().sleep(transport_seconds)


def _wait(pace: list[float], due_s: float, speed_up_at_s: float | None = None) -> tuple[float, int]:
    """Transport seconds wait_market took to see a market clock (running at pace[0] market per transport
    second, pace[1] after speed_up_at_s) reach due_s, and how often it slept."""
    timing = CountingTiming()
    began = timing.monotonic()

    def clock() -> int:
        elapsed = timing.monotonic() - began
        if speed_up_at_s is None or elapsed <= speed_up_at_s:
            return int(elapsed * pace[0] * 1000)
        return int((speed_up_at_s * pace[0] + (elapsed - speed_up_at_s) * pace[1]) * 1000)

    async def run() -> float:
        await wait_market(clock, int(due_s * 1000), timing)
        assert clock() >= due_s * 1000
        return timing.monotonic() - began

    return asyncio.run(run()), timing.sleeps


def test_a_live_paced_clock_is_waited_for_in_few_wakes_and_on_time() -> None:
    took, sleeps = _wait([1.0], 60.0)
    assert sleeps <= 60 / CLOCK_CHECK_MAX_S + 4  # was 120 at 0.5 s steps
    assert took < 60.0 + CLOCK_CHECK_S * 4  # the due time is not overslept (scheduling slack only)


def test_a_fast_replay_clock_is_followed_at_its_pace() -> None:
    took, sleeps = _wait([100.0], 600.0)  # ×100: 600 market seconds in 6 transport seconds
    assert took < 6.0 + CLOCK_CHECK_S * 4
    assert sleeps <= 12


def test_a_clock_that_speeds_up_is_noticed_within_the_longest_step() -> None:
    took, _ = _wait([1.0, 50.0], 3600.0, speed_up_at_s=2.0)  # live-paced, then ×50 (a replay's speed raised)
    expected = 2.0 + (3600.0 - 2.0) / 50.0
    assert took < expected + CLOCK_CHECK_MAX_S + 1.0


def test_a_stopped_clock_is_checked_at_the_shortest_step() -> None:
    timing = CountingTiming()

    async def run() -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wait_market(lambda: 0, 1_000, timing), 0.05)  # a paused replay

    asyncio.run(run())
    assert timing.sleeps >= 2 and set(timing.asked) == {CLOCK_CHECK_S}
