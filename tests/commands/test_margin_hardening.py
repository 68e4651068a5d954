"""Issue 9 regressions for `cascade margin`: each case made a traceback, a hang or a silent null before."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from app.commands import margin as margin_cli
from app.core.margin.whatif import MAX_SHOCK_ROWS

POSITION = {"venue": "bybit", "side": "long", "entry_price": 20_000, "quantity": 1, "leverage": 50, "mmr": 0.005}


def run(text: str, *argv: str) -> tuple[int, dict[str, Any], str]:
    out = io.StringIO()
    code = margin_cli.main(list(argv), stdin=io.StringIO(text), stdout=out)
    raw = out.getvalue()
    assert raw.count("\n") == 1  # one line
    return code, json.loads(raw), raw


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(POSITION)[:-1] + ', "mark_price": 1' + "0" * 310 + "}",  # was OverflowError
        json.dumps(POSITION)[:-1] + ', "mark_price": 1' + "0" * 4301 + "}",  # was ValueError
        "[" * 100_000 + "]" * 100_000,  # was RecursionError
        " " * (margin_cli.safe_json.MAX_BYTES + 10),
    ],
)
def test_hostile_json_is_a_one_line_error_exit_2(text: str) -> None:
    code, out, _ = run(text)
    assert code == margin_cli.EXIT_INVALID
    assert out["field"] == "input" and out["error"]


def test_a_tiny_step_is_refused_before_building_the_table() -> None:
    code, out, _ = run(json.dumps(POSITION), "--shock", "-20..20", "--step", "1e-300")  # was ~10^301 rows
    assert code == 2 and out["field"] == "--step"
    assert f"{MAX_SHOCK_ROWS:,} rows" in out["error"]


def test_a_fine_step_over_a_wide_span_is_capped() -> None:
    code, out, _ = run(json.dumps(POSITION), "--shock", "-99..99", "--step", "0.001")  # was seconds of work
    assert code == 2 and "198,001 rows" in out["error"] and "10,001" in out["error"]


def test_a_large_cross_book_is_refused_by_its_work_estimate() -> None:
    other = {"side": "long", "entry_price": 10, "quantity": 1, "mmr": 0.01}
    cross = {**POSITION, "margin_mode": "cross", "wallet_balance": 1000, "other_positions": [other] * 200}
    del cross["leverage"]
    code, out, _ = run(json.dumps({"positions": [cross] * 20}), "--shock", "-10..10")
    assert code == 2 and "limit" in out["error"]


def test_overflowing_products_are_null_with_a_note() -> None:
    other = {"side": "long", "entry_price": 10, "quantity": 1e308, "mmr": 0.01}
    position = {"venue": "binance", "margin_mode": "cross", "side": "long", "entry_price": 100, "quantity": 1,
                "wallet_balance": 1000, "mmr": 0.01, "other_positions": [other]}
    code, out, _ = run(json.dumps(position))
    assert code == 0
    assert out["maintenance_margin"] is None and out["margin_ratio"] is None
    assert any("maintenance_margin" in note and "overflow" in note for note in out["notes"])
    code, out, _ = run(json.dumps({"positions": [position]}), "--shock", "-5..5")
    assert code == 0 and any("overflow" in note for note in out["notes"])


def test_a_non_finite_figure_left_for_the_cli_is_named_in_a_note() -> None:
    sink = io.StringIO()
    margin_cli._emit(sink, {"shocks": [{"mark_price": float("inf")}]})
    out = json.loads(sink.getvalue())
    assert out["shocks"][0]["mark_price"] is None
    assert "shocks[0].mark_price" in out["notes"][0]


def test_a_size_that_underflows_to_zero_is_an_input_error() -> None:
    # 5e-324 × 0.1 == 0.0 divided by zero in the formulas before (found by tests/fuzz)
    code, out, _ = run(json.dumps({**POSITION, "quantity": 5e-324, "contract_size": 0.1}))
    assert code == 2 and out["field"] == "quantity"
