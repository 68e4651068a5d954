"""The live market clock, and the bench hook that makes it follow a replay server's clock."""

from __future__ import annotations

import time

import pytest

from app.services.clock import REPLAY_CLOCK_ENV, MarketClock


def test_live_clock_is_the_wall_clock_without_the_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REPLAY_CLOCK_ENV, raising=False)
    before = int(time.time() * 1000)
    now = MarketClock.live().now_ms()
    assert before <= now <= int(time.time() * 1000)


def test_live_clock_follows_a_replay_started_at_wall_ms(monkeypatch: pytest.MonkeyPatch) -> None:
    wall_ms = int(time.time() * 1000) - 10_000  # the replay began playing 10 s ago, ×180
    monkeypatch.setenv(REPLAY_CLOCK_ENV, f"1000000000000,{wall_ms},180")
    now = MarketClock.live().now_ms()
    assert 1_000_000_000_000 + 1_800_000 <= now < 1_000_000_000_000 + 1_900_000  # 30 min of event time, not 10 s


@pytest.mark.parametrize("spec", ["", "1,2", "a,b,c", "1,2,0"])
def test_a_malformed_hook_leaves_the_wall_clock(monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    monkeypatch.setenv(REPLAY_CLOCK_ENV, spec)
    before = int(time.time() * 1000)
    assert before <= MarketClock.live().now_ms() <= int(time.time() * 1000)
