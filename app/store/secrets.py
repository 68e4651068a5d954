"""API secrets in the OS keyring only, called off the event loop (a backend may prompt or block).

Every failure becomes `SecretStoreUnavailable` with a message for the user. The secret value never
appears in logs or exception text. Only backends known to encrypt are used (an allow-list): keyrings.alt's
file backends (base64 "plaintext" on disk), a third-party store or the null/fail backends are refused
rather than used silently.
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


# Backends that keep secrets in the OS's encrypted store. An allow-list, so an unknown third-party
# backend (possibly plaintext) is refused, not trusted by default.
ENCRYPTING_BACKENDS = frozenset({
    "keyring.backends.SecretService.Keyring",  # GNOME Keyring, KeePassXC… over D-Bus
    "keyring.backends.libsecret.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.kwallet.DBusKeyringKWallet4",
    "keyring.backends.macOS.Keyring",  # Keychain
    "keyring.backends.Windows.WinVaultKeyring",  # Credential Manager / credential locker
})
CHAINER_BACKEND = "keyring.backends.chainer.ChainerBackend"  # allowed when all its members are
_trusted_classes: set[type[KeyringBackend]] = set()


def trust_backend_class(backend_class: type[KeyringBackend]) -> None:
    """Allow one more backend class (the tests' in-memory keyring); never for plaintext stores."""
    _trusted_classes.add(backend_class)


def backend_refusal(backend: KeyringBackend) -> str | None:
    """Why this backend may not hold API keys (a message for the user), or None when it may."""
    name = _qualified(backend)
    if name == CHAINER_BACKEND:
        members = list(getattr(backend, "backends", None) or ())
        if not members:
            return f"No system keyring is available. {_HELP}"
        return next(filter(None, map(backend_refusal, members)), None)
    if type(backend) in _trusted_classes or name in ENCRYPTING_BACKENDS:
        return None
    if name == "keyring.backends.fail.Keyring":
        return f"No system keyring is available. {_HELP}"
    if name == "keyring.backends.null.Keyring":
        return f"The keyring is disabled (null backend). {_HELP}"
    if name.startswith("keyrings.alt"):
        return (f"The keyring backend {name} stores secrets in a file, not in the system keyring; Cascade "
                f"refuses it. Uninstall keyrings.alt. {_HELP}")
    return f"The keyring backend {name} is not one known to encrypt secrets; Cascade refuses it. {_HELP}"


def _qualified(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


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
    return _qualified(backend)


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
    refusal = backend_refusal(backend)
    if refusal is not None:
        log.warning("keyring unavailable: %s", refusal)
        raise SecretStoreUnavailable(refusal) from None
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
