"""Deterministic liquidation ids and the shared number helpers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

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
