"""Liquidations / OI: the same venues on both sides, OI at the window's start, the weakest completeness."""

from __future__ import annotations

import pytest

from app.core.events import OpenInterest
from app.core.liq_oi import OiHistory, liq_oi, weakest

H = 3_600_000
T0 = 1_768_935_000_000


def _oi(venue: str, symbol: str, coin: str, usd: float, ts: int) -> OpenInterest:
    return OpenInterest(venue, symbol, coin, usd / 90_000.0, usd, ts)


def test_oi_is_taken_at_the_window_start_and_summed_over_a_coins_symbols() -> None:
    history = OiHistory()
    for minute in range(0, 121, 5):  # BTC OI falls from 10 bn by 10 M a minute during the cascade
        ts = T0 + minute * 60_000
        history.add(_oi("bybit", "BTCUSDT", "BTC", 10e9 - minute * 10e6, ts))
        history.add(_oi("bybit", "BTCUSD", "BTC", 1e9, ts))
    now = T0 + 2 * H
    point = history.at("bybit", "BTC", now - H)
    assert point is not None and point.usd == pytest.approx(11e9 - 60 * 10e6) and point.ts_ms == now - H
    between = history.at("bybit", "BTC", now - H + 2 * 60_000)  # between samples: the one before
    assert between is not None and between.usd == pytest.approx(11e9 - 60 * 10e6)
    latest = history.latest("bybit", "BTC")
    assert latest is not None and latest.usd == pytest.approx(11e9 - 120 * 10e6)

    per_coin, market = liq_oi(H, now, {("bybit", "BTC"): 54e6}, history, {"bybit": "all"})
    btc = per_coin["BTC"]
    assert btc.oi_usd == pytest.approx(10.4e9)  # at the start, not today's 9.8 bn
    assert btc.ratio == pytest.approx(54e6 / 10.4e9)
    assert btc.completeness == "all" and btc.venues == ("bybit",)
    assert market.ratio == pytest.approx(btc.ratio)


def test_numerator_and_denominator_cover_the_same_venues() -> None:
    history = OiHistory()
    history.add(_oi("bybit", "BTCUSDT", "BTC", 8e9, T0))
    history.add(_oi("binance", "BTCUSDT", "BTC", 9e9, T0))
    history.add(_oi("hyperliquid", "BTC", "BTC", 5e9, T0))  # OI, but no liquidation feed
    history.add(_oi("okx", "ETH-USDT-SWAP", "ETH", 2e9, T0))
    liquidations = {("bybit", "BTC"): 40e6, ("binance", "BTC"): 20e6, ("gate", "BTC"): 7e6,  # gate: no OI
                    ("okx", "ETH"): 10e6, ("bitmex", "ETH"): 1e6}
    completeness = {"bybit": "all", "binance": "sampled", "okx": "partial", "gate": "all", "bitmex": "all"}
    per_coin, market = liq_oi(4 * H, T0 + 4 * H, liquidations, history, completeness)
    btc = per_coin["BTC"]
    assert btc.venues == ("binance", "bybit")
    assert btc.liquidations_usd == pytest.approx(60e6) and btc.oi_usd == pytest.approx(17e9)
    assert btc.left_out == ("gate", "hyperliquid")
    assert btc.completeness == "sampled"  # the weakest of binance (sampled) and bybit (all)
    eth = per_coin["ETH"]
    assert eth.ratio == pytest.approx(10e6 / 2e9) and eth.completeness == "partial"
    assert market.liquidations_usd == pytest.approx(70e6) and market.oi_usd == pytest.approx(19e9)
    assert market.ratio == pytest.approx(70e6 / 19e9)
    assert market.completeness == "partial" and market.venues == ("binance", "bybit", "okx")
    # A coin with liquidations but no OI anywhere: no ratio, never a division by a guess.
    per_coin, _ = liq_oi(H, T0 + H, {("gate", "DOGE"): 1e6}, history, completeness, coins=["DOGE"])
    assert per_coin["DOGE"].ratio is None and per_coin["DOGE"].left_out == ("gate",)


