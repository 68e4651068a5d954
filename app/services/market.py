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
from app.core.formatting import compact_usd
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
    """`aggregator`: where the rolling liquidation totals are read (the engine's StressAggregator, which a
    live restart replaces with one rebuilt from history); None: an aggregator of its own, fed by `take`."""

    def __init__(self, completeness: Mapping[str, str], aggregator: Callable[[], StressAggregator] | None = None,
                 coins: Callable[[], Iterable[str]] = lambda: ()) -> None:
        self.completeness = dict(completeness)
        self._owns_aggregator = aggregator is None
        if aggregator is None:  # built only when no aggregator is shared (the session shares the engine's)
            own = StressAggregator()
            aggregator = lambda: own  # noqa: E731
        self._aggregator = aggregator
        self.extra_coins = coins
        self.oi = OiHistory()
        self.candles: dict[str, CandleSet] = {}
        self.rsi: dict[str, DailyRsi] = {}
        self.candle_errors: dict[str, str] = {}
        self.problems: Callable[[], dict[str, str]] = dict
        """Per source ("OKX open interest"): what went wrong last (the session points it at its pollers)."""

    def watched_coins(self) -> list[str]:
        return list(dict.fromkeys([*MAJORS, *self.extra_coins()]))

    @property
    def aggregator(self) -> StressAggregator:
        return self._aggregator()

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
        aggregator = self.aggregator
        windows = tuple(w for w in SELECTABLE_WINDOWS if w in aggregator.window_names)
        liq = {w: {key: split.total_usd for key, split in aggregator.by_venue_coin(w).items()} for w in windows}
        by_coin = {w: aggregator.window(w).by_coin for w in windows}  # exact, for the column
        watched = set(self.watched_coins())
        coins = set(watched)
        for table in by_coin.values():
            coins.update(table)
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
                liquidations_usd={w: split.total_usd if (split := by_coin[w].get(coin)) else 0.0 for w in windows},
                oi_usd=oi_usd, oi_venues=tuple(venue for venue, _ in latest),
                oi_age_ms=None if oi_age is None else max(0, oi_age),
                oi_stale=oi_age is not None and oi_age > OI_STALE_MS,
                ratios={w: ratios[w][0][coin] for w in windows},
                rsi=rsi, rsi_stale=rsi is not None and rsi.stale(now_ms),
                rsi_error=self.candle_errors.get(coin) or (
                    None if coin in watched else "fetched for the majors and the coins of positions only"),
                change_24h=change, change_age_ms=change_age,
                change_stale=change_age is not None and change_age > MARK_STALE_MS,
            ))
        longest = windows[-1] if windows else None
        rows.sort(key=lambda r: (-(r.liquidations_usd.get(longest, 0.0) if longest else 0.0),
                                 r.coin not in MAJORS, r.coin))
        return MarketView(now_ms, windows, tuple(rows), {w: ratios[w][1] for w in windows},
                          tuple(f"{source}: {text}" for source, text in sorted(self.problems().items())))

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


# --- the stress table's text, pure (the pane only paints it) ----------------------------------------

HEADERS = ("Coin", "Liq {window}", "OI", "Liq / OI", "RSI-14 1D", "24 h")
LATE_OI_MARK = "*"
"""Beside a ratio whose OI history starts after the window's start (the earliest OI stands in)."""


class Cell(msgspec.Struct, frozen=True, gc=False):
    text: str
    tooltip: str = ""
    stale: bool = False  # painted muted, its age in the text


