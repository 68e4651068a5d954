"""Open interest into USD with instrument metadata (pure): one helper every venue's OI parser shares.

Venues state OI in different units: contracts (OKX `oi`), the symbol's base asset (Binance
`openInterest`, Bybit linear `singleOpenInterest`: 1000PEPEUSDT counts thousands of PEPE), or USD (Bybit
inverse, OKX `oiUsd`). `base_qty` is always canonical coins, `usd` always dollars; a figure that cannot
be converted (no contract size, no price) is not guessed: the helper returns None.
"""

from __future__ import annotations

from typing import Literal

from app.core.events import OpenInterest
from app.core.instruments import Instrument, canonical_coin, unit_multiplier

Unit = Literal["contracts", "base", "usd"]


def open_interest(venue: str, symbol: str, amount: float, unit: Unit, ts_ms: int, price: float | None,
                  instrument: Instrument | None = None) -> OpenInterest | None:
    """`amount` of `unit` at `price` (USD per unit of the symbol's base asset, e.g. per 1000 PEPE)."""
    coin = instrument.coin if instrument is not None else canonical_coin(venue, symbol)
    multiplier = unit_multiplier(symbol)  # canonical coins per unit of the symbol's base asset
    if unit == "contracts":
        if instrument is None or instrument.contract_size is None:
            return None
        if instrument.contract_unit == "usd":
            amount, unit = amount * instrument.contract_size, "usd"
        elif instrument.contract_unit == "base":
            # contract_size counts canonical coins: back to the symbol's units for the price.
            amount, unit = amount * instrument.contract_size / multiplier, "base"
        else:
            return None
    if unit == "usd":
        if price is None or price <= 0:
            return None
        return OpenInterest(venue, symbol, coin, amount / price * multiplier, amount, ts_ms)
    if price is None or price <= 0:
        return None
    return OpenInterest(venue, symbol, coin, amount * multiplier, amount * price, ts_ms)
