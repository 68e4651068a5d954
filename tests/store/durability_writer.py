"""The subprocess of the durability test: the feed runtime on a local replay, the engine handing each
tick's liquidations to the history writer (production batching: commits within 1 s), printing as it
goes (JSON lines, flushed): {"handed": [[venue, id], …], "t": wall s} when rows go to the writer, and
{"committed": N, "t": …} whenever the writer's committed row count grows (rows commit in the order
they were handed over, so the first N handed are durable). Killed with SIGKILL by the test.

Run: python -m tests.store.durability_writer DB ENDPOINTS_JSON
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from app.core.events import Liquidation
from app.core.venues import registry
from app.services.engine import Engine
from app.services.runtime import FeedRuntime
from app.store.db import HistoryDb


def emit(payload: dict) -> None:  # type: ignore[type-arg]
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


async def run(db_path: str, endpoints: dict[str, str]) -> None:
    venues = tuple(v for v in registry.names() if any(s in endpoints for s in registry.by_name(v).streams))
    history = HistoryDb.open(db_path)  # the app's defaults: batches of 1000 rows or 1 s

    def clock() -> int:
        return int(time.time() * 1000)

    def write(liquidations: list[Liquidation]) -> None:
        history.write_liquidations(liquidations)
        emit({"handed": [[e.venue, e.id] for e in liquidations], "t": time.time()})

    runtime = FeedRuntime(clock=clock, endpoints=endpoints, venues=venues)
    engine = Engine(runtime.sink, clock, history_writer=write)
    runtime.start()
    emit({"started": True, "t": time.time()})
    committed = 0
    while True:
        await asyncio.sleep(0.05)
        engine.tick()
        status = history.status()
        if status.committed_rows != committed:
            committed = status.committed_rows
            emit({"committed": committed, "t": time.time()})


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], json.loads(sys.argv[2])))
