"""The stress table's data: open interest history, daily RSI and 24 h change per coin, liquidations / OI
per window. Qt-free; fed once per tick by the session (this tick's liquidations and OI from the engine)
and by the candle poller; read once per tick as an immutable `MarketView` in the Snapshot.

Every figure carries its age and a stale flag against its source's normal cadence (OI: a few poll
intervals; RSI: yesterday's candle should be in a couple of hours after midnight UTC; the 24 h change:
the reference venue's mark), so a figure that looks current but is not never reaches the table as such.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import msgspec

from app.core.events import Liquidation, MarkPrice, OpenInterest
from app.core.liq_oi import LiqOi, OiHistory, liq_oi
from app.core.rsi import DailyRsi, change_24h, daily_rsi
from app.core.stress import SELECTABLE_WINDOWS, WINDOWS_MS, StressAggregator
from app.feeds.candles import CandleSet

MAJORS: tuple[str, ...] = ("BTC", "ETH", "SOL", "XRP", "DOGE")
"""Always in the table (and their daily RSI fetched), beside the coins of positions and liquidations."""
OI_STALE_MS = 10 * 60_000
"""Ten OI poll intervals: older than this, the OI is shown with its age."""
MARK_STALE_MS = 60_000


class MarketRow(msgspec.Struct, frozen=True, gc=False):
    coin: str
    liquidations_usd: dict[str, float]  # per window name: every venue with a liquidation feed
    oi_usd: float | None  # now, summed over the venues that report it
    oi_venues: tuple[str, ...]
    oi_age_ms: int | None  # of its oldest part
    oi_stale: bool
    ratios: dict[str, LiqOi]  # per window name
    rsi: DailyRsi | None
    rsi_stale: bool
    rsi_error: str | None  # why it could not be refreshed (its last value, if any, stays with its age)
    change_24h: float | None
    change_age_ms: int | None  # of the mark it is computed from
    change_stale: bool


class MarketView(msgspec.Struct, frozen=True, gc=False):
    now_ms: int
    windows: tuple[str, ...]
    rows: tuple[MarketRow, ...]
    market: dict[str, LiqOi]  # market-wide, per window
    notes: tuple[str, ...] = ()  # OI sources that failed, refused, …


class MarketService:
    """`aggregator`: the rolling liquidation totals (the stress helper's, when the session has one)."""

    def __init__(self, completeness: Mapping[str, str], aggregator: StressAggregator | None = None,
                 coins: Callable[[], Iterable[str]] = lambda: ()) -> None:
        self.completeness = dict(completeness)
        self.aggregator = aggregator if aggregator is not None else StressAggregator()
        self._owns_aggregator = aggregator is None
        self.extra_coins = coins
        self.oi = OiHistory()
        self.candles: dict[str, CandleSet] = {}
        self.rsi: dict[str, DailyRsi] = {}
        self.candle_errors: dict[str, str] = {}
        self.notes: dict[str, str] = {}  # per source ("okx open interest"): what went wrong, shown

    def watched_coins(self) -> list[str]:
        return list(dict.fromkeys([*MAJORS, *self.extra_coins()]))

    def take(self, liquidations: list[Liquidation], open_interest: list[OpenInterest], now_ms: int) -> None:
        if self._owns_aggregator:
            self.aggregator.add_many(liquidations)
            self.aggregator.advance(now_ms)
        for oi in open_interest:
            self.oi.add(oi)

    def on_candles(self, candles: CandleSet) -> None:
        self.candles[candles.coin] = candles
        self.candle_errors.pop(candles.coin, None)
        rsi = daily_rsi(candles.coin, candles.venue, candles.symbol, candles.daily, candles.fetched_ms)
        if rsi is not None:
            self.rsi[candles.coin] = rsi
        else:
            self.candle_errors[candles.coin] = "too few closed daily candles"

    def on_candle_error(self, coin: str, venue: str, text: str) -> None:
        self.candle_errors[coin] = f"{venue}: {text}"

    def view(self, now_ms: int, marks: Mapping[tuple[str, str], MarkPrice]) -> MarketView:
        windows = tuple(w for w in SELECTABLE_WINDOWS if w in self.aggregator.window_names)
        liq = {w: self.aggregator.usd_by_venue_coin(w) for w in windows}
        coins = set(self.watched_coins())
        for table in liq.values():
            coins.update(coin for _, coin in table)
        ratios = {w: liq_oi(WINDOWS_MS[w], now_ms, liq[w], self.oi, self.completeness, coins) for w in windows}
        rows = []
        for coin in coins:
            latest = [(venue, point) for venue in sorted(self.oi.venues())
                      if (point := self.oi.latest(venue, coin)) is not None]
            oi_usd = sum(point.usd for _, point in latest) if latest else None
            oi_age = now_ms - min(point.ts_ms for _, point in latest) if latest else None
            rsi = self.rsi.get(coin)
            change, change_age = self._change(coin, marks, now_ms)
            rows.append(MarketRow(
                coin=coin,
                liquidations_usd={w: sum(usd for (_, c), usd in liq[w].items() if c == coin) for w in windows},
                oi_usd=oi_usd, oi_venues=tuple(venue for venue, _ in latest),
                oi_age_ms=None if oi_age is None else max(0, oi_age),
                oi_stale=oi_age is not None and oi_age > OI_STALE_MS,
                ratios={w: ratios[w][0][coin] for w in windows},
                rsi=rsi, rsi_stale=rsi is not None and rsi.stale(now_ms),
                rsi_error=self.candle_errors.get(coin),
                change_24h=change, change_age_ms=change_age,
                change_stale=change_age is not None and change_age > MARK_STALE_MS,
            ))
        longest = windows[-1] if windows else None
        rows.sort(key=lambda r: (-(r.liquidations_usd.get(longest, 0.0) if longest else 0.0),
                                 r.coin not in MAJORS, r.coin))
        return MarketView(now_ms, windows, tuple(rows), {w: ratios[w][1] for w in windows},
                          tuple(f"{source}: {text}" for source, text in sorted(self.notes.items())))

    def _change(self, coin: str, marks: Mapping[tuple[str, str], MarkPrice], now_ms: int
                ) -> tuple[float | None, int | None]:
        candles = self.candles.get(coin)
        if candles is None:
            return None, None
        mark = marks.get((candles.venue, candles.symbol))
        if mark is None:
            return None, None
        change = change_24h(candles.hourly, mark.price, now_ms)
        return (None, None) if change is None else (change[0], max(0, now_ms - mark.ts_ms))
