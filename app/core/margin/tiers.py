"""Tier tables: building them, picking the bracket for a notional, and the bundled snapshots."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence

from app.core.margin.model import Tier


def chain_maintenance_amounts(
    rows: Sequence[tuple[float, float | None, float, float | None, float | None]],
) -> tuple[Tier, ...]:
    """Tiers from (floor, cap, mmr, maintenance_amount | None, max_leverage) rows sorted by floor.

    A missing maintenance amount follows the venues' recursion
    `amount_n = floor_n × (mmr_n − mmr_{n−1}) + amount_{n−1}`, which keeps maintenance continuous.
    A missing cap runs to the next floor (the last one to infinity).
    """
    tiers: list[Tier] = []
    for index, (floor, cap, mmr, amount, max_leverage) in enumerate(rows):
        if amount is None:
            amount = 0.0 if not tiers else floor * (mmr - tiers[-1].mmr) + tiers[-1].maintenance_amount
        if cap is None:
            cap = rows[index + 1][0] if index + 1 < len(rows) else math.inf
        tiers.append(Tier(float(floor), float(cap), float(mmr), float(amount), max_leverage))
    return tuple(tiers)


def single_tier(mmr: float, maintenance_amount: float = 0.0, max_leverage: float | None = None) -> tuple[Tier]:
    return (Tier(0.0, math.inf, mmr, maintenance_amount, max_leverage),)


def tier_for(tiers: Sequence[Tier], notional: float) -> Tier:
    """The bracket holding `notional`; beyond the last cap the last tier applies."""
    for tier in tiers:
        if notional < tier.cap:
            return tier
    return tiers[-1]


def solving_ranges(tiers: Sequence[Tier]) -> list[tuple[Tier, float, float]]:
    """(tier, low, high) notional ranges covering [0, inf): the last tier is open-ended for solving."""
    ranges = [(tier, tier.floor, tier.cap) for tier in tiers]
    last, low, _ = ranges[-1]
    ranges[-1] = (last, low, math.inf)
    return ranges


def normalise_symbol(symbol: str) -> str:
    return "".join(ch for ch in symbol.upper() if ch.isalnum())


def bundled_tiers(venue: str, symbol: str, contract: str) -> tuple[tuple[Tier, ...], str] | None:
    """Bundled tiers for (venue, symbol, contract) with a 'source, as of' label, or None."""
    table = bundled_table(venue, symbol)
    if table is None or table.get("contract", "linear") != contract or table.get("size_unit", "notional") != "notional":
        return None  # a table by size (OKX counts contracts) is read by its venue's rules
    rows = [
        (row["floor"], row.get("cap"), row["mmr"], row.get("maintenance_amount"), row.get("max_leverage"))
        for row in table["tiers"]
    ]
    return chain_maintenance_amounts(rows), f"bundled {venue} {symbol} tiers as of {table['as_of']}"


def tiers_from_table(table: object, contract: str) -> tuple[Tier, ...] | None:
    """Tiers from one table in the bundled/cached file format, when it is by notional (a table by size
    stays with the venue's own rules) and for `contract`; None otherwise or for a malformed table."""
    if not isinstance(table, dict) or "size_unit" in table or table.get("contract", "linear") != contract:
        return None
    try:
        tiers = chain_maintenance_amounts([
            (row["floor"], row.get("cap"), row["mmr"], row.get("maintenance_amount"), row.get("max_leverage"))
            for row in table["tiers"]])
    except (KeyError, TypeError, IndexError, ValueError):
        return None
    return tuple(tiers) if tiers else None


def bundled_table(venue: str, symbol: str) -> dict | None:
    """The bundled table for (venue, symbol) as stored: {contract, as_of, source, tiers[, size_unit, contract_size]}."""
    return _bundled_tables(venue).get(normalise_symbol(symbol))


def bundled_symbols(venue: str) -> list[str]:
    return sorted(_bundled_tables(venue))


@functools.cache
def _bundled_tables(venue: str) -> dict[str, dict]:
    """The only file read in the margin engine: resources/tiers/<venue>.json, if it exists."""
    from app.resources import resource_path

    path = resource_path("tiers", f"{venue}.json")
    if not path.is_file():
        return {}
    document = json.loads(path.read_text(encoding="utf-8"))
    return {normalise_symbol(name): table for name, table in document["tables"].items()}
