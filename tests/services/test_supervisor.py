from __future__ import annotations

import asyncio
import logging

import pytest

from app.core.timing import Timing
from app.services.supervisor import Supervisor

pytestmark = pytest.mark.timeout(10)


async def test_a_crashing_task_is_logged_and_restarted(caplog: pytest.LogCaptureFixture) -> None:
    runs = 0
    recovered = asyncio.Event()

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs < 3:
            raise RuntimeError(f"boom {runs}")
        recovered.set()
        await asyncio.Event().wait()

    supervisor = Supervisor(Timing(600))
    with caplog.at_level(logging.ERROR, logger="app.services.supervisor"):
        supervisor.start("flaky", flaky)
        async with asyncio.timeout(3):
            await recovered.wait()
    assert supervisor.crashes == {"flaky": 2}
    assert supervisor.last_error["flaky"] == "RuntimeError: boom 2"
    assert sum(1 for r in caplog.records if r.exc_info) == 2
    assert supervisor.running() == ["flaky"]
    await supervisor.stop()
    assert supervisor.running() == []


async def test_a_finished_task_is_not_restarted() -> None:
    runs = 0

    async def once() -> None:
        nonlocal runs
        runs += 1

    supervisor = Supervisor(Timing(600))
    supervisor.start("once", once)
    await asyncio.sleep(0.05)
    assert runs == 1 and supervisor.running() == []
    await supervisor.stop()


async def test_stop_cancels_and_awaits_every_task() -> None:
    cleaned: list[str] = []

    def worker(name: str):  # type: ignore[no-untyped-def]
        async def run() -> None:
            try:
                await asyncio.Event().wait()
            finally:
                cleaned.append(name)
        return run

    supervisor = Supervisor()
    for name in ("a", "b", "c"):
        supervisor.start(name, worker(name))
    await asyncio.sleep(0)
    with pytest.raises(ValueError):
        supervisor.start("a", worker("a"))
    async with asyncio.timeout(2):
        await supervisor.stop()
    assert sorted(cleaned) == ["a", "b", "c"]
    with pytest.raises(RuntimeError):
        supervisor.start("d", worker("d"))


async def test_backoff_grows_between_crashes() -> None:
    stamps: list[float] = []

    async def always_fails() -> None:
        stamps.append(asyncio.get_running_loop().time())
        raise ValueError("nope")

    supervisor = Supervisor(Timing(100), backoff_initial_s=1.0, backoff_max_s=60.0)
    supervisor.start("bad", always_fails)
    await asyncio.sleep(0.25)
    await supervisor.stop()
    # 1 s, 2 s, 4 s… of transport time at ×100: a few restarts, not a hot loop
    assert 2 <= len(stamps) <= 6
