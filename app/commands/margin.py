"""`cascade margin`: one JSON position on stdin -> one JSON result on stdout (exit 0); invalid input
-> {"error", "field"} and exit 2. `--shock LO..HI` reprices a book across mark shocks instead."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, TextIO

from app.core import safe_json
from app.core.margin.engine import compute
from app.core.margin.finite import OVERFLOW_REASON
from app.core.margin.model import MarginInputError
from app.core.margin.parse import position_from_mapping
from app.core.margin.whatif import MAX_SHOCK_ROWS, MAX_SHOCK_WORK, ShockTable, shock_table, shock_work

EXIT_INVALID = 2

FIELDS = """\
input fields (one JSON object on stdin; money in quote, or in coin for inverse contracts):
  venue                binance | bybit | okx | bitget | gate | hyperliquid | generic        (required)
  side                 long | short                                                         (required)
  entry_price          average entry price > 0                                              (required)
  quantity             base units (linear), USD (inverse), or contracts if contract_size    (required)
  contract             linear | inverse                                       (default linear)
  margin_mode          isolated | cross                                       (default isolated)
  contract_size        base per contract (OKX ctVal) or USD per inverse contract
  mark_price           price to value the position at                         (default entry_price)
  leverage             isolated only: derives isolated_margin = entry notional / leverage
                       when isolated_margin is absent (Bybit adds its fee to close)
  isolated_margin      the position's isolated margin
  wallet_balance       cross: the account wallet (quote; coin for inverse)
  other_positions      cross: [{side, entry_price, mark_price, quantity, contract_size?,
                       mmr, maintenance_amount} or {..., tiers} or {..., symbol}]
  tiers                [{floor, cap, mmr, maintenance_amount, max_leverage}] by notional
                       (quote; coin for inverse); a missing maintenance_amount is chained
                       as floor × (mmr − previous mmr) + previous amount; the tier is
                       re-picked at the liquidation price (Bybit: at the entry value)
  mmr, maintenance_amount  single-tier shortcut (maintenance_amount default 0)
  max_leverage         Hyperliquid: maintenance rate = 1 / (2 × max_leverage)
  taker_fee            fee rate in maintenance where the venue counts it: OKX, Gate,
                       Bitget, generic (on the notional at mark), Bybit (fee to close at
                       the bankruptcy price); unused by Binance and Hyperliquid (default 0)
  extra_margin         isolated: margin added after opening                   (default 0)
  symbol               picks bundled tiers: binance BTCUSDT, ETHUSDT; hyperliquid BTC,
                       ETH, SOL, XRP (others: give mmr or tiers)
  position_mode        one_way | hedge                                        (default one_way)
  account_mode         standard (default); binance multi_assets | portfolio_margin; bybit
                       multi_collateral | portfolio_margin; okx multi_currency |
                       portfolio_margin -> reported as "exchange figures only"
  exchange_liquidation_price  the venue's own figure: shown beside ours, >0.5 % apart flagged
  label                a name for the position (what-if tables)
Precedence of maintenance data: mmr (+ maintenance_amount) > tiers > max_leverage (Hyperliquid)
> bundled tiers for symbol.

output fields:
  liquidation_price (null + note when there is none), bankruptcy_price, distance_price and
  distance_pct (mark vs liquidation, positive = safe), maintenance_margin (account total used in
  the ratio, with the venue's fee terms), position_maintenance_margin, margin_balance, margin_ratio
  (maintenance / margin balance, 1.0 = liquidation on every venue), venue_margin_ratio (as the
  venue shows it: OKX equity / (MM + fees); Bitget margin balance / position value), notional,
  tier, tier_source, note, notes, exchange_figures_only, exchange_disagreement_pct.

--shock LO..HI [--step S]: stdin is {"positions": [position, ...]} (or one position); every mark
  (and every cross neighbour's mark) moves by LO..HI % in steps of S; output {"shocks": [{shock_pct,
  positions: [{label, mark_price, margin_ratio, distance_pct, liquidated}], liquidated}],
  "moves": [{label, move_pct, liquidation_price}] nearest first, "first_down", "first_up",
  "first", "skipped"}.
