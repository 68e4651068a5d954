"""From the position form's fields to a `Position` (and the cross account it needs), or one error
message per field. Pure: the form shows each message beside its field.

Checks, in the engine's own terms so no second formula creeps in: numbers parse and are positive; the
symbol is one the venue lists (instrument metadata); the venue's maintenance data is known (bundled
tiers for the symbol, or the maintenance rate the user typed); then the margin engine computes the
position at its entry price and its flags are errors: leverage above the tier's maximum
(`FLAG_LEVERAGE_ABOVE_MAX`), liquidated at entry (`FLAG_LIQUIDATED_AT_ENTRY`), or an input it refuses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec

from app.core.instruments import Instruments
from app.core.margin.engine import compute, venue_rules
from app.core.margin.model import FLAG_LEVERAGE_ABOVE_MAX, FLAG_LIQUIDATED_AT_ENTRY, MarginInputError
from app.core.positions import Account, ContractData, Position
from app.core.positions.book import margin_input

FIELDS = ("venue", "account", "symbol", "side", "size", "entry", "leverage", "margin_mode", "isolated_margin",
          "mmr_pct", "wallet")
DEFAULT_ACCOUNT = "manual"
# The engine's field names (MarginInputError.field) mapped to the form's.
_ENGINE_FIELDS = {
    "entry_price": "entry", "entry": "entry", "quantity": "size", "size": "size", "leverage": "leverage",
    "isolated_margin": "isolated_margin", "mmr": "mmr_pct", "contract.mmr": "mmr_pct", "tiers": "mmr_pct",
    "wallet_balance": "wallet", "account": "wallet", "contract": "symbol", "side": "side", "venue": "venue",
    "margin_mode": "margin_mode",
}


class PositionFields(msgspec.Struct, frozen=True):
    """The form's text as typed (numbers as strings; empty = not given)."""

    venue: str
    symbol: str
    side: str
    size: str
    entry: str
    leverage: str = ""
    margin_mode: str = "isolated"
    isolated_margin: str = ""
    mmr_pct: str = ""  # maintenance margin rate in %, for venues without bundled tiers for the symbol
    wallet: str = ""  # the account's wallet balance (cross only)
    account: str = DEFAULT_ACCOUNT


class PositionInput(msgspec.Struct, frozen=True):
    position: Position | None
    account: Account | None  # the cross wallet to save with the position
    errors: dict[str, str]  # form field -> message; empty when `position` is set

    @property
    def ok(self) -> bool:
        return self.position is not None and not self.errors


def fields_of(position: Position, account: Account | None = None) -> PositionFields:
    """A held position back as form text (Edit…)."""
    mmr = position.contract.mmr
    return PositionFields(
        venue=position.venue, symbol=position.symbol, side=position.side, size=f"{position.size:g}",
        entry=f"{position.entry:g}", leverage="" if position.leverage is None else f"{position.leverage:g}",
        margin_mode=position.margin_mode,
        isolated_margin="" if position.isolated_margin is None else f"{position.isolated_margin:g}",
        mmr_pct="" if mmr is None else f"{mmr * 100:g}",
        wallet="" if account is None or account.wallet_balance is None else f"{account.wallet_balance:g}",
        account=position.account,
    )


def needs_mmr(venue: str, symbol: str, instruments: Instruments) -> bool:
    """True when the engine has no maintenance data of its own for this symbol (the form asks for MMR)."""
    instrument = instruments.get(venue, symbol)
    contract = "inverse" if instrument is not None and instrument.kind.startswith("inverse") else "linear"
    try:
        rules = venue_rules(venue)
    except MarginInputError:
        return True
    return rules.bundled(symbol, contract) is None


