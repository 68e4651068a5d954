"""The one market clock: wall time live, scenario time in a replay."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

REPLAY_CLOCK_ENV = "CASCADE_REPLAY_CLOCK"
"""Benches only (tests/bench/bench_app.py soak): `START_MS,WALL_MS,SPEED` makes the live clock read
START_MS + (wall ms − WALL_MS) × SPEED, the clock of a replay server that began playing a recording whose
events start at START_MS at wall time WALL_MS — so a day of event time played at high speed ages out of
the app's windows as it would live. Unset (always, for users): the wall clock."""


def replay_clock(spec: str) -> Callable[[], int] | None:
    """The market-time source a CASCADE_REPLAY_CLOCK value describes (None: not three numbers)."""
    try:
        start_ms, wall_ms, speed = (float(x) for x in spec.split(","))
    except ValueError:
        return None
    if speed <= 0:
        return None
    return lambda: int(start_ms + (time.time() * 1000 - wall_ms) * speed)


class MarketClock:
    """Market time in epoch ms. Live reads the wall clock; a replay passes the scenario's source."""

    def __init__(self, source: Callable[[], int] | None = None, label: str = "live") -> None:
        self._source = source or (lambda: int(time.time() * 1000))
        self.label = label

    def now_ms(self) -> int:
        return self._source()

    def __call__(self) -> int:
        return self._source()

    @classmethod
    def live(cls) -> MarketClock:
        spec = os.environ.get(REPLAY_CLOCK_ENV)
        source = replay_clock(spec) if spec else None
        if spec and source is None:
            log.warning("%s=%r ignored: expected START_MS,WALL_MS,SPEED", REPLAY_CLOCK_ENV, spec)
        elif source is not None:
            log.info("market clock follows a replay (%s=%s): a bench, not live time", REPLAY_CLOCK_ENV, spec)
        return cls(source)
