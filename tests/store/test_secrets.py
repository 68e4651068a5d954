"""Keyring wrapper: roundtrip off the loop, failures as SecretStoreUnavailable, secrets never logged."""

from __future__ import annotations

import logging
import threading

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from app.core.errors import KnownError
from app.store.secrets import (
    SecretStoreUnavailable,
    backend_description,
    delete_secret,
    get_secret,
    set_secret,
    trust_backend_class,
)

SECRET = "s3cr3t-VALUE-9f8e7d6c5b4a"


async def test_roundtrip_through_the_memory_backend(memory_keyring: KeyringBackend) -> None:
    assert await get_secret("cascade/binance", "api_secret") is None
    await set_secret("cascade/binance", "api_secret", SECRET)
    assert await get_secret("cascade/binance", "api_secret") == SECRET
    await delete_secret("cascade/binance", "api_secret")
    assert await get_secret("cascade/binance", "api_secret") is None
    await delete_secret("cascade/binance", "api_secret")  # deleting nothing is fine


async def test_calls_run_off_the_event_loop_thread(memory_keyring: KeyringBackend, monkeypatch) -> None:
    threads: list[threading.Thread] = []

    def spy(service: str, name: str) -> str | None:
        threads.append(threading.current_thread())
        return None

    monkeypatch.setattr(memory_keyring, "get_password", spy)
    await get_secret("cascade", "x")
    assert threads and threads[0] is not threading.main_thread()


@pytest.mark.parametrize("call", ["get", "set", "delete"])
async def test_fail_backend_becomes_secret_store_unavailable(call: str, caplog) -> None:
    keyring.set_keyring(fail.Keyring())
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SecretStoreUnavailable) as info:
        if call == "get":
            await get_secret("cascade/bybit", "api_secret")
        elif call == "set":
            await set_secret("cascade/bybit", "api_secret", SECRET)
        else:
            await delete_secret("cascade/bybit", "api_secret")
    assert isinstance(info.value, KnownError)
    assert "No system keyring" in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert SECRET not in caplog.text


async def test_null_backend_is_refused() -> None:
    keyring.set_keyring(null.Keyring())
    with pytest.raises(SecretStoreUnavailable, match="disabled"):
        await set_secret("cascade", "k", SECRET)


async def test_keyrings_alt_file_backends_are_refused() -> None:
    plaintext = type("PlaintextKeyring", (KeyringBackend,), {
        "__module__": "keyrings.alt.file", "priority": 1,
        "get_password": lambda self, s, n: None, "set_password": lambda self, s, n, p: None,
        "delete_password": lambda self, s, n: None,
    })
    keyring.set_keyring(plaintext())
    with pytest.raises(SecretStoreUnavailable, match="refuses"):
        await set_secret("cascade", "k", SECRET)


async def test_a_backend_error_echoing_the_secret_is_redacted(caplog) -> None:
    class Leaky(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.PasswordSetError(f"cannot store {password!r} for {username}")

        def delete_password(self, service: str, username: str) -> None:
            raise keyring.errors.PasswordDeleteError("not found")

    trust_backend_class(Leaky)  # not an encrypting backend: allowed only to test error redaction
    keyring.set_keyring(Leaky())
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SecretStoreUnavailable) as info:
        await set_secret("cascade/okx", "passphrase", SECRET)
    assert SECRET not in str(info.value) and "[REDACTED]" in str(info.value)
    assert SECRET not in caplog.text
    await delete_secret("cascade/okx", "passphrase")  # "not found" from a backend is not an error


async def test_the_secret_never_appears_in_logs(memory_keyring: KeyringBackend, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    await set_secret("cascade/okx", "api_secret", SECRET)
    await get_secret("cascade/okx", "api_secret")
    await delete_secret("cascade/okx", "api_secret")
    assert "api_secret" in caplog.text  # it does log what happened…
    assert SECRET not in caplog.text  # …but never the value


def test_backend_description_names_the_backend(memory_keyring: KeyringBackend) -> None:
    assert "MemoryKeyring" in backend_description()
