"""HTX `public.*.liquidation_orders` parsing on the docs' push (as gzip binary and as text): the order's
direction names the liquidated position, `amount` is base coins, `trade_turnover` the USD(T) notional,
`created_at` the time; ping → pong with the same ts; random and truncated gzip raise only BadFrame; the
swap_contract_info listing."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_frames import HTX_NOTIFY, HTX_PING, HTX_SUB_ACK

from app.core.errors import BadFrame
from app.core.events import Liquidation, Unconvertible, VenueNotice
from app.core.instruments import Instruments
from app.core.venues import htx, htx_replay


def _gz(text: str) -> bytes:
    return gzip.compress(text.encode())


def test_the_docs_push_gives_one_long_liquidation() -> None:
    for frame in (_gz(HTX_NOTIFY), HTX_NOTIFY):
        (event,) = htx.parse(frame, 0)
        assert isinstance(event, Liquidation)
        assert (event.venue, event.symbol, event.coin, event.kind) == ("htx", "BTC-USDT", "BTC", "linear_perp")
        assert event.side == "long"  # direction sell: the order closed a long
        assert event.qty == pytest.approx(0.624)  # amount (coins) = 624 contracts × 0.001 BTC
        assert event.notional_usd == pytest.approx(11696.3808)  # = trade_turnover
        assert (event.price, event.ts_ms, event.completeness) == (18744.2, 1606286348775, "all")


def test_a_buy_is_a_short() -> None:
    (event,) = htx.parse(_gz(HTX_NOTIFY.replace('"sell"', '"buy"')), 0)
    assert event.side == "short"


def test_without_amount_contracts_times_the_listed_size() -> None:
    frame = HTX_NOTIFY.replace('"amount":0.624,', "")
    (event,) = htx.parse(frame, 0)  # the bundled snapshot lists BTC-USDT at 0.001 BTC per contract
    assert event.qty == pytest.approx(0.624)
    unknown = frame.replace("BTC-USDT", "SOL-USDT")  # the snapshot has no SOL-USDT contract size
    assert htx.parse(unknown, 0) == [Unconvertible("htx", "SOL-USDT", "no amount and no contract size")]


def test_a_batch_of_identical_orders_is_not_deduplicated() -> None:
    document = json.loads(HTX_NOTIFY)
    document["data"] = document["data"] * 2
    events = htx.parse(_gz(json.dumps(document)), 0)
    assert len(events) == 2 and events[0].id != events[1].id


def test_ping_gets_a_pong_with_the_same_ts_and_nothing_else_does() -> None:
    assert htx.reply(_gz(HTX_PING)) == '{"op":"pong","ts":"1606286349133"}'
    assert htx.parse(_gz(HTX_PING), 0) == []
    for frame in (_gz(HTX_NOTIFY), _gz(HTX_SUB_ACK), b"\x1f\x8b\x08junk", "not json", b"", _gz('"ping"')):
        assert htx.reply(frame) is None


def test_sub_ack_and_refusal() -> None:
    assert htx.parse(_gz(HTX_SUB_ACK), 0) == []
    refused = HTX_SUB_ACK.replace('"err-code":0', '"err-code":4007,"err-msg":"invalid topic"')
    assert htx.parse(_gz(refused), 0) == [VenueNotice("htx", "error", "4007", "invalid topic")]


def test_a_gzip_bomb_and_truncated_gzip_are_bad_frames() -> None:
    with pytest.raises(BadFrame, match="frame limit"):
        htx.parse(gzip.compress(b" " * (htx_replay.MAX_INFLATED_BYTES + 10)), 0)
    whole = _gz(HTX_NOTIFY)
    for end in range(2, len(whole)):
        with pytest.raises(BadFrame):
            htx.parse(whole[:end], 0, Instruments())


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode()))
def test_random_gzip_payloads_raise_only_bad_frame(payload: bytes) -> None:
    for frame in (gzip.compress(payload), b"\x1f\x8b" + payload):
        try:
            events = htx.parse(frame, 0, Instruments())
        except BadFrame:
            continue
        assert isinstance(events, list)
        assert htx.reply(frame) is None or isinstance(htx.reply(frame), str)


def test_contract_listing() -> None:
    body = json.dumps({"status": "ok", "data": [
        {"symbol": "BTC", "contract_code": "BTC-USDT", "contract_size": 0.001, "price_tick": 0.1,
         "contract_status": 1, "business_type": "swap", "contract_type": "swap"},
        {"symbol": "BTC", "contract_code": "BTC-USDT-240329", "contract_size": 0.001, "contract_status": 1,
         "business_type": "futures", "contract_type": "quarter"},
        {"symbol": "X", "contract_code": "X-USDT", "contract_size": 0, "contract_status": 1},
    ]})
    problems: list[str] = []
    (row,) = htx.instruments_from_rest(body, problems)
    assert (row.symbol, row.coin, row.contract_size, row.tick_size) == ("BTC-USDT", "BTC", 0.001, 0.1)
    assert len(problems) == 1
    with pytest.raises(BadFrame):
        htx.instruments_from_rest('{"status":"error","err_code":1}')


def test_a_recording_keeps_the_inflated_text() -> None:
    assert htx_replay.decode(_gz(HTX_NOTIFY)) == HTX_NOTIFY
    assert htx_replay.encode(htx_replay.decode(_gz(HTX_PING))) == htx_replay.encode(HTX_PING)
    assert htx_replay.decode(b"plain") == "plain"  # not gzip: kept as text, as for any venue
