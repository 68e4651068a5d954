"""Bitfinex `status` / `liq:global` parsing on the docs' frames: side from the signed AMOUNT, base quantity,
USD notional, timestamp and completeness; one event per position (trigger and executions dedupe by
POS_ID, across frames and reconnects, never within a frame); the futures pair listing."""

from __future__ import annotations

import pytest
from sample_frames import (
    BITFINEX_DOCS,
    BITFINEX_EXECUTION,
    BITFINEX_HB,
    BITFINEX_INFO,
    BITFINEX_SUBSCRIBED,
    BITFINEX_TRIGGER,
)

from app.core.errors import BadFrame
from app.core.events import Liquidation, Unconvertible, VenueNotice
from app.core.instruments import Instruments
from app.core.venues import bitfinex


def test_the_docs_example_is_a_margin_position_and_not_counted() -> None:
    assert bitfinex.parse(BITFINEX_DOCS, 0, None, bitfinex.SeenPositions()) == []


def test_a_perpetual_execution_gives_one_short_liquidation() -> None:
    (event,) = bitfinex.parse(BITFINEX_EXECUTION, 0, None, bitfinex.SeenPositions())
    assert isinstance(event, Liquidation)
    assert (event.venue, event.symbol, event.coin, event.kind) == ("bitfinex", "tBTCF0:USTF0", "BTC", "linear_perp")
    assert event.side == "short"  # AMOUNT -2.62932: a short position
    assert event.qty == pytest.approx(2.62932) and event.price == 7101.5
    assert event.notional_usd == pytest.approx(2.62932 * 7101.5)
    assert event.ts_ms == 1574697680828 and event.completeness == "all"


def test_a_positive_amount_is_a_long() -> None:
    (event,) = bitfinex.parse(BITFINEX_EXECUTION.replace("-2.62932", "0.5"), 0)
    assert (event.side, event.qty) == ("long", 0.5)


def test_trigger_then_executions_of_one_position_count_once() -> None:
    seen = bitfinex.SeenPositions()
    assert bitfinex.parse(BITFINEX_TRIGGER, 1_000, None, seen) == []  # the trigger has no price yet
    (event,) = bitfinex.parse(BITFINEX_EXECUTION, 2_000, None, seen)
    assert event.ts_ms == 1574697680828
    assert bitfinex.parse(BITFINEX_EXECUTION, 3_000, None, seen) == []  # a second execution / a repeat
    other = BITFINEX_EXECUTION.replace("142397657", "142397658")
    assert len(bitfinex.parse(other, 4_000, None, seen)) == 1


def test_a_priced_trigger_counts_and_its_execution_does_not() -> None:
    seen = bitfinex.SeenPositions()
    priced = BITFINEX_TRIGGER.replace(",null,0,1,null,null]", ",null,0,1,null,7100.0]")
    (trigger,) = bitfinex.parse(priced, 1_000, None, seen)
    assert (trigger.ts_ms, trigger.price) == (1574697680801, 7100.0)
    assert bitfinex.parse(BITFINEX_EXECUTION, 2_000, None, seen) == []


def test_trigger_and_execution_in_one_frame_count_once_but_two_positions_count_twice() -> None:
    execution = BITFINEX_EXECUTION[len("[91684,["):-2]
    priced = BITFINEX_TRIGGER.replace(",null]", ",7100.0]")[len("[91684,["):-2]
    assert len(bitfinex.parse(f"[91684,[{priced},{execution}]]", 0, None, bitfinex.SeenPositions())) == 1
    twin = execution.replace("142397657", "1")  # another position of identical size, price and time
    events = bitfinex.parse(f"[91684,[{execution},{twin}]]", 0, None, bitfinex.SeenPositions())
    assert len(events) == 2 and events[0].id != events[1].id


def test_a_perpetual_in_another_quote_is_unconvertible() -> None:
    frame = BITFINEX_EXECUTION.replace("tBTCF0:USTF0", "tBTCF0:EUTF0")
    assert bitfinex.parse(frame, 0) == [Unconvertible("bitfinex", "tBTCF0:EUTF0", "perpetual not quoted in USDt")]


def test_symbols_map_to_coins() -> None:
    for symbol, coin in (("tBTCF0:USTF0", "BTC"), ("tETHF0:USTF0", "ETH"), ("tDOGEF0:USTF0", "DOGE"),
                         ("tSOLF0:USTF0", "SOL"), ("tXRPF0:USTF0", "XRP")):
        instrument = bitfinex.instrument_of(symbol)
        assert instrument is not None and instrument.coin == coin and instrument.contract_size == 1.0
    assert bitfinex.instrument_of("tBTCUSD") is None


def test_events_heartbeats_and_errors() -> None:
    for frame in (BITFINEX_SUBSCRIBED, BITFINEX_HB, BITFINEX_INFO, '{"event":"pong","ts":1,"cid":1}'):
        assert bitfinex.parse(frame, 0) == []
    (notice,) = bitfinex.parse('{"event":"error","msg":"subscribe: dup","code":10301}', 0)
    assert notice == VenueNotice("bitfinex", "error", "10301", "subscribe: dup")
    (restart,) = bitfinex.parse('{"event":"info","code":20051,"msg":"Stopping. Please try to reconnect"}', 0)
    assert restart.level == "warning" and restart.code == "20051"


@pytest.mark.parametrize("frame", [
    "[91684]", '["x",[]]', "[91684,{}]", '[91684,[["pos",1,2]]]',
    '[91684,[["pos","id",1,null,"tBTCF0:USTF0",1,1,null,1,1,null,1]]]',
    '[91684,[["pos",1,-5,null,"tBTCF0:USTF0",1,1,null,1,1,null,1]]]',
    '[91684,[["pos",1,1,null,"tBTCF0:USTF0",0,1,null,1,1,null,1]]]',
    '[91684,[["pos",1,1,null,"tBTCF0:USTF0",true,1,null,1,1,null,1]]]',
    '[91684,[["pos",1,1,null,"tBTCF0:USTF0",1,1,null,1,1,null,"7"]]]',
    '{"nope":1}',
])
def test_malformed_frames_raise_bad_frame(frame: str) -> None:
    with pytest.raises(BadFrame):
        bitfinex.parse(frame, 0, Instruments(), bitfinex.SeenPositions())


def test_futures_listing() -> None:
    problems: list[str] = []
    rows = bitfinex.instruments_from_rest('[["BTCF0:USTF0","ETHF0:USTF0","EURF0:USTF0","BTCF0:EUTF0",7]]', problems)
    assert [(r.symbol, r.coin, r.contract_size) for r in rows] == [
        ("tBTCF0:USTF0", "BTC", 1.0), ("tETHF0:USTF0", "ETH", 1.0), ("tEURF0:USTF0", "EUR", 1.0)]
    assert len(problems) == 2
    with pytest.raises(BadFrame):
        bitfinex.instruments_from_rest('{"error":"ERR_RATE_LIMIT"}')