"""

EXAMPLES = """\
examples (copy-paste):
  # Binance USDⓈ-M cross, the FAQ's worked example (ETH leg; LP 1,153.26)
  echo '{"venue":"binance","margin_mode":"cross","side":"long","entry_price":1456.84,"quantity":3683.979,
    "mark_price":1335.18,"wallet_balance":1535443.01,"mmr":0.10,"maintenance_amount":135365,
    "other_positions":[{"side":"long","entry_price":32481.98,"mark_price":31967.27,"quantity":109.488,
    "mmr":0.025,"maintenance_amount":16300}]}' | cascade margin
  # Binance USDⓈ-M isolated with the bundled BTCUSDT brackets
  echo '{"venue":"binance","symbol":"BTCUSDT","side":"short","entry_price":90000,"quantity":2,
    "leverage":20}' | cascade margin
  # Binance COIN-M inverse: 100 BTCUSD contracts of 100 USD, 0.5 BTC cross wallet
  echo '{"venue":"binance","contract":"inverse","margin_mode":"cross","side":"long","entry_price":45000,
    "quantity":100,"contract_size":100,"wallet_balance":0.5,"mmr":0.004}' | cascade margin
  # Bybit isolated, its help-page example (LP 19,700)
  echo '{"venue":"bybit","side":"long","entry_price":20000,"quantity":1,"leverage":50,"mmr":0.005}' | cascade margin
  # Bybit inverse cross, legacy help example (LP 5,739.08)
  echo '{"venue":"bybit","contract":"inverse","margin_mode":"cross","side":"long","entry_price":8000,
    "quantity":10000,"wallet_balance":0.5,"mmr":0.005,"taker_fee":0.00075}' | cascade margin
  # OKX isolated, 613 BIGTIME-USDT-SWAP contracts of ctVal 10 (mgnRatio 6.0648…)
  echo '{"venue":"okx","side":"long","entry_price":0.01305,"mark_price":0.01304,"quantity":613,
    "contract_size":10,"isolated_margin":9.9995625,"mmr":0.02,"taker_fee":0.0005}' | cascade margin
  # Hyperliquid cross with the bundled ETH tiers (the 2026-01-20 2,200 ETH case: LP ≈ 2,991.43)
  echo '{"venue":"hyperliquid","symbol":"ETH","margin_mode":"cross","side":"long","entry_price":3031.82,
    "quantity":2200,"wallet_balance":220477}' | cascade margin
  # Bitget isolated short
  echo '{"venue":"bitget","side":"short","entry_price":3000,"quantity":5,"leverage":25,"mmr":0.005,
    "taker_fee":0.0006}' | cascade margin
  # Gate isolated long
  echo '{"venue":"gate","side":"long","entry_price":90000,"quantity":0.5,"leverage":10,"mmr":0.005,
    "taker_fee":0.0005}' | cascade margin
  # Generic inverse: 10,000 USD short @ 50,000 with 0.05 BTC margin
  echo '{"venue":"generic","contract":"inverse","side":"short","entry_price":50000,"quantity":10000,
    "isolated_margin":0.05,"mmr":0.005}' | cascade margin
  # What-if table for a book
  echo '{"positions":[{"venue":"bybit","side":"long","entry_price":20000,"quantity":1,"leverage":50,"mmr":0.005},
    {"venue":"okx","side":"short","entry_price":3000,"quantity":10,"contract_size":0.1,"leverage":10,
    "mmr":0.004}]}' | cascade margin --shock -20..20 --step 5
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cascade margin",
        description="Liquidation price, distance to liquidation and margin ratio of one position "
        "(JSON on stdin, JSON on stdout; invalid input: {\"error\", \"field\"} and exit 2).",
        epilog=FIELDS + "\n" + EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--shock", metavar="LO..HI", help="what-if table over mark shocks in %%, e.g. -20..20")
    parser.add_argument("--step", type=float, default=5.0, help="shock step in %% (default 5)")
    return parser


