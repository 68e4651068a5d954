"""Instrument metadata: contract sizes, kinds and canonical coins, from the bundled snapshot or live rows.

The bundled `resources/instruments-majors.json` is an offline fallback (see its `notes`): live metadata
merged with `Instruments.merge` wins. Values the snapshot does not know stay None, never guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, Literal

import msgspec

from app.core.events import Kind

ContractUnit = Literal["base", "usd", "quote", "quanto"]

_UNIT_ALIASES = {"base": "base", "usd": "usd", "quote": "quote"}


class Instrument(msgspec.Struct, frozen=True, gc=False):
    """One tradable contract. `contract_size` is what one unit of the venue's size field is worth: base
    coin when `contract_unit == "base"`, USD when `"usd"` (inverse). None = unknown: do not size."""

    venue: str
    symbol: str
    coin: str
    kind: Kind
    contract_size: float | None = None
    contract_unit: ContractUnit = "base"
    tick_size: float | None = None
    lot_size: float | None = None
    quote: str | None = None
    settle: str | None = None


_FIELDS = Instrument.__struct_fields__


class Instruments:
    """Immutable lookup by (venue, symbol) in O(1)."""

    __slots__ = ("_by_key",)

    def __init__(self, rows: Iterable[Instrument] = ()) -> None:
        self._by_key: dict[tuple[str, str], Instrument] = {(r.venue, r.symbol): r for r in rows}

    def get(self, venue: str, symbol: str) -> Instrument | None:
        return self._by_key.get((venue, symbol))

    def symbols(self, venue: str, kind: Kind | None = None) -> list[str]:
        return [r.symbol for r in self._by_key.values() if r.venue == venue and (kind is None or r.kind == kind)]

    def merge(self, live_rows: Iterable[Instrument | Mapping[str, Any]]) -> Instruments:
        """A new Instruments where each live row's known (non-None) fields win over the snapshot's."""
        merged = dict(self._by_key)
        for row in live_rows:
            if isinstance(row, Instrument):
                old = merged.get((row.venue, row.symbol))
                if old is not None:
                    known = {f: getattr(row, f) for f in _FIELDS if getattr(row, f) is not None}
                    row = msgspec.structs.replace(old, **known)
            else:
                venue = venue_of_snapshot(row["venue"])
                row = instrument_from_mapping(row, merged.get((venue, row["symbol"])))
            merged[(row.venue, row.symbol)] = row
        result = Instruments()
        result._by_key = merged
        return result

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_key.values())


def instrument_from_mapping(row: Mapping[str, Any], base: Instrument | None = None) -> Instrument:
    """An Instrument from a dict with Instrument field names (snapshot rows also accepted), validated.
    With `base`, the row's known (non-None) fields overlay it. Raises ValueError for a bad row."""
    fields: dict[str, Any] = msgspec.structs.asdict(base) if base is not None else {}
    venue = row["venue"]
    fields["venue"] = venue_of_snapshot(venue)
    fields["symbol"] = row["symbol"]
    unit_text = row.get("contract_unit", row.get("contract_size_unit"))
    if unit_text is not None:
        fields["contract_unit"] = _UNIT_ALIASES.get(str(unit_text).lower(), "quanto")
    for name in ("coin", "kind", "contract_size", "tick_size", "lot_size", "quote", "settle"):
        if row.get(name) is not None:
            fields[name] = row[name]
    fields.setdefault("coin", canonical_coin(fields["venue"], fields["symbol"]))
    try:
        return msgspec.convert(fields, Instrument, strict=False)
    except msgspec.ValidationError as error:
        raise ValueError(f"bad instrument row {fields.get('venue')}/{fields.get('symbol')}: {error}") from None


def venue_of_snapshot(name: str) -> str:
    """The venue a snapshot row's venue name means: a venue may file markets under other names (its
    descriptor's `snapshot_aliases`), events know only the venue."""
    return _snapshot_aliases().get(name, name)


