"""BitMEX `liquidation` table parsing: resources/docs/feeds.md §6 and §11 sample frames, exact events; the
insert is the event, a resubscribe's partial is not counted twice (orderID TTL cache), nor is anything
deduplicated within one frame."""

from __future__ import annotations

import json

import pytest
from sample_frames import BITMEX_INSERT, BITMEX_ROW, BITMEX_UPDATE

from app.core.errors import BadFrame
from app.core.events import Liquidation, Unconvertible, VenueNotice
from app.core.instruments import load_bundled
from app.core.venues import bitmex

RECEIVED = 1_768_900_000_000


def _frame(action: str, *rows: str) -> str:
    return '{"table":"liquidation","action":"' + action + '","data":[' + ",".join(rows) + "]}"


def test_insert_of_an_inverse_order_buy_is_a_short_and_usd_contracts() -> None:
    (event,) = bitmex.parse(BITMEX_INSERT, RECEIVED, None, bitmex.SeenOrders())
    qty = 314930 / 13854.5
    assert event == Liquidation("bitmex", "XBTUSD", "BTC", "inverse_perp", "short", 13854.5, qty, 314930.0,
                                RECEIVED, "all", "98ae1dad-6a3b-51c4-14bd-e076919e9e30")  # BitMEX's orderID


def test_sell_is_a_long() -> None:
    (event,) = bitmex.parse(_frame("insert", BITMEX_ROW.replace('"Buy"', '"Sell"')), RECEIVED)
    assert (event.side, event.notional_usd, event.qty) == ("long", 2020.0, pytest.approx(2020 / 6833.5))


def test_updates_and_deletes_add_nothing() -> None:
    seen = bitmex.SeenOrders()
    assert len(bitmex.parse(BITMEX_INSERT, RECEIVED, None, seen)) == 1
    assert bitmex.parse(BITMEX_UPDATE, RECEIVED + 1, None, seen) == []
    delete = '{"table":"liquidation","action":"delete","data":[{"orderID":"98ae1dad-6a3b-51c4-14bd-e076919e9e30","symbol":"XBTUSD"}]}'  # noqa: E501
    assert bitmex.parse(delete, RECEIVED + 2, None, seen) == []


def test_a_resubscribes_partial_is_not_counted_twice_but_new_orders_in_it_are() -> None:
    seen = bitmex.SeenOrders()
    assert len(bitmex.parse(_frame("partial", BITMEX_ROW), RECEIVED, None, seen)) == 1
    assert len(bitmex.parse(_frame("insert", BITMEX_ROW), RECEIVED + 10, None, seen)) == 0
    other = BITMEX_ROW.replace("9513c849", "00000000")
    again = bitmex.parse(_frame("partial", BITMEX_ROW, other), RECEIVED + 60_000, None, seen)  # after a reconnect
    assert [e.symbol for e in again] == ["XBTUSD"] and len(seen) == 2


def test_other_tables_and_empty_tables_add_nothing_and_remember_nothing() -> None:
    seen = bitmex.SeenOrders()
    other_table = _frame("insert", BITMEX_ROW).replace('"liquidation"', '"order"')
    assert bitmex.parse(other_table, RECEIVED, None, seen) == []
    assert bitmex.parse(_frame("partial"), RECEIVED, None, seen) == []
    assert bitmex.parse('{"action":"insert","data":[' + BITMEX_ROW + "]}", RECEIVED, None, seen) == []  # no table
    assert len(seen) == 0
    assert len(bitmex.parse(_frame("insert", BITMEX_ROW), RECEIVED, None, seen)) == 1


def test_new_rows_before_a_known_one_are_counted_and_the_known_one_skipped() -> None:
    seen = bitmex.SeenOrders()
    first, second = (BITMEX_ROW.replace("9513c849", prefix) for prefix in ("00000001", "00000002"))
    assert len(bitmex.parse(_frame("insert", BITMEX_ROW), RECEIVED, None, seen)) == 1
    again = bitmex.parse(_frame("partial", first, BITMEX_ROW, second, first), RECEIVED + 5, None, seen)
    assert [e.id for e in again] == ["00000001-ca0d-4e11-8190-9d221972288c", "00000002-ca0d-4e11-8190-9d221972288c",
                                     "00000001-ca0d-4e11-8190-9d221972288c-2"]
    assert list(seen._expiry) == ["9513c849-ca0d-4e11-8190-9d221972288c", "00000002-ca0d-4e11-8190-9d221972288c",
                                  "00000001-ca0d-4e11-8190-9d221972288c"]  # a repeat moves last, as remember does