def main(argv: list[str], stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    options = build_parser().parse_args(_join_negative_values(argv))
    source = sys.stdin if stdin is None else stdin
    sink = sys.stdout if stdout is None else stdout
    try:
        # Read one byte past the cap so an oversized stdin is refused without reading all of it.
        data = _decode(source.read(safe_json.MAX_BYTES + 1))
        payload = _shock(data, options.shock, options.step) if options.shock else _single(data)
    except MarginInputError as error:
        _emit(sink, {"error": error.message, "field": error.field})
        return EXIT_INVALID
    _emit(sink, payload)
    return 0


def _join_negative_values(argv: list[str]) -> list[str]:
    """argparse reads `--shock -20..20` as two options; join such values as `--shock=-20..20`."""
    joined: list[str] = []
    for arg in argv:
        if joined and joined[-1] in ("--shock", "--step") and arg.startswith("-"):
            joined[-1] = f"{joined[-1]}={arg}"
        else:
            joined.append(arg)
    return joined


def _decode(text: str) -> Any:
    try:
        return safe_json.loads(text)
    except safe_json.JsonInputError as error:
        raise MarginInputError("input", str(error)) from None


def _single(data: Any) -> dict[str, Any]:
    return compute(position_from_mapping(data)).as_json()


def _shock(data: Any, span: str, step: float) -> dict[str, Any]:
    shocks = shock_range(span, step)
    items = data.get("positions") if isinstance(data, dict) and "positions" in data else [data]
    if not isinstance(items, list) or not items:
        raise MarginInputError("positions", "must be a non-empty list of positions")
    positions = []
    for index, item in enumerate(items):
        try:
            positions.append(position_from_mapping(item))
        except MarginInputError as error:
            raise MarginInputError(f"positions[{index}].{error.field}", error.message) from None
    work = shock_work(positions, len(shocks))
    if work > MAX_SHOCK_WORK:
        raise MarginInputError(
            "positions", f"the table needs ~{work:,} position evaluations, over the limit of {MAX_SHOCK_WORK:,}: "
            "fewer positions or other_positions, or a wider --step")
    try:
        table = shock_table(positions, shocks)
        notes = [f"{label}: {note}" for label, note in _overflow_notes(positions)]
    except MarginInputError as error:
        raise MarginInputError(f"positions.{error.field}", error.message) from None
    return {**shock_json(table), **({"notes": notes} if notes else {})}


def _overflow_notes(positions: list[Any]) -> list[tuple[str, str]]:
    """Each position's own overflow note (the table's cells carry no notes)."""
    from app.core.margin.whatif import label_of

    found = []
    for index, position in enumerate(positions):
        for note in compute(position).notes:
            if OVERFLOW_REASON in note:
                found.append((label_of(position, index), note))
    return found


def shock_range(span: str, step: float) -> list[float]:
    """'-20..20' with step 5 -> [-20, -15, ..., 20] (0 always included when inside the span)."""
    try:
        low_text, high_text = span.split("..")
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise MarginInputError("--shock", "expected LO..HI, e.g. -20..20") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low > high or low <= -100:
        raise MarginInputError("--shock", "need -100 < LO <= HI, finite")
    if not math.isfinite(step) or step <= 0:
        raise MarginInputError("--step", "must be a positive number")
    intervals = (high - low) / step + 1e-9  # a float, inf for a tiny step: checked before any list is built
    if not math.isfinite(intervals) or math.floor(intervals) + 1 > MAX_SHOCK_ROWS:
        raise MarginInputError(
            "--step", f"{low:g}..{high:g} in steps of {step:g} makes {_rows_text(intervals + 1)} rows; the table is "
            f"capped at {MAX_SHOCK_ROWS:,} rows: use a wider --step or a narrower --shock")
    count = math.floor(intervals)
    return [round(low + i * step, 10) for i in range(count + 1)]


def _rows_text(rows: float) -> str:
    return f"{math.floor(rows):,}" if rows < 1e12 else f"~{rows:.1e}"


def shock_json(table: ShockTable) -> dict[str, Any]:
    import msgspec

    out = msgspec.to_builtins(table)
    return {"shocks": out.pop("rows"), **out}


def _emit(sink: TextIO, payload: dict[str, Any]) -> None:
    nulled: list[str] = []
    clean = _finite(payload, "", nulled)
    if nulled:  # a null must never be silent: say which figure and why
        shown = ", ".join(nulled[:5]) + (f" and {len(nulled) - 5} more" if len(nulled) > 5 else "")
        clean.setdefault("notes", []).append(f"{shown} null: {OVERFLOW_REASON}")
    sink.write(json.dumps(clean, allow_nan=False) + "\n")


def _finite(value: Any, path: str, nulled: list[str]) -> Any:
    """JSON has no NaN/Infinity: any non-finite float becomes null, its path noted in `nulled`."""
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        nulled.append(path or "value")
        return None
    if isinstance(value, dict):
        return {key: _finite(item, f"{path}.{key}" if path else str(key), nulled) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item, f"{path}[{index}]", nulled) for index, item in enumerate(value)]
    return value
