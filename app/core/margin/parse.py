"""Untrusted mapping (decoded JSON, a form) -> Position, naming the field of every rejection."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from app.core.margin.engine import VENUES
from app.core.margin.model import MarginInputError, OtherPosition, Position, Tier
from app.core.margin.tiers import chain_maintenance_amounts

CHOICES: dict[str, tuple[str, ...]] = {
    "side": ("long", "short"),
    "contract": ("linear", "inverse"),
    "margin_mode": ("isolated", "cross"),
    "position_mode": ("one_way", "hedge"),
}
# field -> (lowest, lowest allowed inclusive?, highest exclusive or None)
NUMBER_RANGES: dict[str, tuple[float, bool, float | None]] = {
    "entry_price": (0.0, False, None),
    "quantity": (0.0, False, None),
    "contract_size": (0.0, False, None),
    "mark_price": (0.0, False, None),
    "leverage": (0.0, False, None),
    "isolated_margin": (0.0, True, None),
    "wallet_balance": (0.0, True, None),
    "mmr": (0.0, True, 1.0),
    "maintenance_amount": (0.0, True, None),
    "max_leverage": (1.0, True, None),  # maintenance 1/(2 × max leverage) must stay below the position
    "taker_fee": (0.0, True, 1.0),
    "extra_margin": (0.0, True, None),
    "exchange_liquidation_price": (0.0, True, None),
    "floor": (0.0, True, None),
    "cap": (0.0, False, None),
}
TEXT_FIELDS = ("venue", "symbol", "account_mode", "label")
POSITION_FIELDS = frozenset(
    {*CHOICES, *TEXT_FIELDS, "entry_price", "quantity", "contract_size", "mark_price", "leverage",
     "isolated_margin", "wallet_balance", "other_positions", "tiers", "mmr", "maintenance_amount",
     "max_leverage", "taker_fee", "extra_margin", "exchange_liquidation_price"}
)
OTHER_FIELDS = frozenset(
    {"side", "entry_price", "quantity", "mark_price", "contract_size", "mmr", "maintenance_amount", "tiers",
     "symbol", "max_leverage"}
)
TIER_FIELDS = frozenset({"floor", "cap", "mmr", "maintenance_amount", "max_leverage"})
REQUIRED = ("venue", "side", "entry_price", "quantity")


def position_from_mapping(data: object) -> Position:
    """Validate and convert; raises MarginInputError(field, message)."""
    fields = _object(data, "", POSITION_FIELDS, REQUIRED)
    values: dict[str, Any] = {}
    for name, raw in fields.items():
        if name == "other_positions":
            values[name] = _others(raw)
        elif name == "tiers":
            values[name] = _tiers(raw, "tiers", hyperliquid=_tiers_by_max_leverage(fields.get("venue")))
        else:
            values[name] = _scalar(name, raw, name)
    fee = values.get("taker_fee", 0.0)
    if values.get("mmr", 0.0) + fee >= 1.0:
        raise MarginInputError("taker_fee", "mmr + taker_fee must stay below 1")
    for index, tier in enumerate(values.get("tiers") or ()):
        if tier.mmr + fee >= 1.0:
            raise MarginInputError(f"tiers[{index}].mmr", "mmr + taker_fee must stay below 1")
    return Position(**values)


def _object(data: object, prefix: str, allowed: frozenset[str], required: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise MarginInputError(prefix.rstrip(".") or "input", "must be a JSON object")
    for name in data:
        if name not in allowed:
            raise MarginInputError(prefix + str(name), "unknown field")
    for name in required:
        if data.get(name) is None:
            raise MarginInputError(prefix + name, "required")
    return {name: value for name, value in data.items() if value is not None}


def _scalar(name: str, raw: object, field: str) -> object:
    if name in CHOICES:
        if raw not in CHOICES[name]:
            raise MarginInputError(field, f"must be one of {', '.join(CHOICES[name])}")
        return raw
    if name in TEXT_FIELDS:
        if not isinstance(raw, str) or not raw:
            raise MarginInputError(field, "must be a non-empty string")
        return raw
    return _number(name, raw, field)


def _number(name: str, raw: object, field: str) -> float:
    # bool is an int subclass: `true` is not a price.
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise MarginInputError(field, "must be a number")
    try:
        value = float(raw)
    except OverflowError:  # an int past ~1.8e308 (a form or mapping that skipped safe_json)
        raise MarginInputError(field, "too large for a float (above ~1.8e308)") from None
    if not math.isfinite(value):
        raise MarginInputError(field, "must be a finite number (NaN and Infinity are rejected)")
    low, inclusive, high = NUMBER_RANGES[name]
    if value < low or (value == low and not inclusive):
        raise MarginInputError(field, f"must be {'>=' if inclusive else '>'} {low:g}")
    if high is not None and value >= high:
        raise MarginInputError(field, f"must be < {high:g}")
    return value


def _others(raw: object) -> tuple[OtherPosition, ...]:
    if not isinstance(raw, list):
        raise MarginInputError("other_positions", "must be a list of objects")
    others = []
    for index, item in enumerate(raw):
        prefix = f"other_positions[{index}]."
        fields = _object(item, prefix, OTHER_FIELDS, ("side", "entry_price", "quantity"))
        values: dict[str, Any] = {}
        for name, value in fields.items():
            if name == "tiers":
                values[name] = _tiers(value, prefix + "tiers", hyperliquid=False)
            else:
                values[name] = _scalar(name, value, prefix + name)
        others.append(OtherPosition(**values))
    return tuple(others)


def _tiers(raw: object, field: str, hyperliquid: bool) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise MarginInputError(field, "must be a non-empty list of {floor, cap, mmr, maintenance_amount, max_leverage}")
    rows = []
    previous_floor = -1.0
    for index, item in enumerate(raw):
        prefix = f"{field}[{index}]."
        fields = _object(item, prefix, TIER_FIELDS, ("floor",))
        values = {name: _number(name, value, prefix + name) for name, value in fields.items()}
        mmr = values.get("mmr")
        if mmr is None:
            if not (hyperliquid and "max_leverage" in values):
                raise MarginInputError(prefix + "mmr", "required (Hyperliquid tiers may give max_leverage instead)")
            mmr = 1.0 / (2.0 * values["max_leverage"])
        floor = values["floor"]
        if floor <= previous_floor:
            raise MarginInputError(prefix + "floor", "floors must increase")
        if "cap" in values and values["cap"] <= floor:
            raise MarginInputError(prefix + "cap", "must exceed floor")
        previous_floor = floor
        rows.append((floor, values.get("cap"), mmr, values.get("maintenance_amount"), values.get("max_leverage")))
    return chain_maintenance_amounts(rows)


def _tiers_by_max_leverage(venue: object) -> bool:
    """Whether the venue's tiers may be given by maximum leverage (its rules say so)."""
    rules = VENUES.get(venue) if isinstance(venue, str) else None
    return rules is not None and rules.tiers_by_max_leverage
