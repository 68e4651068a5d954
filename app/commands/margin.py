"""`cascade margin`: one JSON position on stdin -> one JSON result on stdout (exit 0); invalid input
-> {"error", "field"} and exit 2. `--shock LO..HI` reprices a book across mark shocks instead."""

from __future__ import annotations

import argparse
import functools
import json
import math
import re
import sys
import textwrap
from typing import Any, TextIO

from app.core import safe_json
from app.core.margin.engine import VENUES, compute
from app.core.margin.finite import OVERFLOW_REASON
from app.core.margin.model import MarginInputError
from app.core.margin.parse import position_from_mapping
from app.core.margin.rules import STANDARD_ACCOUNT_MODES
from app.core.margin.tiers import bundled_symbols
from app.core.margin.whatif import MAX_SHOCK_ROWS, MAX_SHOCK_WORK, ShockTable, shock_table, shock_work
from app.resources import resource_path

EXIT_INVALID = 2

# The field reference and the copy-paste examples live in a text resource; the venue lists in it come
# from the margin rules registry (@NAME@ markers), so adding a venue there updates the help.
HELP_RESOURCE = ("help", "margin.txt")
HELP_WIDTH = 100  # a line that grows past this (and past its template) when filled in is re-wrapped
FIELD_INDENT = " " * 23  # where a field's description starts
_MARKER = re.compile(r"@([A-Z_]+)@( *)")


@functools.cache
def help_epilog() -> str:
    """resources/help/margin.txt with its @NAME@ markers filled in (see _help_values)."""
    try:
        template = resource_path(*HELP_RESOURCE).read_text(encoding="utf-8")
    except OSError:
        return f"(the field reference and examples are missing: resources/{'/'.join(HELP_RESOURCE)})\n"
    values = _help_values()
    lines: list[str] = []
    for line in template.splitlines():
        filled = _MARKER.sub(lambda match: _fill(match, values), line)
        if len(filled) > max(HELP_WIDTH, len(line)):
            lines.extend(textwrap.wrap(filled, HELP_WIDTH, subsequent_indent=FIELD_INDENT,
                                       break_long_words=False, break_on_hyphens=False))
        else:
            lines.append(filled)
    return "\n".join(lines) + "\n"


def _fill(match: re.Match[str], values: dict[str, str]) -> str:
    """A marker's value; a marker followed by a run of spaces keeps the column after it aligned."""
    value, spaces = values[match.group(1)], match.group(2)
    if len(spaces) < 2:
        return value + spaces
    return value.ljust(len(match.group(0)) - 2) + "  "


def _help_values() -> dict[str, str]:
    """What the help's markers stand for, read from the margin rules registry and the bundled tiers."""
    bundled = [(venue, bundled_symbols(venue)) for venue in VENUES]
    account_level = [(venue, rules.account_level_modes) for venue, rules in VENUES.items()]
    return {
        "VENUES": " | ".join(VENUES),
        "BUNDLED_SYMBOLS": "; ".join(f"{venue} {', '.join(symbols)}" for venue, symbols in bundled if symbols),
        "STANDARD_ACCOUNT_MODES": " | ".join(STANDARD_ACCOUNT_MODES),
        "ACCOUNT_LEVEL_MODES": "; ".join(f"{venue} {' | '.join(modes)}" for venue, modes in account_level if modes),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cascade margin",
        description="Liquidation price, distance to liquidation and margin ratio of one position "
        "(JSON on stdin, JSON on stdout; invalid input: {\"error\", \"field\"} and exit 2).",
        epilog=help_epilog(),
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