@lru_cache(maxsize=1)
def _snapshot_aliases() -> dict[str, str]:
    # Imported on first use: the registry imports the venue modules, which import this module.
    from app.core.venues.registry import VENUES

    return {alias: venue.name for venue in VENUES for alias in venue.snapshot_aliases}


def parse_snapshot(text: str | bytes) -> Instruments:
    document = json.loads(text)
    return Instruments(instrument_from_mapping(row) for row in document["instruments"])


@lru_cache(maxsize=1)
def load_bundled() -> Instruments:
    """The bundled snapshot, read once (the module's only I/O)."""
    from app.resources import resource_path

    return parse_snapshot(resource_path("instruments-majors.json").read_bytes())


# --- canonical coins for symbols the snapshot does not know -----------------------------------------

_SUFFIXES = re.compile(
    r"(-SWAP|-PERPETUAL|_PERP|_UMCBL|_DMCBL|_CMCBL|_SUMCBL|-PERP|PERP"
    r"|[-_]\d{6}|-\d{1,2}[A-Z]{3}\d{2}"  # dated futures: _200925, -250328, -26DEC25
    r")$"
)
_QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "USDE", "USD")
_MONTH_CODE = re.compile(r"(?<=[A-Z])[FGHJKMNQUVXZ]\d{2}$")  # Bybit BTCUSDH26, BitMEX XBTZ25
_PREFIX_MULTIPLIER = re.compile(r"^(100000000|10000000|1000000|100000|10000|1000|1M|k)(?=[A-Z])")
_SUFFIX_MULTIPLIER = re.compile(r"(?<=[A-Z]{2})(1000000|100000|10000|1000)$")  # Bybit SHIB1000
_MULTIPLIERS = {"100000000": 1e8, "10000000": 1e7, "1000000": 1e6, "100000": 1e5, "10000": 1e4, "1000": 1e3,
                "1M": 1e6, "k": 1e3}
_RENAMES = {"XBT": "BTC"}
_SEPARATOR = re.compile(r"[-_/:]")


@lru_cache(maxsize=16384)
def canonical_coin(venue: str, symbol: str) -> str:
    """The canonical base coin: BTC for XBTUSD, BTC-USDT-SWAP, BTCUSD_PERP; PEPE for 1000PEPEUSDT and
    kPEPE; SHIB for SHIB1000USDT."""
    return coin_and_multiplier(_base_part(symbol))[0]


@lru_cache(maxsize=16384)
def unit_multiplier(symbol: str) -> float:
    """Coins per unit of a multiplied symbol: 1000 for 1000PEPEUSDT, kPEPE and SHIB1000USDT, else 1."""
    return coin_and_multiplier(_base_part(symbol))[1]


def coin_and_multiplier(base_asset: str) -> tuple[str, float]:
    """The canonical coin and coins per unit of a venue's base asset: ("PEPE", 1000) for 1000PEPE,
    1MBABYDOGE and SHIB1000-style names; ("BTC", 1) for BTC and XBT."""
    text = base_asset.strip()
    for pattern in (_PREFIX_MULTIPLIER, _SUFFIX_MULTIPLIER):
        match = pattern.search(text)
        if match and (coin := (text[: match.start()] + text[match.end() :]).upper()):
            return _RENAMES.get(coin, coin), _MULTIPLIERS[match.group(1)]
    coin = text.upper()
    return _RENAMES.get(coin, coin), 1.0


_PERPETUAL_PAIR = re.compile(r"^t([A-Z0-9]{2,}?)F0:[A-Z]+F0$")  # `tBTCF0:USTF0`: base, F0 (perpetual), quote


def _base_part(symbol: str) -> str:
    pair = _PERPETUAL_PAIR.match(symbol)
    if pair:
        return pair.group(1)
    text = _SUFFIXES.sub("", symbol)
    text = _SEPARATOR.split(text, 1)[0]
    text = _MONTH_CODE.sub("", text)
    for quote in _QUOTES:
        if text.endswith(quote) and len(text) > len(quote):
            return text[: -len(quote)]
    return text


