"""API secrets in the OS keyring only, called off the event loop (a backend may prompt or block).

Every failure becomes `SecretStoreUnavailable` with a message for the user. The secret value never
appears in logs or exception text, and keyrings.alt's file backends (base64 "plaintext" on disk) are
refused rather than used silently.
"""

from __future__ import annotations

import asyncio
import logging

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from app.core.errors import KnownError

log = logging.getLogger(__name__)

_HELP = ("Cascade keeps API keys only in the system keyring (Secret Service such as GNOME Keyring or "
         "KWallet on Linux, Keychain on macOS, Credential Manager on Windows).")


class SecretStoreUnavailable(KnownError):
    """No usable OS keyring, or it refused the operation. The message is safe to show and to log."""


async def get_secret(service: str, name: str) -> str | None:
    """The stored secret, or None when there is none."""
    return await asyncio.to_thread(_get, service, name)


async def set_secret(service: str, name: str, value: str) -> None:
    await asyncio.to_thread(_set, service, name, value)


async def delete_secret(service: str, name: str) -> None:
    """Remove a secret; removing one that does not exist is not an error."""
    await asyncio.to_thread(_delete, service, name)


def backend_description() -> str:
    """The keyring backend in use, for diagnostics (never a secret)."""
    try:
        backend = keyring.get_keyring()
    except Exception as exc:
        return f"unavailable ({type(exc).__name__})"
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _get(service: str, name: str) -> str | None:
    backend = _usable_backend()
    try:
        return backend.get_password(service, name)
    except (keyring.errors.KeyringError, OSError, RuntimeError) as exc:
        raise _unavailable(f"read {name}", exc, None) from None


def _set(service: str, name: str, value: str) -> None:
    backend = _usable_backend()
    try:
        backend.set_password(service, name, value)
    except (keyring.errors.KeyringError, OSError, RuntimeError) as exc:
        raise _unavailable(f"store {name}", exc, value) from None
    log.info("stored secret %s/%s in the keyring", service, name)


def _delete(service: str, name: str) -> None:
    backend = _usable_backend()
    try:
        backend.delete_password(service, name)
    except keyring.errors.PasswordDeleteError as exc:
        # Backends raise this both for "not found" and for real failures: tell them apart.
        if _get(service, name) is None:
            return
        raise _unavailable(f"delete {name}", exc, None) from None
    except (keyring.errors.KeyringError, OSError, RuntimeError) as exc:
        raise _unavailable(f"delete {name}", exc, None) from None
    log.info("deleted secret %s/%s from the keyring", service, name)


def _usable_backend() -> KeyringBackend:
    try:
        backend = keyring.get_keyring()
    except Exception as exc:
        raise _unavailable("open the keyring", exc, None) from None
    members = getattr(backend, "backends", None) or [backend]  # a ChainerBackend lists its members
    for member in members:
        module = type(member).__module__
        if module.startswith("keyrings.alt"):
            raise SecretStoreUnavailable(
                f"The keyring backend {module}.{type(member).__name__} stores secrets in a file, not in "
                f"the system keyring; Cascade refuses it. Uninstall keyrings.alt. {_HELP}")
        if module == "keyring.backends.null":
            raise SecretStoreUnavailable(f"The keyring is disabled (null backend). {_HELP}")
    return backend


def _unavailable(action: str, exc: BaseException, secret: str | None) -> SecretStoreUnavailable:
    detail = str(exc)
    if secret:
        detail = detail.replace(secret, "[REDACTED]")
    if isinstance(exc, keyring.errors.NoKeyringError):
        text = f"No system keyring is available, so Cascade cannot {action}. {_HELP}"
    else:
        text = f"The system keyring could not {action}: {type(exc).__name__}: {detail}"
    log.warning("keyring unavailable: %s", text)
    return SecretStoreUnavailable(text)
