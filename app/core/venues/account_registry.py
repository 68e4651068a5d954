"""The venues whose accounts Cascade imports with a read-only key, and the venues whose tier tables it
fetches: the one list the import, the poller, the dialog and the tier fetch read."""

from __future__ import annotations

from app.core.margin import hyperliquid
from app.core.venues import binance_account, bybit_account, bybit_tiers, okx_account, okx_tiers
from app.core.venues.accounts import AccountApi
from app.core.venues.tier_tables import PublicTiers

ACCOUNT_APIS: tuple[AccountApi, ...] = (binance_account.API, bybit_account.API, okx_account.API)
PUBLIC_TIERS: tuple[PublicTiers, ...] = (bybit_tiers.PUBLIC_TIERS, okx_tiers.PUBLIC_TIERS, hyperliquid.PUBLIC_TIERS)


def account_api(venue: str) -> AccountApi | None:
    return next((api for api in ACCOUNT_APIS if api.venue == venue), None)


def public_tiers(venue: str) -> PublicTiers | None:
    return next((tiers for tiers in PUBLIC_TIERS if tiers.venue == venue), None)