def age_text(ms: int) -> str:
    """'45s', '12m', '3h 05m', '2d 04h': how old a figure is."""
    seconds = max(0, ms) // 1000
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def _ratio_cell(ratio: LiqOi, window_start_ms: int, names: Callable[[str], str],
                clock: Callable[[int], str]) -> Cell:
    if ratio.ratio is None:
        why = "no open interest from the venues with its liquidations" if ratio.left_out else "no data yet"
        return Cell("—", why)
    text = f"{ratio.ratio * 100:.3f}%"
    if ratio.completeness is not None and ratio.completeness != "all":
        text += f" {ratio.completeness}"
    tip = [f"Liquidations {compact(ratio.liquidations_usd)} / open interest {compact(ratio.oi_usd)} at the "
           f"window's start, over {', '.join(names(v) for v in ratio.venues)}"]
    if ratio.left_out:
        tip.append(f"Left out (liquidations or OI only): {', '.join(names(v) for v in ratio.left_out)}")
    tip.append(f"Completeness: {ratio.completeness} (the weakest of its venues)")
    late = ratio.oi_from_ms is not None and ratio.oi_from_ms > window_start_ms
    if late:
        assert ratio.oi_from_ms is not None
        text += LATE_OI_MARK
        tip.append(f"OI history starts at {clock(ratio.oi_from_ms)}, after the window's start: the earliest "
                   "OI is used (OI falls in a cascade, so the ratio may read high)")
    return Cell(text, "\n".join(tip), stale=late)


def compact(value: float) -> str:
    return compact_usd(value)


def table_rows(view: MarketView, window: str, names: Callable[[str], str],
               clock: Callable[[int], str]) -> list[list[Cell]]:
    """One list of cells per coin, then the market-wide row (coin "All"). `names`: venue display names;
    `clock`: how a market time prints (UTC or local)."""
    start = view.now_ms - WINDOWS_MS.get(window, 0)
    rows: list[list[Cell]] = []
    for row in view.rows:
        liq = row.liquidations_usd.get(window, 0.0)
        if row.oi_usd is None:
            oi = Cell("—", "No venue reports its open interest here")
        else:
            tip = f"Now, over {', '.join(names(v) for v in row.oi_venues)}"
            text = compact(row.oi_usd)
            if row.oi_stale and row.oi_age_ms is not None:
                text += f" · {age_text(row.oi_age_ms)} old"
                tip += f"; the oldest part is {age_text(row.oi_age_ms)} old (polled every minute)"
            oi = Cell(text, tip, row.oi_stale)
        if row.rsi is None:
            rsi = Cell("—", row.rsi_error or "Daily candles not loaded yet")
        else:
            text = f"{row.rsi.value:.1f} {names(row.rsi.venue)}"
            tip = (f"Wilder RSI-14 of {names(row.rsi.venue)} {row.rsi.symbol}, {row.rsi.candles} closed UTC days "
                   f"to {clock(row.rsi.last_close_ms)}")
            if row.rsi_stale:
                text += f" · {age_text(row.rsi.age_ms(view.now_ms))} old"
            if row.rsi_error:
                tip += f"\nLast refresh failed: {row.rsi_error}"
            rsi = Cell(text, tip, row.rsi_stale)
        if row.change_24h is None:
            change = Cell("—", "Needs the reference venue's hourly candles and mark")
        else:
            text = f"{row.change_24h * 100:+.2f}%".replace("-", "−")
            if row.change_stale and row.change_age_ms is not None:
                text += f" · {age_text(row.change_age_ms)} old"
            change = Cell(text, "Reference venue's mark against its price 24 h ago (hourly open)",
                          row.change_stale)
        rows.append([Cell(row.coin), Cell(compact(liq), "Every venue with a public liquidation feed"), oi,
                     _ratio_cell(row.ratios[window], start, names, clock) if window in row.ratios else Cell("—"),
                     rsi, change])
    if window in view.market:
        market = view.market[window]
        total = sum(row.liquidations_usd.get(window, 0.0) for row in view.rows)
        oi_total = sum(row.oi_usd or 0.0 for row in view.rows)
        rows.append([Cell("All"), Cell(compact(total)), Cell(compact(oi_total) if oi_total else "—"),
                     _ratio_cell(market, start, names, clock), Cell(""), Cell("")])
    return rows