def test_never_deduplicated_within_one_frame() -> None:
    first, second = bitmex.parse(_frame("partial", BITMEX_ROW, BITMEX_ROW), RECEIVED, None, bitmex.SeenOrders())
    assert first.id != second.id


def test_the_cache_is_bounded_in_time_and_size() -> None:
    seen = bitmex.SeenOrders(ttl_ms=1_000, max_size=3)
    seen.remember(["a", "b"], 0)
    assert seen.known("a", 999) and not seen.known("a", 1_000)
    seen.remember(["c", "d", "e"], 500)
    assert len(seen) == 3 and not seen.known("a", 500) and seen.known("e", 500)
    seen.remember([], 5_000)
    assert len(seen) == 0


def test_parse_counts_an_expired_order_again_and_keeps_the_cache_bounded() -> None:
    seen = bitmex.SeenOrders(ttl_ms=1_000, max_size=2)
    assert len(bitmex.parse(_frame("insert", BITMEX_ROW), 0, None, seen)) == 1
    assert bitmex.parse(_frame("partial", BITMEX_ROW), 999, None, seen) == []  # still known
    twice = bitmex.parse(_frame("partial", BITMEX_ROW, BITMEX_ROW), 1_000, None, seen)  # expired: counted again
    assert [e.id for e in twice] == ["9513c849-ca0d-4e11-8190-9d221972288c", "9513c849-ca0d-4e11-8190-9d221972288c-2"]
    assert bitmex.parse(_frame("partial", BITMEX_ROW), 1_500, None, seen) == []  # remembered afresh at 1,000
    others = [BITMEX_ROW.replace("9513c849", f"0000000{n}") for n in range(3)]
    assert len(bitmex.parse(_frame("insert", *others), 1_600, None, seen)) == 3
    assert len(seen) == 2 and seen.known(others[2].split('"')[3], 1_600)  # the oldest dropped past max_size


def test_an_order_of_an_earlier_frame_in_the_same_millisecond_is_known_but_a_repeat_in_frame_is_not() -> None:
    seen = bitmex.SeenOrders()
    other = BITMEX_ROW.replace("9513c849", "00000000")
    assert len(bitmex.parse(_frame("insert", BITMEX_ROW), RECEIVED, None, seen)) == 1
    again = bitmex.parse(_frame("partial", BITMEX_ROW, other, other, BITMEX_ROW), RECEIVED, None, seen)
    assert [e.id for e in again] == ["00000000-ca0d-4e11-8190-9d221972288c", "00000000-ca0d-4e11-8190-9d221972288c-2"]


def test_linear_contracts_use_the_underlying_multiplier() -> None:
    row = '{"orderID":"x","symbol":"XBTUSDT","side":"Sell","price":90000,"leavesQty":200000}'
    (event,) = bitmex.parse(_frame("insert", row), RECEIVED)
    assert (event.kind, event.side, event.qty, event.notional_usd) == (
        "linear_perp", "long", pytest.approx(0.2), pytest.approx(18000.0))


def test_quanto_and_unknown_contracts_are_unconvertible() -> None:
    quanto = '{"orderID":"q","symbol":"ETHUSD","side":"Sell","price":3000,"leavesQty":10}'
    assert bitmex.parse(_frame("insert", quanto), RECEIVED) == [
        Unconvertible("bitmex", "ETHUSD", "quanto contract: its value needs the XBT price")]
    sol = quanto.replace("ETHUSD", "SOLUSDT")  # the snapshot has no SOLUSDT multiplier: fetched live
    assert bitmex.parse(_frame("insert", sol), RECEIVED)[0] == Unconvertible("bitmex", "SOLUSDT",
                                                                              "contract value unknown")


def test_welcome_acks_pong_and_errors() -> None:
    assert bitmex.parse("pong", 0) == []
    assert bitmex.parse('{"info":"Welcome to the BitMEX Realtime API.","version":"2.0","timestamp":"x"}', 0) == []
    assert bitmex.parse('{"success":true,"subscribe":"liquidation","request":{"op":"subscribe"}}', 0) == []
    assert bitmex.parse('{"status":400,"error":"Unknown table: liquidatio","meta":{},"request":{}}', 0) == [
        VenueNotice("bitmex", "error", "400", "Unknown table: liquidatio")]


