"""Gate `futures.public_liquidates` parsing: resources/docs/feeds.md §8 and §11 sample frames, exact events;
the contracts listing that sizes them."""

from __future__ import annotations

import json

import pytest
from sample_frames import GATE_AGGREGATED, GATE_INTEGER_SIZE, GATE_OLD

from app.core.errors import BadFrame
from app.core.events import Liquidation, Unconvertible, VenueNotice
from app.core.instruments import Instruments, load_bundled
from app.core.venues import gate
from app.core.venues.common import FrameIds

BTC_USDT_MULTIPLIER = 0.0001  # bundled snapshot: quanto_multiplier "0.0001" (ccxt static gate.json, raw row)


def _liq(symbol, coin, kind, side, price, contracts, ts, ids):  # type: ignore[no-untyped-def]
    qty = contracts * BTC_USDT_MULTIPLIER
    return Liquidation("gate", symbol, coin, kind, side, price, qty, qty * price, ts, "all",
                       ids.make("gate", symbol, ts, side, qty, price))


def test_old_single_row_format_negative_size_is_a_long_and_seconds_become_ms() -> None:
    ids = FrameIds()
    assert gate.parse(GATE_OLD, 0) == [
        _liq("BTC_USDT", "BTC", "linear_perp", "long", 215.1, 124.5, 1541486601000, ids)]


def test_aggregated_format_gives_one_event_per_row() -> None:
    ids = FrameIds()
    assert gate.parse(GATE_AGGREGATED, 0) == [
        _liq("BTC_USDT", "BTC", "linear_perp", "long", 215.1, 124.5, 1541486601123, ids),
        _liq("BTC_USDT", "BTC", "linear_perp", "long", 215.2, 10.5, 1541486601456, ids),
    ]


def test_integer_sizes_without_the_decimal_header() -> None:
    first, second = gate.parse(GATE_INTEGER_SIZE, 0)
    assert (first.qty, second.qty) == pytest.approx((0.0124, 0.001))
    assert first.notional_usd == pytest.approx(0.0124 * 215.1) and first.completeness == "all"


def test_positive_size_is_a_short() -> None:
    frame = GATE_INTEGER_SIZE.replace("-124", "124")
    assert gate.parse(frame, 0)[0].side == "short"


def test_btc_settled_inverse_contracts_are_usd() -> None:
    frame = ('{"channel":"futures.public_liquidates","event":"update","time":1,"time_ms":1000,'
             '"result":[{"price":"50000","size":"-200","time":1700000000000,"contract":"BTC_USD"}]}')
    (event,) = gate.parse(frame, 0)
    assert (event.kind, event.side, event.notional_usd, event.qty) == ("inverse_perp", "long", 200.0, 0.004)


def test_a_contract_without_a_multiplier_is_unconvertible() -> None:
    frame = GATE_OLD.replace("BTC_USDT", "SOL_USDT")  # the snapshot has no SOL_USDT multiplier: fetched live
    assert gate.parse(frame, 0) == [Unconvertible("gate", "SOL_USDT", "quanto_multiplier unknown")]
    assert gate.parse(frame.replace("SOL_USDT", "NEW_USDT"), 0, Instruments())[0].reason == "quanto_multiplier unknown"


def test_acks_pongs_and_errors() -> None:
    assert gate.parse('{"time":1,"time_ms":1,"channel":"futures.pong","event":"","result":null}', 0) == []
    assert gate.parse('{"time":1,"channel":"futures.public_liquidates","event":"subscribe",'
                      '"result":{"status":"success"}}', 0) == []
    assert gate.parse('{"time":1,"channel":"futures.public_liquidates","event":"subscribe",'
                      '"error":{"code":2,"message":"unknown"},"result":null}', 0) == [
        VenueNotice("gate", "error", "2", "unknown")]


@pytest.mark.parametrize("frame", [
    GATE_OLD.replace('"-124.5"', '"0"'), GATE_OLD.replace('"-124.5"', '"abc"'), GATE_OLD.replace('"215.1"', '"-1"'),
    GATE_OLD.replace('"-124.5"', '"NaN"'), '{"channel":"futures.public_liquidates","event":"update"}', "pong",
])
def test_bad_frames(frame: str) -> None:
    with pytest.raises(BadFrame):
        gate.parse(frame, 0)


def test_both_settlements_subscribe_every_contract_and_ping() -> None:
    specs = gate.connections(now=lambda: 1_700_000_000.5)
    assert [s.url for s in specs] == ["wss://fx-ws.gateio.ws/v4/ws/usdt", "wss://fx-ws.gateio.ws/v4/ws/btc"]
    for spec in specs:
        assert json.loads(spec.subscribe[0]) == {"time": 1_700_000_000, "channel": "futures.public_liquidates",
                                                 "event": "subscribe", "payload": ["!all"]}
        assert json.loads(spec.heartbeat or "") == {"time": 1_700_000_000, "channel": "futures.ping"}


def test_contracts_listing_sizes_direct_and_inverse_contracts() -> None:
    body = json.dumps([
        {"name": "SOL_USDT", "type": "direct", "quanto_multiplier": "1", "order_price_round": "0.01",
         "order_size_min": "1", "in_delisting": False, "status": "trading"},
        {"name": "BTC_USD", "type": "inverse", "quanto_multiplier": "0", "order_price_round": "0.1"},
        {"name": "OLD_USDT", "type": "direct", "quanto_multiplier": "1", "in_delisting": True},
        {"name": "BAD_USDT", "type": "direct", "quanto_multiplier": "0"},
        {"no": "name"},
    ])
    problems: list[str] = []
    rows = {i.symbol: i for i in gate.instruments_from_rest(body, problems)}
    assert set(rows) == {"SOL_USDT", "BTC_USD"} and len(problems) == 2
    assert (rows["SOL_USDT"].contract_size, rows["SOL_USDT"].contract_unit, rows["SOL_USDT"].kind) == (
        1.0, "base", "linear_perp")
    assert (rows["BTC_USD"].contract_size, rows["BTC_USD"].contract_unit, rows["BTC_USD"].kind) == (
        1.0, "usd", "inverse_perp")
    live = load_bundled().merge(rows.values())
    (event,) = gate.parse(GATE_OLD.replace("BTC_USDT", "SOL_USDT"), 0, live)
    assert (event.coin, event.qty, event.notional_usd) == ("SOL", 124.5, pytest.approx(124.5 * 215.1))
    with pytest.raises(BadFrame):
        gate.instruments_from_rest('{"label":"INVALID"}')
