"""Deribit liquidation-flagged trades: resources/docs/feeds.md §7 and §11 sample frames, exact events; the
test-request answer the connection owes the venue."""

from __future__ import annotations

import json

import pytest
from sample_frames import (
    DERIBIT_ENVELOPE,
    DERIBIT_LIQUIDATION,
    DERIBIT_LIQUIDATION_ROW,
    DERIBIT_ROW_WITHOUT_NAME,
    DERIBIT_TEST_REQUEST,
    deribit_trades,
)

from app.core.errors import BadFrame
from app.core.events import Liquidation, VenueNotice
from app.core.venues import deribit
from app.core.venues.common import FrameIds


def _liq(symbol, coin, kind, side, price, qty, usd, ts, ident):  # type: ignore[no-untyped-def]
    return Liquidation("deribit", symbol, coin, kind, side, price, qty, usd, ts, "all", ident)


def test_a_trade_without_the_flag_is_no_liquidation() -> None:
    assert deribit.parse(DERIBIT_ENVELOPE, 0) == []


def test_maker_liquidated_with_taker_selling_is_a_short_and_the_amount_is_usd() -> None:
    # "M": the maker was liquidated; the taker sold, so the maker bought: its SHORT was closed.
    # The id is Deribit's own trade_id (no hash where the venue gives an id).
    assert deribit.parse(DERIBIT_LIQUIDATION, 0) == [
        _liq("BTC-PERPETUAL", "BTC", "inverse_perp", "short", 43400.0, 10.0 / 43400.0, 10.0, 1703001600000,
             json.loads(DERIBIT_LIQUIDATION_ROW)["trade_id"])]


def test_a_trade_without_an_id_gets_a_content_hash() -> None:
    row = json.loads(DERIBIT_LIQUIDATION_ROW)
    del row["trade_id"]
    ids = FrameIds()
    (event,) = deribit.parse(deribit_trades(json.dumps(row)), 0)
    assert event.id == ids.make("deribit", "BTC-PERPETUAL", 1703001600000, "short", 10.0 / 43400.0, 43400.0)


@pytest.mark.parametrize(("flag", "direction", "sides"), [
    ("T", "sell", ["long"]), ("T", "buy", ["short"]), ("M", "buy", ["long"]), ("M", "sell", ["short"]),
    ("MT", "sell", ["long", "short"]), ("MT", "buy", ["long", "short"]),
])
def test_side_of_the_liquidated_position(flag: str, direction: str, sides: list[str]) -> None:
    row = DERIBIT_LIQUIDATION_ROW.replace('"M"', f'"{flag}"').replace('"sell"', f'"{direction}"')
    events = deribit.parse(deribit_trades(row), 0)
    assert [e.side for e in events] == sides
    assert all(e.notional_usd == 10.0 and e.completeness == "all" for e in events)
    assert len({e.id for e in events}) == len(events)  # MT: two records, both kept


def test_linear_usdc_perpetual_amount_is_coins() -> None:
    row = json.dumps({"trade_id": "1", "instrument_name": "SOL_USDC-PERPETUAL", "timestamp": 5, "direction": "buy",
                      "price": 150.0, "amount": 2.5, "liquidation": "T"})
    (event,) = deribit.parse(deribit_trades(row, channel="trades.future.USDC.100ms"), 0)
    assert (event.coin, event.kind, event.side, event.qty, event.notional_usd) == (
        "SOL", "linear_perp", "short", 2.5, 375.0)


def test_dated_inverse_future() -> None:
    row = DERIBIT_LIQUIDATION_ROW.replace("BTC-PERPETUAL", "ETH-27DEC24")
    (event,) = deribit.parse(deribit_trades(row), 0)
    assert (event.coin, event.kind) == ("ETH", "inverse_future")


def test_row_without_instrument_name_is_a_bad_frame() -> None:
    with pytest.raises(BadFrame):
        deribit.parse(deribit_trades(DERIBIT_ROW_WITHOUT_NAME), 0)


def test_heartbeats_acks_and_errors() -> None:
    assert deribit.parse(DERIBIT_TEST_REQUEST, 0) == []
    assert deribit.parse('{"jsonrpc":"2.0","id":2,"result":["trades.future.BTC.100ms"]}', 0) == []
    assert deribit.parse('{"jsonrpc":"2.0","id":2,"error":{"code":13778,"message":"raw_subscriptions"}}', 0) == [
        VenueNotice("deribit", "error", "13778", "raw_subscriptions")]


def test_test_request_is_answered_with_public_test_and_nothing_else_is() -> None:
    answer = deribit.test_request_answer(DERIBIT_TEST_REQUEST)
    assert answer is not None and json.loads(answer)["method"] == "public/test"
    assert deribit.test_request_answer(DERIBIT_TEST_REQUEST.encode()) == answer
    assert deribit.test_request_answer('{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}}') is None
    assert deribit.test_request_answer(DERIBIT_LIQUIDATION) is None
    assert deribit.test_request_answer('"test_request"') is None
    assert deribit.test_request_answer("test_request{") is None


def test_subscription_sets_up_heartbeats_then_subscribes_futures_of_each_currency() -> None:
    (spec,) = deribit.connections()
    first, second = (json.loads(m) for m in spec.subscribe)
    assert first["method"] == "public/set_heartbeat" and first["params"] == {"interval": 30}
    assert second["params"]["channels"] == [
        "trades.future.BTC.100ms", "trades.future.ETH.100ms", "trades.future.USDC.100ms"]
    assert spec.reply is deribit.test_request_answer and spec.heartbeat is None
