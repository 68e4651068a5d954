"""Authenticated, read-only account data through ccxt's async API (the optional `accounts` extra,
imported lazily: nothing else in the app imports ccxt, and it runs without it).

ccxt signs each request (no hand-written signing here) with its server-time adjustment on
(`adjustForTimeDifference`, the offset loaded before the first signed call) and its rate limiter on.
What to ask each venue and how to read the answers is data in app.core.venues (`<venue>_account.py`):
the key's permissions first, then positions, balances and the account's margin mode / tiers.

Secrets: the key, secret and passphrase are handed to ccxt and to nothing else. They never reach a log
(ccxt's own debug logger prints request headers, OKX's passphrase among them, so it is held at WARNING),
nor an exception text or message (`redact`). Storing keys is the services layer's job (the keyring).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from app.core.errors import KnownError
from app.core.events import AccountState
from app.core.instruments import Instruments
from app.core.venues.account_registry import account_api
from app.core.venues.accounts import AccountApi, AccountDataError, Call, Permissions

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'cascade-risk[accounts]'"
DEFAULT_TIMEOUT_S = 30.0
_HOST = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]+")
_SIGNATURE = re.compile(
    r"((?:signature|sign|apiKey|api_key|X-MBX-APIKEY|OK-ACCESS-[A-Z]+|X-BAPI-[A-Z-]+)[\"']?\s*[=:]\s*[\"']?)"
    r"[^&\s\"',}]+", re.IGNORECASE)
_QUERY = re.compile(r"(https?://[^\s?\"']+)\?[^\s\"']*")


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key. `repr` shows none of it (a traceback or a log line of this object leaks nothing)."""

    api_key: str
    secret: str
    passphrase: str | None = None

    def __repr__(self) -> str:
        return "Credentials(<redacted>)"

    def values(self) -> tuple[str, ...]:
        return tuple(value for value in (self.api_key, self.secret, self.passphrase) if value)


class AccountError(KnownError):
    """The import or refresh failed for a reason to show the user; the text holds no secret."""


class AccountsUnavailable(AccountError):
    """ccxt (the optional `accounts` extra) is not installed."""


class KeyRefused(AccountError):
    """The key can trade or move funds and the user did not insist."""

    def __init__(self, message: str, permissions: Permissions) -> None:
        super().__init__(message)
        self.permissions = permissions


@dataclass(frozen=True, slots=True)
class Fetched:
    state: AccountState
    permissions: Permissions
    skipped: tuple[str, ...] = ()


def redact(text: str, credentials: Credentials | None) -> str:
    """`text` with every credential (plain and URL-encoded), signature, key header and query string removed."""
    for value in credentials.values() if credentials is not None else ():
        for form in {value, quote(value, safe=""), quote(value)}:
            if len(form) >= 4:
                text = text.replace(form, "[REDACTED]")
    text = _QUERY.sub(r"\1?[query removed]", text)
    return _SIGNATURE.sub(r"\1[REDACTED]", text)


def load_ccxt() -> Any:
    """ccxt.async_support, imported on first use; AccountsUnavailable when the extra is missing."""
    try:
        import ccxt.async_support as ccxt_async
    except ImportError:
        raise AccountsUnavailable(
            f"Importing API keys needs ccxt, the optional 'accounts' extra: {INSTALL_HINT}") from None
    logging.getLogger("ccxt").setLevel(logging.WARNING)  # its debug lines carry request headers
    return ccxt_async


def point_at(api_urls: Any, base: str) -> Any:
    """ccxt's `urls['api']` tree with every scheme://host replaced by `base` (tests: 127.0.0.1)."""
    if isinstance(api_urls, str):
        return _HOST.sub(base.rstrip("/"), api_urls)
    if isinstance(api_urls, Mapping):
        return {key: point_at(value, base) for key, value in api_urls.items()}
    return api_urls


def _exchange(api: AccountApi, credentials: Credentials, urls: str | Mapping[str, str] | None,
              timeout_s: float) -> Any:
    ccxt_async = load_ccxt()
    config: dict[str, Any] = {
        "apiKey": credentials.api_key,
        "secret": credentials.secret,
        "enableRateLimit": True,
        "timeout": int(timeout_s * 1000),
        "options": {"adjustForTimeDifference": True, **api.ccxt_options},
    }
    if credentials.passphrase:
        config["password"] = credentials.passphrase
    exchange = getattr(ccxt_async, api.ccxt_id)(config)
    if isinstance(urls, str):
        exchange.urls["api"] = point_at(exchange.urls["api"], urls)
    elif urls:
        exchange.urls["api"] = {**exchange.urls["api"], **urls}
    _use_proxy(exchange, urls)
    return exchange


