"""The prices strip's figures: mark, its change since the oldest sample within 24 h, 24 h liquidations."""

from __future__ import annotations

from app.core.events import Liquidation, MarkPrice
from app.core.watch_prices import BUCKET_MS, DAY_MS, WatchStats

T0 = 1_768_900_000_000 - 1_768_900_000_000 % BUCKET_MS


def mark(price: float, ts: int, venue: str = "bybit", symbol: str = "BTCUSDT") -> MarkPrice:
    return MarkPrice(venue, symbol, "BTC", price, ts)


def liq(usd: float, ts: int, side: str = "long", coin: str = "BTC") -> Liquidation:
    return Liquidation("bybit", f"{coin}USDT", coin, "linear_perp", side, 1.0, 1.0, usd, ts, "all", f"{ts}{side}")  # type: ignore[arg-type]


def test_change_is_labelled_with_its_start_until_a_full_day_was_seen() -> None:
    stats = WatchStats()
    stats.track([("bybit", "BTCUSDT")])
    stats.add_marks([mark(100.0, T0), mark(50.0, T0, symbol="ETHUSDT")])  # ETH not tracked: ignored
    stats.add_marks([mark(110.0, T0 + 3_600_000)])
    price = stats.price("BTC", [("okx", "BTC-USDT-SWAP"), ("bybit", "BTCUSDT")], T0 + 3_600_000)
    assert (price.venue, price.mark) == ("bybit", 110.0)
    assert price.change_pct is not None and abs(price.change_pct - 10.0) < 1e-9
    assert price.change_since_ms == T0 and not price.full_day
    stats.add_marks([mark(121.0, T0 + DAY_MS)])
    later = stats.price("BTC", [("bybit", "BTCUSDT")], T0 + DAY_MS)
    assert later.full_day and later.change_pct is not None and abs(later.change_pct - 21.0) < 1e-9


def test_a_coin_without_a_mark_has_no_price_and_no_change() -> None:
    stats = WatchStats()
    stats.track([("bybit", "BTCUSDT")])
    price = stats.price("BTC", [("bybit", "BTCUSDT")], T0)
    assert price.mark is None and price.change_pct is None and price.venue is None


def test_liquidations_are_summed_over_the_last_24_hours_only() -> None:
    stats = WatchStats()
    stats.add_liquidations([liq(1000.0, T0), liq(500.0, T0 + 10, "short"), liq(7.0, T0, coin="SOL")], since_ms=T0)
    stats.add_liquidations([liq(200.0, T0 + DAY_MS - BUCKET_MS)])
    price = stats.price("BTC", [], T0 + DAY_MS - BUCKET_MS)
    assert (price.liq_long_usd, price.liq_short_usd) == (1200.0, 500.0)
    assert price.liq_since_ms == T0  # less than a day counted: said so
    after = stats.price("BTC", [], T0 + DAY_MS + BUCKET_MS)
    assert (after.liq_long_usd, after.liq_short_usd) == (200.0, 0.0)  # the first bucket left the window
    assert after.liq_since_ms is None


def test_liquidation_buckets_stay_bounded_for_a_coin_never_shown() -> None:
    stats = WatchStats()
    for day in range(3):
        stats.add_liquidations([liq(1.0, T0 + day * DAY_MS + k * BUCKET_MS, coin="XRP") for k in range(288)])
    assert len(stats._liqs["XRP"]) <= DAY_MS // BUCKET_MS + 2