def parse_position(fields: PositionFields, instruments: Instruments, venues: Sequence[str]) -> PositionInput:
    errors: dict[str, str] = {}
    venue = fields.venue.strip()
    if venue not in venues:
        errors["venue"] = f"choose one of {', '.join(venues)}"
    symbol = fields.symbol.strip().upper() if venue else fields.symbol.strip()
    instrument = instruments.get(venue, symbol) or instruments.get(venue, fields.symbol.strip())
    if instrument is not None:
        symbol = instrument.symbol
    if "venue" not in errors and not symbol:
        errors["symbol"] = "enter a symbol"
    elif "venue" not in errors and instrument is None:
        examples = ", ".join(instruments.symbols(venue)[:3])
        errors["symbol"] = f"not a {venue} instrument we know" + (f" (e.g. {examples})" if examples else "")
    side = fields.side.strip().lower()
    if side not in ("long", "short"):
        errors["side"] = "long or short"
    mode = fields.margin_mode.strip().lower()
    if mode not in ("isolated", "cross"):
        errors["margin_mode"] = "isolated or cross"
    size = _positive(fields.size, "size", errors, required=True)
    entry = _positive(fields.entry, "entry", errors, required=True)
    leverage = _positive(fields.leverage, "leverage", errors)
    isolated_margin = _positive(fields.isolated_margin, "isolated_margin", errors)
    mmr_pct = _positive(fields.mmr_pct, "mmr_pct", errors)
    wallet = _positive(fields.wallet, "wallet", errors)
    if mmr_pct is not None and mmr_pct >= 100:
        errors["mmr_pct"] = "a rate in %, below 100"
    if mode == "isolated" and leverage is None and isolated_margin is None and "leverage" not in errors \
            and "isolated_margin" not in errors:
        errors["leverage"] = "give the leverage or the isolated margin"
    if mode == "cross" and wallet is None and "wallet" not in errors:
        errors["wallet"] = "a cross position needs the account's wallet balance"
    if instrument is not None and "venue" not in errors and mmr_pct is None and "mmr_pct" not in errors \
            and needs_mmr(venue, symbol, instruments):
        errors["mmr_pct"] = f"no bundled tiers for {symbol}: enter the maintenance margin rate (%)"
    if errors:
        return PositionInput(None, None, errors)
    assert instrument is not None and size is not None and entry is not None
    account_name = fields.account.strip() or DEFAULT_ACCOUNT
    inverse = instrument.kind.startswith("inverse")
    contract = ContractData(kind="inverse" if inverse else "linear",
                            mmr=None if mmr_pct is None else mmr_pct / 100.0)
    position = Position(
        venue=venue, account=account_name, symbol=symbol, coin=instrument.coin, side=side,  # type: ignore[arg-type]
        size=size, entry=entry, leverage=leverage, margin_mode=mode,  # type: ignore[arg-type]
        isolated_margin=isolated_margin if mode == "isolated" else None, contract=contract,
    )
    account = Account(venue, account_name, wallet_balance=wallet) if mode == "cross" else None
    return _engine_check(position, account)


def _engine_check(position: Position, account: Account | None) -> PositionInput:
    """The engine at the entry price: its refusals and flags become field errors."""
    accounts = {} if account is None else {account.key: account}
    try:
        prepared = margin_input(0, [position], accounts, {})
        result = compute(prepared.margin)
    except MarginInputError as error:
        field = _ENGINE_FIELDS.get(error.field, error.field.split(".")[-1])
        return PositionInput(None, None, {field if field in FIELDS else "size": error.message})
    errors: dict[str, str] = {}
    if FLAG_LEVERAGE_ABOVE_MAX in result.flags:
        note = next((n for n in result.notes if n.startswith("leverage")), "above the tier's maximum")
        errors["leverage"] = note
    if FLAG_LIQUIDATED_AT_ENTRY in result.flags:
        field = "isolated_margin" if position.isolated_margin is not None else "leverage"
        errors.setdefault(field, "liquidated at entry: the margin does not cover maintenance at the entry price "
                                 "(lower the leverage or add margin)")
    if errors:
        return PositionInput(None, None, errors)
    return PositionInput(position, account, {})


def _positive(text: str, field: str, errors: dict[str, str], required: bool = False) -> float | None:
    cleaned = text.strip().replace(",", "").replace("_", "")
    if not cleaned:
        if required:
            errors[field] = "required"
        return None
    try:
        value = float(cleaned)
    except ValueError:
        errors[field] = f"not a number: {text.strip()!r}"
        return None
    if not math.isfinite(value) or value <= 0:
        errors[field] = "must be a positive number"
        return None
    return value
