"""The position panel's inputs: positions, the accounts holding them, and marks (immutable, float64).

A `Position` is what the user entered, imported or watched; its `Account` is one margin wallet
(one collateral currency): the cross positions of an account share its wallet. Marks are keyed by
(venue, symbol) and carry their own time and source; time is never read here, it is passed in.
"""

from __future__ import annotations

import msgspec

from app.core.margin.model import Contract, MarginMode, OtherPosition, PositionMode, Side, Tier

MarkKey = tuple[str, str]  # (venue, symbol)
AccountKey = tuple[str, str]  # (venue, account)
PositionKey = tuple[str, str, str, str]  # (venue, account, symbol, side): hedge legs differ by side


class ContractData(msgspec.Struct, frozen=True):
    """What the margin engine needs to know about the instrument (see `cascade margin --help`).

    Precedence of maintenance data as in the engine: mmr (+ maintenance_amount) > tiers >
    max_leverage (venues that derive the rate from it) > bundled tiers for the position's symbol.
    """

    kind: Contract = "linear"
    contract_size: float | None = None  # base per contract (OKX ctVal) or USD per inverse contract
    mmr: float | None = None
    maintenance_amount: float | None = None
    tiers: tuple[Tier, ...] | None = None
    max_leverage: float | None = None
    taker_fee: float = 0.0


class Position(msgspec.Struct, frozen=True):
    """One held position. `size` is in base units (linear), USD (inverse), or contracts when
    `contract.contract_size` is set; `entry` is the average entry price."""

    venue: str
    account: str
    symbol: str
    coin: str
    side: Side
    size: float
    entry: float
    leverage: float | None = None
    margin_mode: MarginMode = "isolated"
    isolated_margin: float | None = None
    extra_margin: float = 0.0
    contract: ContractData = ContractData()
    exchange_liquidation_price: float | None = None  # the venue's own figure, when it reports one
    label: str | None = None

    @property
    def key(self) -> PositionKey:
        return (self.venue, self.account, self.symbol, self.side)

    @property
    def mark_key(self) -> MarkKey:
        return (self.venue, self.symbol)

    @property
    def account_key(self) -> AccountKey:
        return (self.venue, self.account)

    @property
    def name(self) -> str:
        return self.label or f"{self.venue} {self.account} {self.symbol} {self.side}"


class Account(msgspec.Struct, frozen=True):
    """One margin wallet. `wallet_balance` is the cross wallet (quote, or coin for coin-margined
    accounts); `other_positions` are cross positions held there but not in the book (imported
    without a mark feed, say), counted at their own marks. `account_mode` names an account-level
    mode (e.g. a portfolio margin) whose liquidation only the exchange can report."""

    venue: str
    account: str
    wallet_balance: float | None = None
    position_mode: PositionMode = "one_way"
    account_mode: str | None = None
    other_positions: tuple[OtherPosition, ...] = ()
    label: str | None = None

    @property
    def key(self) -> AccountKey:
        return (self.venue, self.account)


class Mark(msgspec.Struct, frozen=True):
    """A mark price, when it was true (`at_ms`, market time) and where it came from."""

    price: float
    at_ms: int
    source: str
