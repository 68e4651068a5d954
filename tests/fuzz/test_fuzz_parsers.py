"""Every venue parser on random, mutated real and deeply nested frames: events or BadFrame, nothing else."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from strategies import FUZZ, deep_texts, json_values, mutate, nested

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "venues"))
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
STATES = {"binance": BinanceState, "bybit": lambda: BybitState("linear"), "okx": lambda: None,
          "bitget": lambda: None, "gate": lambda: None,
          "deribit": lambda: None, "bitmex": bitmex.SeenOrders,
          "bitfinex": bitfinex.SeenPositions, "dydx": dydx.SeenTrades, "htx": lambda: None,
          "hyperliquid_liquidations": hyperliquid_liquidations.SeenFills}
EVENTS = (Liquidation, MarkPrice, OpenInterest, VenueNotice, Unconvertible)
REAL = [(venue, json.loads(frame)) for venue, frames in VALID_FRAMES.items() for frame in frames
        if frame.lstrip().startswith(("{", "["))]


def events_or_bad_frame(venue: str, frame: str | bytes) -> None:
    try:
        events = PARSERS[venue](frame, 0, None, STATES[venue]())
    except BadFrame as error:
        assert error.reason
        return
    assert isinstance(events, list) and all(isinstance(event, EVENTS) for event in events)


venues = st.sampled_from(sorted(PARSERS))


@FUZZ
@given(venues, st.one_of(st.binary(max_size=200), st.text(max_size=200), json_values.map(json.dumps), deep_texts))
def test_random_frames(venue: str, frame: str | bytes) -> None:
    events_or_bad_frame(venue, frame)


@FUZZ
@given(st.sampled_from(REAL), st.lists(st.integers(0, 20), min_size=1, max_size=5),
       json_values | st.sampled_from(["1e308", "1e300", "-1", "0", "", "NaN", 1e308, nested(3_000)]))
def test_mutated_real_frames(real: tuple[str, Any], path: list[int], value: Any) -> None:
    venue, document = real
    mutated = mutate(document, path, value)
    text = json.dumps(mutated)
    if isinstance(value, str) and value.startswith("[["):  # splice the nesting in as JSON, not a string
        text = text.replace(json.dumps(value), value)
    events_or_bad_frame(venue, text)


@FUZZ
@given(st.sampled_from(REAL), st.integers(0, 10_000), st.binary(min_size=1, max_size=8))
def test_byte_flipped_real_frames(real: tuple[str, Any], offset: int, junk: bytes) -> None:
    venue, document = real
    raw = json.dumps(document).encode()
    at = offset % len(raw)
    events_or_bad_frame(venue, raw[:at] + junk + raw[at + len(junk):])
