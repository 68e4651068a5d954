"""Transport time: every heartbeat, stall, backoff and open timeout goes through one `Timing`.

Code states durations in the venue's real seconds ("ping every 20 s"); `Timing(scale)` divides them
by `scale`, so tests run the same code ×60 or faster without waiting minutes. Market time (what the
user sees) is a different clock, injected separately.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator


class Timing:
    def __init__(self, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale

    def seconds(self, transport_seconds: float) -> float:
        """Real seconds for a transport duration (for library parameters such as open_timeout)."""
        return transport_seconds / self.scale

    def monotonic(self) -> float:
        """Transport seconds on a monotonic clock (real monotonic × scale), comparable with durations
        stated unscaled."""
        return time.monotonic() * self.scale

    async def sleep(self, transport_seconds: float) -> None:
        await asyncio.sleep(max(0.0, transport_seconds) / self.scale)

    def backoff(
        self, initial: float = 1.0, maximum: float = 60.0, factor: float = 2.0, jitter: float = 0.5
    ) -> Iterator[float]:
        """Exponential backoff in transport seconds with ±`jitter` proportional randomisation, so many
        clients reconnecting at once do not stampede the venue."""
        delay = initial
        while True:
            spread = delay * jitter
            yield max(0.0, delay + random.uniform(-spread, spread))
            delay = min(maximum, delay * factor)
