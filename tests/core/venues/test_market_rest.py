"""REST open interest and candle pages of each venue that serves them: units into USD, Bybit's
one-sided figure, OKX's open candle flagged, garbage as BadFrame."""

from __future__ import annotations

import pytest

from app.core.errors import BadFrame
from app.core.events import OpenInterest
from app.core.instruments import load_bundled
from app.core.rsi import DAY_MS
from app.core.venues import binance_market, bybit_market, okx_market

INSTRUMENTS = load_bundled()


def test_bybit_reads_the_single_sided_figure_only() -> None:
    body = ('{"retCode":0,"retMsg":"OK","result":{"symbol":"BTCUSDT","category":"linear","list":['
            '{"openInterest":"100000.0","singleOpenInterest":"50000.0","timestamp":"1768934700000"}]},'
            '"time":1768935000000}')
    [oi] = bybit_market.parse_oi(body, "BTCUSDT", 0, INSTRUMENTS, 90_000.0)
    assert isinstance(oi, OpenInterest)
    assert oi.base_qty == 50_000.0 and oi.usd == pytest.approx(4.5e9) and oi.ts_ms == 1_768_934_700_000
    assert oi.coin == "BTC"
    inverse = ('{"retCode":0,"result":{"symbol":"BTCUSD","category":"inverse","list":['
               '{"openInterest":"63910691","singleOpenInterest":"31955346","timestamp":"1780963200000"}]}}')
    [oi] = bybit_market.parse_oi(inverse, "BTCUSD", 0, INSTRUMENTS, 100_000.0)
    assert oi.usd == 31_955_346.0 and oi.base_qty == pytest.approx(319.55346)  # type: ignore[union-attr]
    two_sided_only = '{"retCode":0,"result":{"list":[{"openInterest":"100000.0","timestamp":"1"}]}}'
    with pytest.raises(BadFrame, match="singleOpenInterest"):
        bybit_market.parse_oi(two_sided_only, "BTCUSDT", 0, INSTRUMENTS, 90_000.0)
    assert bybit_market.parse_oi(body, "BTCUSDT", 0, INSTRUMENTS, None) == []  # no mark yet: no guess
    with pytest.raises(BadFrame):
        bybit_market.parse_oi('{"retCode":10001,"retMsg":"params error"}', "BTCUSDT", 0, INSTRUMENTS, 1.0)
    assert "category=inverse" in bybit_market.oi_path("BTCUSD", INSTRUMENTS)
    assert "category=linear" in bybit_market.oi_path("BTCUSDT", INSTRUMENTS)


def test_binance_values_base_units_at_the_mark_and_counts_multiplied_symbols() -> None:
    [oi] = binance_market.parse_oi('{"openInterest":"10659.509","symbol":"BTCUSDT","time":1589437530011}',
                                   "BTCUSDT", 0, INSTRUMENTS, 100_000.0)
    assert oi.usd == pytest.approx(1_065_950_900.0) and oi.base_qty == 10659.509  # type: ignore[union-attr]
    [pepe] = binance_market.parse_oi('{"openInterest":"2000000","symbol":"1000PEPEUSDT","time":1}',
                                     "1000PEPEUSDT", 0, INSTRUMENTS, 0.01)  # $0.01 per 1000 PEPE
    assert pepe.coin == "PEPE" and pepe.base_qty == 2e9 and pepe.usd == pytest.approx(20_000.0)  # type: ignore[union-attr]
    with pytest.raises(BadFrame):
        binance_market.parse_oi('{"openInterest":"1","symbol":"ETHUSDT","time":1}', "BTCUSDT", 0, INSTRUMENTS, 1.0)
    with pytest.raises(BadFrame):
        binance_market.parse_oi('{"openInterest":"-1","symbol":"BTCUSDT","time":1}', "BTCUSDT", 0, INSTRUMENTS, 1.0)


def test_okx_states_usd_and_coins() -> None:
    body = ('{"code":"0","msg":"","data":[{"instType":"SWAP","instId":"BTC-USDT-SWAP","oi":"2500000",'
            '"oiCcy":"25000","oiUsd":"2300000000","ts":"1768935000000"}]}')
    [oi] = okx_market.parse_oi(body, "BTC-USDT-SWAP", 0, INSTRUMENTS)
    assert oi.usd == 2.3e9 and oi.base_qty == 25_000.0 and oi.coin == "BTC"  # type: ignore[union-attr]
    with pytest.raises(BadFrame):
        okx_market.parse_oi('{"code":"50011","msg":"Too Many Requests","data":[]}', "BTC-USDT-SWAP", 0, INSTRUMENTS)
    with pytest.raises(BadFrame):
        okx_market.parse_oi('{"code":"0","data":[]}', "BTC-USDT-SWAP", 0, INSTRUMENTS)


def test_okx_daily_candles_oldest_first_with_the_open_one_flagged() -> None:
    day = 1_768_867_200_000  # 2026-01-20T00:00Z
    body = ('{"code":"0","msg":"","data":['
            f'["{day}","92000","93000","91000","92500","1","1","1","0"],'
            f'["{day - DAY_MS}","91000","92500","90500","92000","1","1","1","1"]]}}')
    candles = okx_market.parse_candles(body, "1d")
    assert [c.open_ms for c in candles] == [day - DAY_MS, day]
    assert candles[0].closed and not candles[1].closed
    assert candles[0].close == 92_000.0 and candles[0].interval_ms == DAY_MS
    with pytest.raises(BadFrame):
        okx_market.parse_candles('{"code":"0","data":[["x","1","1","1","1"]]}', "1d")
    with pytest.raises(BadFrame):
        okx_market.parse_candles('{"code":"0","data":[["1","0","1","1","1"]]}', "1d")
    assert okx_market.candles_path("BTC-USDT-SWAP", "1d", 100).endswith("bar=1Dutc&limit=100")
    assert okx_market.candle_symbol("BTC", INSTRUMENTS) == "BTC-USDT-SWAP"
    assert okx_market.candle_symbol("NOPE", INSTRUMENTS) is None
