"""Deterministic liquidation ids and the shared number helpers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import BadFrame
from app.core.venues.common import FrameIds, liquidation_id, optional_number

_PROBE = "from app.core.venues.common import liquidation_id as l; print(l('bybit','BTCUSDT',1000,'long',2.0,100.0))"


def test_ids_are_stable_across_processes_whatever_the_hash_seed() -> None:
    outputs = set()
    for seed in ("1", "2", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, check=True)
        outputs.add(result.stdout.strip())
    assert outputs == {liquidation_id("bybit", "BTCUSDT", 1000, "long", 2.0, 100.0)}


def test_ids_differ_by_every_component() -> None:
    base = ("okx", "BTC-USDT-SWAP", 1000, "long", 0.02, 100.0)
    variants = [
        ("bybit", *base[1:]),
        (base[0], "ETH-USDT-SWAP", *base[2:]),
        (*base[:2], 1001, *base[3:]),
        (*base[:3], "short", *base[4:]),
        (*base[:4], 0.03, base[5]),
        (*base[:5], 100.5),
    ]
    ids = {liquidation_id(*v) for v in [base, *variants]}  # type: ignore[arg-type]
    assert len(ids) == 7 and all(len(i) == 16 for i in ids)


def test_frame_ids_number_repeats() -> None:
    ids = FrameIds()
    first = ids.make("bybit", "X", 1, "long", 1.0, 1.0)
    assert ids.make("bybit", "X", 1, "long", 1.0, 1.0) == first + "-2"
    assert ids.make("bybit", "X", 1, "long", 1.0, 1.0) == first + "-3"
    assert ids.make("bybit", "X", 2, "long", 1.0, 1.0) != first


def test_optional_number() -> None:
    assert optional_number(None) is None
    assert optional_number("") is None
    assert optional_number("0.5") == 0.5
    assert optional_number(2.0) == 2.0
    for bad in ("abc", "nan", "inf"):
        with pytest.raises(BadFrame):
            optional_number(bad)


# Ids as they were stored before the parsers were re-tuned (issue 14): the history DB and the dedupe across
# reconnects hold these, so a faster formula must give exactly the same text for the same event.
_PINNED_IDS = {
    ("bybit", "BTCUSDT", 1000, "long", 2.0, 100.0): "c8dbfe21db56e0dc",
    ("binance", "1000PEPEUSDT", 1768935600000, "short", 1234.5, 0.0105): "02526baac9a39365",
    ("okx", "BTC-USD-SWAP", 1768935600123, "long", 0.0102, 91850.1): "4a7bdb4db6160a02",
}
_PINNED_FRAMES = [
    ("binance", '{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":1768935600039,"o":{"s":"XRPUSDT","S":"BUY",'
     '"o":"LIMIT","f":"IOC","q":"139","p":"1.902782","ap":"1.904687","X":"FILLED","l":"139","z":"139",'
     '"T":1768935600037}}}', ["5416a7b583689aff"]),
    ("bybit", '{"topic":"liquidation.1000PEPEUSDT","type":"snapshot","ts":1768935600042,"data":{"updatedTime":'
     '1768935600041,"symbol":"1000PEPEUSDT","side":"Sell","size":"46200","price":"0.010484"}}', ["fbbe26ae69a23402"]),
    ("bybit", '{"topic":"allLiquidation.ETHUSDT","type":"snapshot","ts":1768935600500,"data":[{"T":1768935600252,'
     '"s":"ETHUSDT","S":"Buy","v":"1.74","p":"3031.870052"},{"T":1768935600166,"s":"ETHUSDT","S":"Buy","v":"3.65",'
     '"p":"3050.686237"}]}', ["4180f90c183e3bc2", "a147cc4691199648"]),
    ("okx", '{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"details":[{"bkLoss":"0",'
     '"bkPx":"3027.70","ccy":"","posSide":"long","side":"sell","sz":"239","ts":"1768935600053"},{"bkLoss":"0",'
     '"bkPx":"2950.22","ccy":"","posSide":"short","side":"buy","sz":"288","ts":"1768935600054"}],'
     '"instFamily":"ETH-USDT","instId":"ETH-USDT-SWAP","instType":"SWAP","uly":"ETH-USDT"}]}',
     ["61eac9fc426a99c5", "2266076a26d98880"]),
]


@pytest.mark.parametrize(("args", "expected"), list(_PINNED_IDS.items()))
def test_liquidation_ids_keep_their_stored_value(args: tuple, expected: str) -> None:  # type: ignore[type-arg]
    assert liquidation_id(*args) == expected


@pytest.mark.parametrize(("venue", "frame", "expected"), _PINNED_FRAMES)
def test_parsers_keep_the_stored_ids(venue: str, frame: str, expected: list[str]) -> None:
    from app.core.instruments import load_bundled
    from app.core.venues import binance, bybit, okx

    parse = {"binance": binance.parse, "bybit": bybit.parse, "okx": okx.parse}[venue]
    state = bybit.BybitState("linear") if venue == "bybit" else None
    assert [event.id for event in parse(frame, 0, load_bundled(), state)] == expected


@pytest.mark.parametrize("digest", [0, 1, -2, 2**63 - 1, -(2**63), 0x0123456789ABCDEF, -0x0123456789ABCDEF,
                                    hash((1, 1768935600000, True, 0.014, 91910.1))])
def test_id_text_is_the_earlier_formula(digest: int) -> None:
    from app.core.venues.common import ID_BYTES

    assert ID_BYTES(digest).hex() == hex(digest & (2**64 - 1) | 2**64)[3:] == f"{digest & (2**64 - 1):016x}"


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_id_text_is_the_earlier_formula_for_any_hash(digest: int) -> None:
    from app.core.venues.common import ID_BYTES

    assert ID_BYTES(digest).hex() == hex(digest & (2**64 - 1) | 2**64)[3:]
