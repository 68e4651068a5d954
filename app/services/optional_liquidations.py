"""Optional liquidation sources (a venue that publishes no market-wide feed, plus a user-configured
endpoint that does: see `OptionalLiquidations`): which are turned on, and their connection details with
the API key read from the OS keyring, off the loop thread. No Qt; the key is never logged or kept here
beyond the connection spec that presents it."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable

from app.core.venues import registry
from app.core.venues.descriptor import LiquidationSource
from app.core.venues.protocol import WsAuth
from app.store.secrets import SecretStoreUnavailable, get_secret, set_secret
from app.store.settings import Settings

log = logging.getLogger(__name__)


def configured(settings: Settings, venues: Iterable[str]) -> tuple[str, ...]:
    """The venues of `venues` whose optional liquidation source the settings turn on (a URL is set)."""
    on = []
    for name in venues:
        venue = registry.find(name)
        optional = venue.optional_liquidations if venue is not None else None
        if optional is not None and getattr(settings, f"{optional.settings_prefix}_url", None):
            on.append(name)
    return tuple(on)


def recorded(streams: Collection[str], venues: Iterable[str]) -> tuple[str, ...]:
    """The venues whose optional liquidation stream a recording carries (the replay serves it)."""
    on = []
    for name in venues:
        venue = registry.find(name)
        optional = venue.optional_liquidations if venue is not None else None
        if optional is not None and optional.stream in streams:
            on.append(name)
    return tuple(on)


async def sources(settings: Settings, venues: Iterable[str],
                  notices: list[tuple[str, str]] | None = None) -> dict[str, LiquidationSource]:
    """The configured sources of `venues`, each with its key from the keyring (one keyring read each, in
    a worker thread). A missing key or an unusable keyring is told in `notices` as (venue, text) and the
    source connects without the key (the endpoint's refusal then shows in the venue's status)."""
    found: dict[str, LiquidationSource] = {}
    for name in configured(settings, venues):
        optional = registry.by_name(name).optional_liquidations
        assert optional is not None
        prefix = optional.settings_prefix
        url = getattr(settings, f"{prefix}_url")
        mode = getattr(settings, f"{prefix}_key_mode", "none")
        key_name = getattr(settings, f"{prefix}_key_name", "key")
        auth = None
        if mode != "none":
            try:
                key = await get_secret(optional.keyring_service, optional.keyring_name)
            except SecretStoreUnavailable as error:
                key = None
                _tell(notices, name, f"{optional.label}: API key not read ({error}); connecting without it")
            else:
                if key is None:
                    _tell(notices, name, f"{optional.label}: no API key in the keyring (service "
                                         f"{optional.keyring_service!r}); connecting without it")
            if key:
                auth = WsAuth(key, mode, key_name)
        found[name] = LiquidationSource(url, auth, optional.new_memory() if optional.new_memory else None)
        log.info("%s: optional liquidation source on (%s key)", name, mode if auth is not None else "no")
    return found


async def store_key(venue: str, key: str) -> None:
    """Keep the API key of `venue`'s optional liquidation source in the OS keyring (the only place it
    lives); raises SecretStoreUnavailable with a message safe to show."""
    optional = registry.by_name(venue).optional_liquidations
    if optional is None:
        raise ValueError(f"{venue} has no optional liquidation source")
    await set_secret(optional.keyring_service, optional.keyring_name, key)


def _tell(notices: list[tuple[str, str]] | None, venue: str, text: str) -> None:
    log.warning("%s", text)
    if notices is not None:
        notices.append((venue, text))
