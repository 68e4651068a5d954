"""The stress table's data: liquidations and OI per tick into liq/OI per window, RSI from candles, the
24 h change from the reference venue's mark; every stale figure carries its age in the table text."""

from __future__ import annotations

import pytest

from app.core.events import Liquidation, MarkPrice, OpenInterest
from app.core.rsi import DAY_MS, HOUR_MS, Candle
from app.feeds.candles import CandleSet
from app.services.market import LATE_OI_MARK, OI_STALE_MS, MarketService, age_text, table_rows

T0 = 1_768_935_000_000  # 18:50 UTC
MIN = 60_000


def _liq(venue: str, coin: str, usd: float, ts: int, completeness: str = "all") -> Liquidation:
    return Liquidation(venue, f"{coin}USDT", coin, "linear_perp", "long", 1.0, usd, usd, ts,
                       completeness, f"{venue}{coin}{ts}{usd}")  # type: ignore[arg-type]


def _oi(venue: str, coin: str, usd: float, ts: int) -> OpenInterest:
    return OpenInterest(venue, f"{coin}USDT", coin, usd / 100.0, usd, ts)


def _names(venue: str) -> str:
    return venue.upper()


def _clock(ms: int) -> str:
    return f"t{(ms - T0) // MIN}"


def _service() -> MarketService:
    return MarketService({"bybit": "all", "binance": "sampled", "gate": "all"})


def test_liq_oi_uses_the_oi_at_the_window_start_over_the_same_venues() -> None:
    market = _service()
    for minute in range(0, 121):  # an OI sample a minute for two hours: 10 bn falling 10 M a minute
        now = T0 + minute * MIN
        ois = [_oi("bybit", "BTC", 10e9 - minute * 10e6, now)]
        liqs = [_liq("bybit", "BTC", 1e6, now), _liq("gate", "BTC", 5e5, now)] if minute > 60 else []
        market.take(liqs, ois, now)
    now = T0 + 120 * MIN + 5_000
    view = market.view(now, {})
    btc = next(row for row in view.rows if row.coin == "BTC")
    hour = btc.ratios["1h"]
    assert hour.venues == ("bybit",) and hour.left_out == ("gate",)
    assert hour.liquidations_usd == pytest.approx(60e6, rel=0.02)  # bybit's only, not gate's
    assert hour.oi_usd == pytest.approx(10e9 - 60 * 10e6, rel=0.001)  # at the window's start (t60), not now
    assert btc.liquidations_usd["1h"] == pytest.approx(90e6, rel=0.02)  # the column: every venue
    assert btc.oi_usd == pytest.approx(10e9 - 120 * 10e6) and not btc.oi_stale
    rows = table_rows(view, "1h", _names, _clock)
    ratio = rows[[r[0].text for r in rows].index("BTC")][3]
    assert ratio.text.startswith(f"{hour.ratio * 100:.3f}%") and not ratio.stale  # type: ignore[operator]
    assert "GATE" in ratio.tooltip and "Left out" in ratio.tooltip
    # 4 h back is before the OI history: the ratio says so (mark, muted, tooltip).
    four = rows_for(market, now, "4h")
    assert four[3].text.endswith(LATE_OI_MARK) and four[3].stale and "after the window's start" in four[3].tooltip
    assert rows[-1][0].text == "All"


def rows_for(market: MarketService, now: int, window: str) -> list:  # type: ignore[type-arg]
    view = market.view(now, {})
    rows = table_rows(view, window, _names, _clock)
    return rows[[r[0].text for r in rows].index("BTC")]


def test_stale_oi_rsi_and_change_show_their_age() -> None:
    market = _service()
    market.take([], [_oi("bybit", "BTC", 9e9, T0)], T0)
    day0 = T0 - T0 % DAY_MS
    closes = [100.0 + (i % 3) - i * 0.5 for i in range(40)]
    daily = [Candle(day0 - (40 - i) * DAY_MS, c, c, c, c) for i, c in enumerate(closes)]
    hourly = [Candle(T0 - (30 - h) * HOUR_MS, 100.0, 100, 100, 100, HOUR_MS) for h in range(30)]
    market.on_candles(CandleSet("BTC", "okx", "BTC-USDT-SWAP", daily, hourly, T0))
    mark = MarkPrice("okx", "BTC-USDT-SWAP", "BTC", 90.0, T0)
    fresh = market.view(T0 + MIN, {("okx", "BTC-USDT-SWAP"): mark})
    row = next(r for r in table_rows(fresh, "1h", _names, _clock) if r[0].text == "BTC")
    assert "old" not in row[2].text and not row[2].stale
    assert row[4].text.startswith(f"{market.rsi['BTC'].value:.1f} OKX") and not row[4].stale
    assert row[5].text == "−10.00%" and not row[5].stale
    later = T0 + 2 * DAY_MS  # nothing refreshed for two days: every figure is stale and says how old
    old = market.view(later, {("okx", "BTC-USDT-SWAP"): mark})
    row = next(r for r in table_rows(old, "1h", _names, _clock) if r[0].text == "BTC")
    assert row[2].stale and row[2].text.endswith(f"{age_text(2 * DAY_MS)} old")
    assert row[4].stale and row[4].text.endswith(" old")
    # Two days on, the hourly candles no longer hold the price 24 h ago: no change rather than a wrong one.
    assert row[5].text == "—"
    assert OI_STALE_MS < 2 * DAY_MS


def test_coins_without_rsi_say_why() -> None:
    market = _service()
    market.take([_liq("bybit", "PEPE", 1e5, T0)], [], T0)
    market.on_candle_error("ETH", "okx", "HTTP 404")
    view = market.view(T0 + 1000, {})
    rows = {r[0].text: r for r in table_rows(view, "1h", _names, _clock)}
    assert rows["PEPE"][4].text == "—" and "majors" in rows["PEPE"][4].tooltip
    assert rows["ETH"][4].tooltip == "okx: HTTP 404"
    assert rows["PEPE"][2].text == "—"  # no OI for it anywhere: never a guess


def test_age_text() -> None:
    assert [age_text(ms) for ms in (5_000, 12 * MIN, 3 * 3_600_000 + 5 * MIN, 2 * DAY_MS + 4 * 3_600_000)] == \
        ["5s", "12m", "3h 05m", "2d 04h"]
