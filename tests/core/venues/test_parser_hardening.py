"""Issue 9 regressions for the venue parsers: deep nesting is a BadFrame, a 1e308 Bybit mark is refused."""

from __future__ import annotations

import pytest

from app.core.errors import BadFrame
from app.core.venues import binance, bitget, bitmex, bybit, deribit, gate, okx
from app.core.venues.binance import BinanceState
from app.core.venues.bybit import BybitState

DEEP = "[" * 2_000 + "]" * 2_000
PARSERS = {
    "binance": (binance.parse, BinanceState),
    "bybit": (bybit.parse, lambda: BybitState("linear")),
    "okx": (okx.parse, lambda: None),
    "bitget": (bitget.parse, lambda: None),
    "gate": (gate.parse, lambda: None),
    "deribit": (deribit.parse, lambda: None),
    "bitmex": (bitmex.parse, bitmex.SeenOrders),
}
# The nesting sits where each decoder has to descend into it (raised RecursionError before).
DEEP_FRAMES = {
    "binance": ['{"e":"forceOrder","E":1,"x":' + DEEP + "}",
                '{"stream":"a","data":{"e":"forceOrder","o":' + DEEP + "}}"],
    "bybit": ['{"topic":"tickers.BTCUSDT","type":"snapshot","ts":1,"data":' + DEEP + "}",
              '{"topic":"allLiquidation.BTCUSDT","ts":1,"data":[' + DEEP + "]}"],
    "okx": ['{"arg":{"channel":"liquidation-orders"},"data":[{"x":' + DEEP + "}]}", '{"x":' + "[" * 100_000 + "}"],
    "bitget": ['{"arg":{"instType":"usdt-futures","topic":"liquidation"},"data":[' + DEEP + "]}"],
    "gate": ['{"channel":"futures.public_liquidates","event":"update","result":[' + DEEP + "]}"],
    "deribit": ['{"method":"subscription","params":{"channel":"trades.future.BTC.100ms","data":[' + DEEP + "]}}"],
    "bitmex": ['{"table":"liquidation","action":"insert","data":[' + DEEP + "]}"],
}


@pytest.mark.parametrize(("venue", "frame"), [(v, f) for v, frames in DEEP_FRAMES.items() for f in frames])
def test_a_frame_nested_2000_levels_is_a_bad_frame(venue: str, frame: str) -> None:
    parse, state = PARSERS[venue]
    with pytest.raises(BadFrame):
        parse(frame, 0, None, state())


def test_bybit_ticker_refuses_a_1e308_mark() -> None:
    frame = ('{"topic":"tickers.BTCUSDT","type":"snapshot","ts":1,'
             '"data":{"symbol":"BTCUSDT","markPrice":"1e308","indexPrice":"1"}}')
    with pytest.raises(BadFrame, match="implausible"):
        bybit.parse(frame, 0, None, BybitState("linear"))


def test_deeply_nested_instrument_rows_are_skipped_and_noted() -> None:
    payload = '{"code":"0","data":[' + DEEP + "]}"
    problems: list[str] = []
    try:
        okx.instruments_from_rest(payload, problems)
    except BadFrame:
        return
    assert problems
