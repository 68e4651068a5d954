"""The one market clock: wall time live, scenario time in a replay."""

from __future__ import annotations

import time
from collections.abc import Callable


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
        return cls()
