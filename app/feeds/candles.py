"""Daily (and hourly) candles of one labelled reference venue per coin, refreshed hourly, for the daily
RSI-14 and the 24 h change of the stress table (app/core/rsi.py).

The reference venue of a coin is the first registered venue whose descriptor serves candles
(`market.candles_path`) and lists the coin (`market.candle_symbol`), e.g. OKX `BTC-USDT-SWAP` with
`bar=1Dutc` (UTC days). Per coin per hour: 100 daily candles (Wilder's smoothing needs a long warm-up
to settle) and 30 hourly ones (the price 24 h ago). Spacing, 429/418 and 403/451 as the OI pollers
(app/feeds/open_interest.py `RestHost`); a failed coin keeps its last candles, whose age then shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from app.core.errors import BadFrame
from app.core.instruments import Instruments
from app.core.rsi import DAILY_CANDLES, HOURLY_CANDLES, Candle
from app.core.timing import Timing
from app.core.venues import registry
from app.feeds.http import Fetch
from app.feeds.http import fetch as http_fetch
from app.feeds.open_interest import Failed, Refused, RestHost, wait_market

log = logging.getLogger(__name__)

CANDLE_INTERVAL_S = 3600.0


@dataclass(frozen=True)
class CandleSet:
    coin: str
    venue: str
    symbol: str
    daily: list[Candle]
    hourly: list[Candle]
    fetched_ms: int


def reference(coin: str, instruments: Instruments, venues: Sequence[str]) -> tuple[str, str] | None:
    """(venue, symbol) whose candles stand for `coin`, or None."""
    for descriptor in registry.VENUES:
        market = descriptor.market
        if descriptor.name not in venues or market is None or market.candles_path is None:
            continue
        if market.candle_symbol is not None and (symbol := market.candle_symbol(coin, instruments)) is not None:
            return descriptor.name, symbol
    return None


class CandlePoller:
    """`coins()`: the coins to follow now (majors and watched ones, re-read every round); results go to
    `on_candles`, failures to `on_error(coin, venue, text)`."""

    def __init__(
        self,
        coins: Callable[[], list[str]],
        instruments: Instruments,
        clock: Callable[[], int],
        venues: Sequence[str],
        on_candles: Callable[[CandleSet], None],
        on_error: Callable[[str, str, str], None] = lambda coin, venue, text: None,
        base_urls: Mapping[str, str] | None = None,
        timing: Timing | None = None,
        fetch: Fetch = http_fetch,
        interval_s: float = CANDLE_INTERVAL_S,
    ) -> None:
        self.coins = coins
        self.instruments = instruments
        self.clock = clock
        self.venues = list(venues)
        self.on_candles = on_candles
        self.on_error = on_error
        self.base_urls = dict(base_urls or {})
        self.timing = timing or Timing()
        self.fetch = fetch
        self.interval_s = interval_s
        self.hosts: dict[str, RestHost] = {}
        self.refused: set[str] = set()

    def _host(self, venue: str) -> RestHost:
        host = self.hosts.get(venue)
        if host is None:
            market = registry.by_name(venue).market
            assert market is not None
            host = self.hosts[venue] = RestHost(self.base_urls.get(venue) or market.base_url, market.min_gap_s,
                                                self.fetch, self.timing)
        return host

    async def fetch_coin(self, coin: str) -> CandleSet | None:
        ref = reference(coin, self.instruments, [v for v in self.venues if v not in self.refused])
        if ref is None:
            return None
        venue, symbol = ref
        market = registry.by_name(venue).market
        assert market is not None and market.candles_path is not None and market.parse_candles is not None
        host = self._host(venue)
        try:
            daily = market.parse_candles(await host.get(market.candles_path(symbol, "1d", DAILY_CANDLES)), "1d")
            hourly = market.parse_candles(await host.get(market.candles_path(symbol, "1h", HOURLY_CANDLES)), "1h")
        except Refused as error:
            self.refused.add(venue)
            self.on_error(coin, venue, str(error))
            return None
        except Failed as error:
            self.on_error(coin, venue, str(error))
            return None
        except BadFrame as error:
            self.on_error(coin, venue, f"unexpected answer ({error.reason})")
            return None
        result = CandleSet(coin, venue, symbol, daily, hourly, self.clock())
        self.on_candles(result)
        return result

    async def poll_once(self) -> int:
        done = 0
        for coin in dict.fromkeys(self.coins()):
            if await self.fetch_coin(coin) is not None:
                done += 1
        return done

    async def run(self) -> None:
        while True:
            started = self.clock()
            await self.poll_once()
            await wait_market(self.clock, started + int(self.interval_s * 1000), self.timing)
