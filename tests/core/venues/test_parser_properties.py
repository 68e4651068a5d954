"""Whatever arrives, a parser returns events or raises BadFrame — never any other exception."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_frames import VALID_FRAMES

from app.core.errors import BadFrame
from app.core.events import Liquidation, MarkPrice, OpenInterest, Unconvertible, VenueNotice
from app.core.venues import (
    binance,
    bitfinex,
    bitget,
    bitmex,
    bybit,
    deribit,
    dydx,
    gate,
    htx,
    hyperliquid_liquidations,
    okx,
)
from app.core.venues.binance import BinanceState
from app.core.venues.bybit import BybitState

PARSERS = {"binance": binance.parse, "bybit": bybit.parse, "okx": okx.parse, "bitget": bitget.parse,
           "gate": gate.parse, "deribit": deribit.parse,
           "bitmex": bitmex.parse, "bitfinex": bitfinex.parse, "dydx": dydx.parse, "htx": htx.parse,
           "hyperliquid_liquidations": hyperliquid_liquidations.parse}
EVENT_TYPES = (Liquidation, MarkPrice, OpenInterest, VenueNotice, Unconvertible)
STATES = {"binance": lambda: BinanceState(), "bybit": lambda: BybitState("linear"), "okx": lambda: None,
          "bitget": lambda: None, "gate": lambda: None,
          "deribit": lambda: None, "bitmex": bitmex.SeenOrders,
          "bitfinex": bitfinex.SeenPositions, "dydx": dydx.SeenTrades, "htx": lambda: None,
          "hyperliquid_liquidations": hyperliquid_liquidations.SeenFills}
ALL_FRAMES = [(venue, frame) for venue, frames in VALID_FRAMES.items() for frame in frames]
COMMON = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


def _parse_ok_or_bad_frame(venue: str, frame: str | bytes) -> None:
    try:
        events = PARSERS[venue](frame, 0, None, STATES[venue]())
    except BadFrame as error:
        assert error.reason
        return
    assert isinstance(events, list)
    assert all(isinstance(event, EVENT_TYPES) for event in events)


@COMMON
@given(venue=st.sampled_from(sorted(PARSERS)), frame=st.binary(max_size=300))
def test_arbitrary_bytes(venue: str, frame: bytes) -> None:
    _parse_ok_or_bad_frame(venue, frame)


@COMMON
@given(venue=st.sampled_from(sorted(PARSERS)), frame=st.text(max_size=300))
def test_arbitrary_text(venue: str, frame: str) -> None:
    _parse_ok_or_bad_frame(venue, frame)


@COMMON
@given(venue=st.sampled_from(sorted(PARSERS)), value=json_values)
def test_arbitrary_json(venue: str, value: Any) -> None:
    _parse_ok_or_bad_frame(venue, json.dumps(value))


def test_every_truncation_of_every_valid_frame() -> None:
    for venue, frame in ALL_FRAMES:
        for end in range(len(frame)):
            _parse_ok_or_bad_frame(venue, frame[:end])
            _parse_ok_or_bad_frame(venue, frame[:end].encode())


def _leaf_paths(value: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [path] + [p for key, child in value.items() for p in _leaf_paths(child, (*path, key))]
    if isinstance(value, list):
        return [path] + [p for index, child in enumerate(value) for p in _leaf_paths(child, (*path, index))]
    return [path]


def _replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _replaced(value[head], tuple(rest), new)
    return copy


@st.composite
def mutated_frames(draw: st.DrawFn) -> tuple[str, str]:
    venue, frame = draw(st.sampled_from([(v, f) for v, f in ALL_FRAMES if f.startswith("{")]))
    document = json.loads(frame)
    path = draw(st.sampled_from(_leaf_paths(document)))
    return venue, json.dumps(_replaced(document, path, draw(json_values)))


@COMMON
@given(case=mutated_frames())
def test_valid_frames_with_a_field_replaced_by_anything(case: tuple[str, str]) -> None:
    _parse_ok_or_bad_frame(*case)


@st.composite
def frames_missing_a_field(draw: st.DrawFn) -> tuple[str, str]:
    venue, frame = draw(st.sampled_from([(v, f) for v, f in ALL_FRAMES if f.startswith("{")]))
    document = json.loads(frame)
    path = draw(st.sampled_from([p for p in _leaf_paths(document) if p and isinstance(p[-1], str)]))
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return venue, json.dumps(document)


@COMMON
@given(case=frames_missing_a_field())
def test_valid_frames_with_a_field_deleted(case: tuple[str, str]) -> None:
    _parse_ok_or_bad_frame(*case)


def test_valid_frames_parse_without_bad_frame() -> None:
    for venue, frame in ALL_FRAMES:
        PARSERS[venue](frame, 0, None, STATES[venue]())
