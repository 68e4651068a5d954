"""Importing an account with a read-only API key: verify the key, fetch the account, keep the key in the
OS keyring (only there: one entry per venue + label) so the poller can refresh it.

`import_account` never raises for the user's environment (a refused key, a network failure, no keyring):
it returns an `ImportResult` whose `message` says what happened, free of any secret.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import msgspec

from app.core.events import AccountState
from app.core.instruments import Instruments
from app.core.margin.tiers import tiers_from_table
from app.core.venues.accounts import Permissions
from app.feeds.accounts import AccountError, Credentials, KeyRefused, fetch_account, redact
from app.feeds.tiers import load_cache
from app.store.secrets import SecretStoreUnavailable, get_secret, set_secret

log = logging.getLogger(__name__)

KEYRING_SERVICE_PREFIX = "cascade/account"
KEYRING_NAME = "credentials"
Status = Literal["imported", "refused", "failed"]


def keyring_service(venue: str, label: str) -> str:
    """The keyring service of one imported key: per venue and label."""
    return f"{KEYRING_SERVICE_PREFIX}/{venue}/{label}"


@dataclass(frozen=True, slots=True)
class ImportResult:
    venue: str
    label: str
    status: Status
    message: str
    state: AccountState | None = None
    permissions: Permissions | None = None
    stored: bool = False
    skipped: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.status == "imported"


async def import_account(
    venue: str,
    api_key: str,
    secret: str,
    passphrase: str | None = None,
    *,
    insist: bool = False,
    urls: str | Mapping[str, str] | None = None,
    label: str = "default",
    store: bool = True,
    timeout_s: float = 30.0,
    instruments: Instruments | None = None,
    tier_cache_dir: Path | None = None,
) -> ImportResult:
    """Verify and import one key (see the module docstring). `urls` points ccxt at other hosts (tests);
    positions the venue reported no tiers for get the cached public table of their symbol, if any."""
    credentials = Credentials(api_key.strip(), secret.strip(), (passphrase or "").strip() or None)
    label = label.strip() or "default"
    try:
        fetched = await fetch_account(venue, credentials, label=label, insist=insist, urls=urls,
                                      timeout_s=timeout_s, instruments=instruments)
    except KeyRefused as refused:
        log.info("%s key refused: it can trade or move funds (%s)", venue,
                 ", ".join((*refused.permissions.trade, *refused.permissions.withdraw)))
        return ImportResult(venue, label, "refused", str(refused), permissions=refused.permissions)
    except AccountError as error:
        message = redact(str(error), credentials)
        log.warning("%s account import failed: %s", venue, message)
        return ImportResult(venue, label, "failed", message)
    except Exception as error:  # a bug: keep the app up, and the secret out of the text
        message = redact(f"{type(error).__name__}: {error}", credentials)
        log.error("%s account import failed unexpectedly: %s", venue, message)
        return ImportResult(venue, label, "failed", f"Import failed unexpectedly: {message}")

    state = fetched.state if tier_cache_dir is None else with_cached_tiers(fetched.state, tier_cache_dir)
    count = len(state.positions)
    text = f"Imported {count} position{'s' if count != 1 else ''} from {venue} ({label})."
    if not fetched.permissions.read_only:
        text += " Warning: this key can trade or move funds; you insisted on importing it."
    if fetched.skipped:
        text += " Left out: " + "; ".join(fetched.skipped) + "."
    stored = False
    if store:
        try:
            await save_credentials(venue, label, credentials)
            stored = True
            text += " The key is kept in the system keyring."
        except SecretStoreUnavailable as error:
            text += (" The key was NOT saved, nothing was stored, and the account will not refresh: "
                     f"{redact(str(error), credentials)}")
    log.info("%s account %s imported: %d positions, key stored: %s", venue, label, count, stored)
    return ImportResult(venue, label, "imported", text, state, fetched.permissions, stored, fetched.skipped)


def with_cached_tiers(state: AccountState, cache_dir: Path) -> AccountState:
    """`state` with each tier-less position given its symbol's cached public tiers (app.feeds.tiers), when
    the cached table is by notional (a table by size stays with the venue's rules)."""
    tables = load_cache(cache_dir, state.account.venue).get("tables", {})
    positions = []
    for position in state.positions:
        tiers = tiers_from_table(tables.get(position.symbol), position.contract.kind)
        if position.contract.tiers is None and tiers:
            position = msgspec.structs.replace(
                position, contract=msgspec.structs.replace(position.contract, tiers=tiers))
        positions.append(position)
    return msgspec.structs.replace(state, positions=tuple(positions))


async def save_credentials(venue: str, label: str, credentials: Credentials) -> None:
    value = json.dumps({"api_key": credentials.api_key, "secret": credentials.secret,
                        "passphrase": credentials.passphrase})
    await set_secret(keyring_service(venue, label), KEYRING_NAME, value)


async def load_credentials(venue: str, label: str) -> Credentials | None:
    """The stored key of (venue, label), or None. Raises SecretStoreUnavailable without a keyring."""
    raw = await get_secret(keyring_service(venue, label), KEYRING_NAME)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return Credentials(str(data["api_key"]), str(data["secret"]), data.get("passphrase") or None)
    except (ValueError, KeyError, TypeError):
        log.warning("the keyring entry of %s/%s is not a Cascade key; ignored", venue, label)
        return None