def test_history_that_starts_after_the_window_start_says_so() -> None:
    history = OiHistory()
    history.add(_oi("bybit", "BTCUSDT", "BTC", 8e9, T0 + 30 * 60_000))
    per_coin, market = liq_oi(24 * H, T0 + H, {("bybit", "BTC"): 1e6}, history, {"bybit": "all"})
    assert per_coin["BTC"].oi_from_ms == T0 + 30 * 60_000  # later than the window start T0 − 23 h
    assert market.oi_from_ms == T0 + 30 * 60_000


def test_history_is_bounded_and_files_late_samples_by_time() -> None:
    history = OiHistory(max_samples=50)
    for i in range(10_000):
        history.add(_oi("okx", "BTC-USDT-SWAP", "BTC", float(i), T0 + i * 60_000))
    assert history.samples() <= 50
    history = OiHistory()
    for i in range(3_000):  # 50 h at one a minute: only ~25 h are kept
        history.add(_oi("okx", "BTC-USDT-SWAP", "BTC", float(i), T0 + i * 60_000))
    assert history.samples() <= 25 * 60 + 2
    point = history.at("okx", "BTC", T0 + 2_999 * 60_000 - 24 * H)
    assert point is not None and point.usd == 2_999 - 24 * 60  # the 24 h window's start is still known
    late = OiHistory()
    late.add(_oi("okx", "X", "X", 2.0, T0 + 2_000))
    late.add(_oi("okx", "X", "X", 1.0, T0 + 1_000))
    late.add(_oi("okx", "X", "X", 3.0, T0 + 2_000))  # the same moment again: replaced
    assert late.at("okx", "X", T0 + 1_500).usd == 1.0  # type: ignore[union-attr]
    assert late.at("okx", "X", T0 + 2_500).usd == 3.0  # type: ignore[union-attr]
    assert late.samples() == 2


def test_a_one_hertz_source_keeps_a_day_of_history() -> None:
    history = OiHistory()
    for second in range(0, 30 * 3600, 1):  # a websocket's OI every second for 30 h
        history.add(_oi("hyperliquid", "BTC", "BTC", float(second), T0 + second * 1000))
    assert history.samples() <= 25 * 62  # about one a minute over the 25 h kept
    now = T0 + (30 * 3600 - 1) * 1000
    latest = history.latest("hyperliquid", "BTC")
    assert latest is not None and latest.ts_ms == now  # the newest is always there
    start = history.at("hyperliquid", "BTC", now - 24 * H)
    assert start is not None and now - 24 * H - 61_000 <= start.ts_ms <= now - 24 * H  # within a minute


def test_weakest_completeness() -> None:
    assert weakest(["all", "aggregated"]) == "aggregated"
    assert weakest(["all", "sampled", "aggregated"]) == "sampled"
    assert weakest(["partial", "all"]) == "partial"
    assert weakest([]) is None


def test_the_aggregators_venue_coin_usd_matches_a_rescan() -> None:
    import random

    from app.core.events import Liquidation
    from app.core.stress import StressAggregator, in_window

    rng = random.Random(7)
    aggregator = StressAggregator()
    events = []
    now = T0
    for n in range(5_000):
        now += rng.randrange(0, 40_000)
        ts = now - rng.randrange(0, 120_000)  # some late
        venue, coin = rng.choice(["bybit", "okx", "gate"]), rng.choice(["BTC", "ETH", "SOL"])
        liq = Liquidation(venue, coin, coin, "linear_perp", rng.choice(["long", "short"]), 1.0, 1.0,
                          rng.uniform(1e3, 1e6), ts, "all", str(n))
        aggregator.advance(now)
        aggregator.add(liq)
        events.append(liq)
    tables = {w: {k: v.total_usd for k, v in aggregator.by_venue_coin(w).items()} for w in ("1h", "4h", "24h")}
    for window, span in (("1h", H), ("4h", 4 * H), ("24h", 24 * H)):
        expected: dict[tuple[str, str], float] = {}
        for liq in events:
            if in_window(liq.ts_ms, now, span):
                expected[(liq.venue, liq.coin)] = expected.get((liq.venue, liq.coin), 0.0) + liq.notional_usd
        assert tables[window].keys() == expected.keys()
        for key, usd in expected.items():
            assert tables[window][key] == pytest.approx(usd, rel=1e-9), (window, key)
