"""`cascade margin`: JSON in, JSON out, exit 0; invalid input -> {"error", "field"} and exit 2."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.commands import margin as margin_cli
from app.core.margin import VENUES

ROOT = Path(__file__).resolve().parents[2]


def run(data: object, *argv: str) -> tuple[int, dict]:
    text = data if isinstance(data, str) else json.dumps(data)
    out = io.StringIO()
    code = margin_cli.main(list(argv), stdin=io.StringIO(text), stdout=out)
    return code, json.loads(out.getvalue())


def _position(venue: str, side: str, mode: str, contract: str) -> dict:
    data: dict = {"venue": venue, "side": side, "margin_mode": mode, "contract": contract, "entry_price": 50_000,
                  "mark_price": 49_000, "mmr": 0.005, "maintenance_amount": 0, "taker_fee": 0.0005}
    if contract == "linear":
        data.update(quantity=2)
        collateral = 10_000.0
    else:
        data.update(quantity=1_000, contract_size=100)  # 100,000 USD = 2 BTC
        collateral = 0.2
    if mode == "isolated":
        data["leverage"] = 10
    else:
        data["wallet_balance"] = collateral
    return data


CASES = [
    (venue, side, mode, contract)
    for venue, rules in VENUES.items()
    for contract in sorted(rules.contracts)
    for side in ("long", "short")
    for mode in ("isolated", "cross")
]


@pytest.mark.parametrize(("venue", "side", "mode", "contract"), CASES, ids=lambda v: str(v))
def test_every_venue_side_mode_and_contract(venue: str, side: str, mode: str, contract: str) -> None:
    code, out = run(_position(venue, side, mode, contract))
    assert code == 0, out
    assert out["venue"] == venue and out["contract"] == contract and out["margin_mode"] == mode
    lp = out["liquidation_price"]
    assert lp is not None
    assert (lp < 50_000) if side == "long" else (lp > 50_000)
    assert out["distance_pct"] == pytest.approx((1 if side == "long" else -1) * (49_000 - lp) / 49_000 * 100)
    assert out["margin_ratio"] == pytest.approx(out["maintenance_margin"] / out["margin_balance"])
    assert 0 < out["margin_ratio"] < 1
    expected_venue_ratio = {"okx": 1 / out["margin_ratio"], "bitget": out["margin_balance"] / out["notional"]}
    assert out["venue_margin_ratio"] == pytest.approx(expected_venue_ratio.get(venue, out["margin_ratio"]))
    assert out["tier"]["mmr"] == 0.005


def test_contract_size_multiplies_quantity() -> None:
    _, in_contracts = run({"venue": "okx", "side": "long", "entry_price": 0.01305, "mark_price": 0.01304,
                           "quantity": 613, "contract_size": 10, "isolated_margin": 9.9995625, "mmr": 0.02,
                           "taker_fee": 0.0005})
    _, in_base = run({"venue": "okx", "side": "long", "entry_price": 0.01305, "mark_price": 0.01304,
                      "quantity": 6130, "isolated_margin": 9.9995625, "mmr": 0.02, "taker_fee": 0.0005})
    assert in_contracts["liquidation_price"] == pytest.approx(in_base["liquidation_price"], rel=1e-12)
    assert in_contracts["venue_margin_ratio"] == pytest.approx(6.064828669759086, rel=1e-12)


def test_layers_probe_input_defaults() -> None:
    code, out = run({"venue": "binance", "side": "long", "entry_price": 100, "quantity": 1, "leverage": 10,
                     "mmr": 0.005, "maintenance_amount": 0})
    assert code == 0
    assert out["margin_mode"] == "isolated" and out["contract"] == "linear" and out["mark_price"] == 100
    assert out["bankruptcy_price"] == pytest.approx(90)
    assert out["liquidation_price"] == pytest.approx(90 / 0.995)


def test_account_level_mode_reports_exchange_figures_only() -> None:
    code, out = run({"venue": "bybit", "side": "long", "entry_price": 100, "quantity": 1, "margin_mode": "cross",
                     "account_mode": "multi_collateral"})
    assert code == 0
    assert out["exchange_figures_only"] is True and out["liquidation_price"] is None
    assert "exchange figures only" in out["note"]


VALID = {"venue": "binance", "side": "long", "entry_price": 100, "quantity": 1, "leverage": 10, "mmr": 0.005}


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (json.dumps({k: v for k, v in VALID.items() if k != "side"}), "side"),
        (json.dumps({k: v for k, v in VALID.items() if k != "quantity"}), "quantity"),
        (json.dumps({**VALID, "quantity": -1}), "quantity"),
        (json.dumps(VALID)[:-1] + ', "entry_price": NaN}', "input"),
        (json.dumps(VALID)[:-1] + ', "mark_price": Infinity}', "input"),
        (json.dumps(VALID)[:-1] + ', "leverage": -Infinity}', "input"),
        (json.dumps(VALID)[:-1] + ', "quantity": 1e999}', "input"),
        (json.dumps({**VALID, "venue": "ftx"}), "venue"),
        (json.dumps({**VALID, "quantity": "1"}), "quantity"),
        (json.dumps({**VALID, "leverage": True}), "leverage"),
        (json.dumps({**VALID, "margin_mode": "portfolio"}), "margin_mode"),
        (json.dumps({**VALID, "tiers": "many"}), "tiers"),
        (json.dumps({**VALID, "venue": "okx", "mmr": None}), "mmr"),
        (json.dumps({**VALID, "margin_mode": "cross"}), "wallet_balance"),
        # maintenance as large as the position itself has no liquidation price: refused, never a crash
        (json.dumps({"venue": "hyperliquid", "side": "long", "entry_price": 100, "quantity": 1, "leverage": 10,
                     "max_leverage": 0.5}), "max_leverage"),
        (json.dumps({"venue": "okx", "side": "long", "entry_price": 100, "quantity": 1, "leverage": 10,
                     "tiers": [{"floor": 0, "mmr": 0.6}], "taker_fee": 0.4}), "tiers[0].mmr"),
        ('{"venue": "binance",', "input"),
        ("[1, 2]", "input"),
        ("", "input"),
    ],
)
def test_invalid_input_exits_2_naming_the_field(text: str, field: str) -> None:
    code, out = run(text)
    assert code == 2
    assert out["field"] == field
    assert out["error"]


def test_help_documents_every_field_and_an_example_per_venue(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        margin_cli.main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for field in ("venue", "contract", "margin_mode", "side", "entry_price", "quantity", "contract_size",
                  "mark_price", "leverage", "isolated_margin", "wallet_balance", "other_positions", "tiers",
                  "mmr", "maintenance_amount", "max_leverage", "taker_fee", "extra_margin", "symbol",
                  "position_mode", "account_mode"):
        assert re.search(rf"\b{field}\b", text), field
    examples = _examples(text)
    assert {json.loads(body).get("venue") for body, _ in examples if "positions" not in body} == set(VENUES)


def _examples(help_text: str) -> list[tuple[str, list[str]]]:
    found = []
    for match in re.finditer(r"echo '(.*?)' \| cascade margin([^\n]*)", help_text, re.S):
        found.append((re.sub(r"\s*\n\s*", "", match.group(1)), match.group(2).split()))
    return found


def test_every_help_example_runs() -> None:
    examples = _examples(margin_cli.build_parser().format_help())
    assert len(examples) >= 8
    for body, argv in examples:
        code, out = run(body, *argv)
        assert code == 0, (body, out)


def test_help_text_is_a_resource_filled_from_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    source = (ROOT / "app" / "commands" / "margin.py").read_text(encoding="utf-8")
    for venue in VENUES:
        assert f'"{venue}"' not in source and f"'{venue}'" not in source, venue
    template = (ROOT / "resources" / "help" / "margin.txt").read_text(encoding="utf-8")
    assert "echo '" in template and "@VENUES@" in template
    text = margin_cli.build_parser().format_help()
    assert not re.search(r"@[A-Z_]+@", text)
    venue_line = next(line for line in text.splitlines() if line.lstrip().startswith("venue "))
    assert venue_line.split()[1:-1] == " | ".join(VENUES).split() and venue_line.endswith("(required)")
    flat = " ".join(text.split())
    for venue, rules in VENUES.items():
        if rules.account_level_modes:
            assert f"{venue} {' | '.join(rules.account_level_modes)}" in flat, venue
    assert "binance BTCUSDT, ETHUSDT" in flat
    assert max(len(line) for line in margin_cli.help_epilog().splitlines()) <= max(
        len(line) for line in template.splitlines())

    # Without the resource the command still runs and its help says what is missing.
    monkeypatch.setattr(margin_cli, "HELP_RESOURCE", ("help", "no-such-file.txt"))
    margin_cli.help_epilog.cache_clear()
    try:
        assert "missing: resources/help/no-such-file.txt" in margin_cli.build_parser().format_help()
        assert run(VALID)[0] == 0
    finally:
        monkeypatch.undo()
        margin_cli.help_epilog.cache_clear()


def test_shock_table_shape_and_first_liquidation() -> None:
    book = {"positions": [
        {"venue": "bybit", "side": "long", "entry_price": 20_000, "quantity": 1, "leverage": 50, "mmr": 0.005,
         "label": "btc50x"},
        {"venue": "okx", "side": "short", "entry_price": 3_000, "quantity": 10, "contract_size": 0.1,
         "leverage": 10, "mmr": 0.004, "label": "eth-short"},
    ]}
    code, out = run(book, "--shock", "-20..20", "--step", "5")
    assert code == 0
    assert [row["shock_pct"] for row in out["shocks"]] == [-20, -15, -10, -5, 0, 5, 10, 15, 20]
    assert out["first"]["label"] == "btc50x"
    assert out["first"]["move_pct"] == pytest.approx(-1.5)
    assert out["first_down"]["liquidation_price"] == pytest.approx(19_700)
    assert out["first_up"]["label"] == "eth-short"
    zero = next(row for row in out["shocks"] if row["shock_pct"] == 0)
    assert zero["liquidated"] == [] and len(zero["positions"]) == 2


def test_shock_accepts_a_single_position_and_names_bad_book_fields() -> None:
    code, out = run(VALID, "--shock", "-10..10")
    assert code == 0 and len(out["shocks"]) == 5
    code, out = run({"positions": [VALID, {**VALID, "quantity": -2}]}, "--shock", "-10..10")
    assert (code, out["field"]) == (2, "positions[1].quantity")
    code, out = run(VALID, "--shock", "ten")
    assert (code, out["field"]) == (2, "--shock")
    code, out = run(VALID, "--shock", "-10..10", "--step", "0")
    assert (code, out["field"]) == (2, "--step")


def _subprocess(argv: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", "margin", *argv], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=30)


def test_subprocess_valid_and_invalid() -> None:
    ok = _subprocess([], json.dumps({"venue": "bybit", "side": "long", "entry_price": 20_000, "quantity": 1,
                                     "leverage": 50, "mmr": 0.005}))
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["liquidation_price"] == pytest.approx(19_700)
    bad = _subprocess([], '{"venue": "bybit", "side": "long", "entry_price": -1, "quantity": 1}')
    assert bad.returncode == 2
    assert json.loads(bad.stdout)["field"] == "entry_price"


def test_subprocess_shock() -> None:
    done = _subprocess(["--shock", "-20..20"], json.dumps(VALID))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["first_down"]["move_pct"] < 0
