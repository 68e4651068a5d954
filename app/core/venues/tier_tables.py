"""Public tier tables as data: the request each venue answers with its risk-limit / position-tier table,
and the pure parsers (in the venues' own modules) that turn answers into rows of the bundled-tier file
format (resources/tiers/<venue>.json): {floor, cap, mmr, maintenance_amount, max_leverage}. Fetching
and caching live in app.feeds.tiers. Nothing here names a venue."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.core.errors import BadFrame

TierRow = dict[str, float | None]


@dataclass(frozen=True, slots=True)
class TierTable:
    """One symbol's table as fetched: rows in the bundled format, plus what the file records beside them."""

    symbol: str
    contract: str
    rows: tuple[TierRow, ...]
    size_unit: str = "notional"  # "contracts": floors and caps count contracts (OKX), not quote notional
    contract_size: float | None = None


@dataclass(frozen=True, slots=True)
class PublicTiers:
    """`url(base, symbol)` is the GET (symbol as the venue names it), `parse(body, symbol)` reads one
    answer into the tables it holds (BadFrame for an answer that is not the table); `all_in_one` venues
    answer every symbol in one request (then `url` ignores the symbol)."""

    venue: str
    base_url: str
    notional_unit: str
    source: str
    url: Callable[[str, str], str]
    parse: Callable[[bytes | str, str], list[TierTable]]
    all_in_one: bool = False
    method: str = "GET"
    body: bytes | None = None


def decode(payload: bytes | str) -> Any:
    try:
        return json.loads(payload)
    except (ValueError, RecursionError) as error:
        raise BadFrame(f"not JSON: {str(error)[:80]}") from None


def num(row: Mapping[str, Any], key: str, *, optional: bool = False) -> float | None:
    raw = row.get(key)
    if raw is None or raw == "":
        if optional:
            return None
        raise BadFrame(f"tier row has no {key}")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise BadFrame(f"tier {key} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise BadFrame(f"tier {key} is not a finite non-negative number")
    return value


def checked(rows: list[TierRow], what: str) -> tuple[TierRow, ...]:
    """Rows sorted by floor, floors increasing, 0 <= mmr < 1; BadFrame otherwise."""
    if not rows:
        raise BadFrame(f"{what}: no tiers")
    rows = sorted(rows, key=lambda row: row["floor"] or 0.0)
    previous = -1.0
    for row in rows:
        floor, mmr = row["floor"] or 0.0, row["mmr"]
        if floor <= previous:
            raise BadFrame(f"{what}: tier floors do not increase")
        if mmr is None or not 0 <= mmr < 1:
            raise BadFrame(f"{what}: maintenance rate outside [0, 1)")
        previous = floor
    return tuple(rows)


def table_json(table: TierTable, as_of: str, source: str) -> dict[str, Any]:
    """One table in the bundled-file format."""
    out: dict[str, Any] = {"contract": table.contract, "as_of": as_of, "source": source, "tiers": list(table.rows)}
    if table.size_unit != "notional":
        out["size_unit"] = table.size_unit
        out["contract_size"] = table.contract_size
    return out