def _use_proxy(exchange: Any, urls: str | Mapping[str, str] | None) -> None:
    """The proxy setting (app.feeds.http) for ccxt's own aiohttp session too: ccxt's `http_proxy` for an
    http:// proxy, `https_proxy` for https://, `socks_proxy` for socks* (with aiohttp-socks);
    https://docs.ccxt.com/docs/examples/py/proxy-usage . Loopback endpoints (tests) directly."""
    from app.feeds import http

    proxy = http.proxy_url()
    if proxy is None or (isinstance(urls, str) and http.is_loopback(urls)):
        return
    scheme = proxy.partition(":")[0].lower()
    if scheme.startswith("socks"):
        exchange.socks_proxy = proxy
    elif scheme == "https":
        exchange.https_proxy = proxy
    else:
        exchange.http_proxy = proxy


async def _call(exchange: Any, call: Call) -> Any:
    return await getattr(exchange, call.method)(dict(call.params))


def _api(venue: str) -> AccountApi:
    api = account_api(venue)
    if api is None:
        raise AccountError(f"Cascade cannot import {venue} keys")
    return api


def check_credentials(api: AccountApi, credentials: Credentials) -> None:
    if not credentials.api_key.strip() or not credentials.secret.strip():
        raise AccountError("Enter both the API key and its secret.")
    if api.needs_passphrase and not (credentials.passphrase or "").strip():
        raise AccountError(f"{api.display_name} keys need their passphrase too.")


async def fetch_account(
    venue: str,
    credentials: Credentials,
    *,
    label: str = "default",
    insist: bool = False,
    urls: str | Mapping[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    instruments: Instruments | None = None,
    now_ms: int | None = None,
) -> Fetched:
    """Read the key's permissions, refuse a key that can trade or move funds (unless `insist`), then
    fetch the account. Raises AccountError (KeyRefused, AccountsUnavailable) with a secret-free text."""
    api = _api(venue)
    check_credentials(api, credentials)
    exchange = _exchange(api, credentials, urls, timeout_s)
    try:
        async with asyncio.timeout(timeout_s):
            return await _fetch(api, exchange, label, insist, instruments, now_ms)
    except AccountError:
        raise
    except TimeoutError:
        raise AccountError(f"{api.display_name} did not answer within {timeout_s:g} s.") from None
    except AccountDataError as error:
        raise AccountError(f"{api.display_name} sent an unexpected answer: {redact(str(error), credentials)}") from None
    except Exception as error:
        raise _explained(api, error, credentials) from None
    finally:
        await exchange.close()


async def _fetch(api: AccountApi, exchange: Any, label: str, insist: bool, instruments: Instruments | None,
                 now_ms: int | None) -> Fetched:
    await exchange.load_time_difference()
    raw_permissions = await _call(exchange, api.permissions_call)
    permissions = api.read_permissions(raw_permissions)
    refusal = permissions.refusal(api.display_name)
    if refusal is not None and (not insist or not permissions.can_read):
        raise KeyRefused(refusal, permissions)
    answers: dict[str, Any] = {api.permissions_call.name: raw_permissions}
    for call in api.calls:
        answers[call.name] = await _call(exchange, call)
    skipped: list[str] = []
    ts_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    state = api.build(answers, label, ts_ms, instruments, skipped)
    return Fetched(state, permissions, tuple(skipped))


def _explained(api: AccountApi, error: BaseException, credentials: Credentials) -> AccountError:
    """A ccxt (or any) exception as a message for the user, with every secret removed."""
    ccxt_errors = load_ccxt()
    detail = redact(f"{type(error).__name__}: {error}", credentials)[:400]
    name = api.display_name
    if isinstance(error, ccxt_errors.AuthenticationError):
        text = f"{name} rejected the key (wrong key, secret or passphrase, or an IP restriction): {detail}"
    elif isinstance(error, ccxt_errors.PermissionDenied):
        text = f"{name} refused the request for this key: {detail}"
    elif isinstance(error, ccxt_errors.NetworkError):
        text = f"Could not reach {name}: {detail}"
    elif isinstance(error, ccxt_errors.BaseError):
        text = f"{name} answered with an error: {detail}"
    else:
        log.error("account import from %s failed unexpectedly: %s", api.venue, detail)
        text = f"Importing from {name} failed unexpectedly: {detail}"
    return AccountError(text)