@pytest.mark.parametrize("frame", [
    _frame("insert", BITMEX_ROW.replace('"Buy"', '"Long"')), _frame("insert", BITMEX_ROW.replace("2020", "0")),
    '{"table":"liquidation","action":"insert"}', _frame("insert", '{"orderID":"x"}'), "ping",
])
def test_bad_frames(frame: str) -> None:
    with pytest.raises(BadFrame):
        bitmex.parse(frame, RECEIVED)


def test_one_cache_serves_every_socket_of_the_spec() -> None:
    (spec,) = bitmex.connections()
    assert spec.new_state is not None and spec.new_state() is spec.new_state()
    assert spec.subscribe == ('{"op":"subscribe","args":["liquidation"]}',) and spec.heartbeat == "ping"


def test_instrument_listing() -> None:
    body = json.dumps([
        {"symbol": "XBTUSD", "typ": "FFWCSX", "state": "Open", "isInverse": True, "isQuanto": False,
         "quoteCurrency": "USD", "settlCurrency": "XBt", "tickSize": 0.1, "lotSize": 100},
        {"symbol": "SOLUSDT", "typ": "FFWCSX", "state": "Open", "isInverse": False, "isQuanto": False,
         "underlyingToPositionMultiplier": 10000, "quoteCurrency": "USDT", "settlCurrency": "USDt"},
        {"symbol": "ETHUSD", "typ": "FFWCSX", "state": "Open", "isQuanto": True},
        {"symbol": "XBTZ26", "typ": "FFCCSX", "state": "Open", "isInverse": True, "quoteCurrency": "USD"},
        {"symbol": "XBTEUR", "typ": "FFWCSX", "state": "Open", "isInverse": True, "quoteCurrency": "EUR"},
        {"symbol": "NOMULT", "typ": "FFWCSX", "state": "Open"},
        {"symbol": ".BXBT", "typ": "MRCXXX", "state": "Unlisted"},
    ])
    problems: list[str] = []
    rows = {i.symbol: i for i in bitmex.instruments_from_rest(body, problems)}
    assert set(rows) == {"XBTUSD", "SOLUSDT", "XBTZ26"} and len(problems) == 2
    assert (rows["SOLUSDT"].coin, rows["SOLUSDT"].contract_size, rows["SOLUSDT"].contract_unit) == (
        "SOL", 0.0001, "base")
    assert (rows["XBTZ26"].kind, rows["XBTZ26"].coin, rows["XBTUSD"].contract_unit) == ("inverse_future", "BTC", "usd")
    live = load_bundled().merge(rows.values())
    row = '{"orderID":"s","symbol":"SOLUSDT","side":"Buy","price":150,"leavesQty":20000}'
    (event,) = bitmex.parse(_frame("insert", row), RECEIVED, live)
    assert (event.side, event.qty, event.notional_usd) == ("short", pytest.approx(2.0), pytest.approx(300.0))


def _reference(frames: list[tuple[str, list[str]]], ttl_ms: int, max_size: int) -> tuple[list[list[str]], list[str]]:
    """The orderID rule spelt out with SeenIds.known / remember: what parse's inline probe must match."""
    seen, out = bitmex.SeenOrders(ttl_ms, max_size), []
    for received, ids in frames:
        counted = [order_id for order_id in ids if not seen.known(order_id, received)]
        seen.remember(counted, received)
        numbered, times = [], {}  # type: ignore[var-annotated]
        for order_id in counted:
            times[order_id] = times.get(order_id, 0) + 1
            numbered.append(order_id if times[order_id] == 1 else f"{order_id}-{times[order_id]}")
        out.append(numbered)
    return out, list(seen._expiry)


@pytest.mark.parametrize("seed", range(40))
def test_the_inline_order_memory_matches_the_plain_rule(seed: int) -> None:
    import random

    rng = random.Random(seed)
    ttl_ms, max_size = rng.choice([5, 50, 1_000]), rng.choice([2, 5, 100])
    frames, now = [], 0
    for _ in range(rng.randint(1, 15)):
        now += rng.choice([0, 0, 1, 3, 10, 60])  # frames often share a millisecond
        frames.append((now, [f"id{rng.randint(0, 6)}" for _ in range(rng.randint(1, 5))]))
    seen, got = bitmex.SeenOrders(ttl_ms, max_size), []
    for received, ids in frames:
        rows = [BITMEX_ROW.replace("9513c849-ca0d-4e11-8190-9d221972288c", order_id) for order_id in ids]
        got.append([event.id for event in bitmex.parse(_frame("partial", *rows), received, None, seen)])
    assert (got, list(seen._expiry)) == _reference(frames, ttl_ms, max_size)
