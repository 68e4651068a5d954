"""`cascade margin` in-process: any stdin and shock arguments give exit 0 with a JSON result or exit 2
with a one-line {"error", "field"}, never another exception and never a hang."""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from strategies import FUZZ, FUZZ_SLOW, deep_texts, json_values, mutate, non_finite_texts

from app.commands import margin as margin_cli

ISOLATED = {"venue": "bybit", "side": "long", "entry_price": 20_000, "quantity": 1, "leverage": 50, "mmr": 0.005}
CROSS = {"venue": "binance", "margin_mode": "cross", "side": "long", "entry_price": 1456.84, "quantity": 3683.979,
         "mark_price": 1335.18, "wallet_balance": 1535443.01, "mmr": 0.10, "maintenance_amount": 135365,
         "other_positions": [{"side": "long", "entry_price": 32481.98, "mark_price": 31967.27,
                              "quantity": 109.488, "mmr": 0.025, "maintenance_amount": 16300}]}
TIERED = {"venue": "okx", "side": "short", "entry_price": 3000, "quantity": 10, "contract_size": 0.1,
          "leverage": 10, "taker_fee": 0.0005,
          "tiers": [{"floor": 0, "cap": 50_000, "mmr": 0.004}, {"floor": 50_000, "mmr": 0.01}]}
INVERSE = {"venue": "generic", "contract": "inverse", "side": "short", "entry_price": 50000, "quantity": 10000,
           "isolated_margin": 0.05, "mmr": 0.005}
SEEDS = [ISOLATED, CROSS, TIERED, INVERSE]


def run(text: str, argv: list[str] | None = None) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = margin_cli.main(argv or [], stdin=io.StringIO(text), stdout=out)
    raw = out.getvalue()
    assert raw.endswith("\n") and raw.count("\n") == 1, raw[:200]
    payload = json.loads(raw)  # valid JSON: no NaN/Infinity ever leaves the CLI
    if code == margin_cli.EXIT_INVALID:
        assert set(payload) == {"error", "field"} and payload["error"] and "\n" not in payload["error"]
    else:
        assert code == 0 and isinstance(payload, dict) and "error" not in payload
    return code, payload


mutated_positions = st.builds(
    lambda seed, path, value: mutate(seed, path, value),
    st.sampled_from(SEEDS), st.lists(st.integers(0, 20), min_size=1, max_size=4), json_values,
)


@FUZZ
@given(st.one_of(json_values.map(json.dumps), st.text(max_size=200), deep_texts, non_finite_texts))
def test_any_stdin(text: str) -> None:
    run(text)


@FUZZ
@given(mutated_positions)
def test_mutated_real_positions(position: dict[str, Any]) -> None:
    run(json.dumps(position))


@FUZZ
@given(mutated_positions)
def test_mutated_positions_added_to_a_real_one(extra: dict[str, Any]) -> None:
    run(json.dumps({**ISOLATED, **{k: v for k, v in extra.items() if k not in ("venue", "margin_mode")}}))


spans = st.floats(min_value=-1e6, max_value=1e6) | st.sampled_from(
    [-99.0, -20.0, 0.0, 20.0, 99.0, 1e300, -100.0, float("nan"), float("inf"), float("-inf")])
steps = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e-300, 0.001, 0.01, 5.0, 1e299])


@FUZZ_SLOW
@given(spans, spans, steps, st.lists(st.sampled_from([ISOLATED, TIERED, INVERSE]) | mutated_positions, min_size=1,
                                     max_size=3))
def test_shock_tables(low: float, high: float, step: float, positions: list[dict[str, Any]]) -> None:
    run(json.dumps({"positions": positions}), ["--shock", f"{low!r}..{high!r}", "--step", repr(step)])


def test_a_cross_book_shock_stays_bounded() -> None:
    code, _ = run(json.dumps({"positions": [CROSS] * 3}), ["--shock", "-50..50", "--step", "0.01"])
    assert code == 0


extreme = st.floats(min_value=0.0, max_value=1.7e308) | st.sampled_from([5e-324, 1e-300, 1e300, 1e308, 10**308])


@FUZZ
@given(st.sampled_from(SEEDS), st.dictionaries(st.sampled_from(
    ["entry_price", "quantity", "mark_price", "leverage", "wallet_balance", "isolated_margin", "contract_size",
     "mmr", "maintenance_amount", "taker_fee", "extra_margin", "exchange_liquidation_price"]), extreme, max_size=4),
    extreme, extreme)
def test_extreme_but_finite_numbers(seed: dict[str, Any], numbers: dict[str, float], other_quantity: float,
                                    other_mark: float) -> None:
    position = {**seed, **numbers}
    if "other_positions" in position:
        position["other_positions"] = [{**position["other_positions"][0], "quantity": other_quantity,
                                        "mark_price": other_mark}]
    code, payload = run(json.dumps(position))
    if code == 0:  # every null figure the engine could not compute comes with a note
        nulls = [name for name in ("margin_ratio", "maintenance_margin", "margin_balance", "notional")
                 if payload[name] is None and not payload["exchange_figures_only"]]
        if nulls and payload["margin_balance"] is not None and payload["margin_balance"] > 0:
            assert any("null" in note for note in payload["notes"]), payload
