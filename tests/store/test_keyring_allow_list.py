"""Issue 9: the keyring is an allow-list of encrypting backends; self-check warns on one that cannot store."""

from __future__ import annotations

import json

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail

from app.commands import self_check
from app.store.secrets import SecretStoreUnavailable, backend_refusal, set_secret

SECRET = "s3cr3t-VALUE-allow-list"


def _backend(module: str, name: str) -> KeyringBackend:
    cls = type(name, (KeyringBackend,), {
        "__module__": module, "__qualname__": name, "priority": 1,
        "get_password": lambda self, s, n: None, "set_password": lambda self, s, n, p: None,
        "delete_password": lambda self, s, n: None,
    })
    return cls()


async def test_an_unknown_third_party_backend_is_refused() -> None:
    # a block-list of keyrings.alt/null accepted this before
    keyring.set_keyring(_backend("keyrings.cleartext", "PlainKeyring"))
    with pytest.raises(SecretStoreUnavailable, match="not one known to encrypt"):
        await set_secret("cascade", "k", SECRET)


@pytest.mark.parametrize(
    ("module", "name"),
    [("keyring.backends.SecretService", "Keyring"), ("keyring.backends.kwallet", "DBusKeyring"),
     ("keyring.backends.macOS", "Keyring"), ("keyring.backends.Windows", "WinVaultKeyring"),
     ("keyring.backends.libsecret", "Keyring")],
)
def test_encrypting_backends_are_allowed(module: str, name: str) -> None:
    assert backend_refusal(_backend(module, name)) is None


def test_the_chainer_is_allowed_only_when_every_member_is(monkeypatch: pytest.MonkeyPatch) -> None:
    good = _backend("keyring.backends.SecretService", "Keyring")
    bad = _backend("keyrings.alt.file", "PlaintextKeyring")
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [good])
    assert backend_refusal(chainer.ChainerBackend()) is None
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [good, bad])
    assert "refuses" in (backend_refusal(chainer.ChainerBackend()) or "")
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert "No system keyring" in (backend_refusal(chainer.ChainerBackend()) or "")


@pytest.mark.parametrize("backend", [fail.Keyring(), _backend("keyrings.cleartext", "PlainKeyring")])
def test_self_check_warns_on_a_backend_that_cannot_store(backend: KeyringBackend,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    keyring.set_keyring(backend)
    assert self_check.main([]) == 0  # a warning, not a failed check
    captured = capsys.readouterr()
    assert "cannot store API keys" in json.loads(captured.out)["keyring"]["warning"]
    assert captured.err.startswith("cascade self-check: warning: keyring backend")


def test_self_check_is_quiet_on_a_usable_backend(capsys: pytest.CaptureFixture[str]) -> None:
    assert self_check.main([]) == 0
    captured = capsys.readouterr()
    assert "warning" not in json.loads(captured.out)["keyring"] and captured.err == ""


@pytest.mark.parametrize(
    "text",
    ["GET http://user:pass@example.com/v1 failed", "wss://alice:hunter2@stream.example.com:443/ws",
     "ws://bob:pw@127.0.0.1:9000/x", "https://u:p@ss@h.example/a"],
)
def test_credentials_inside_a_url_are_redacted(text: str) -> None:
    from app.store.logs import REDACTED, redact

    redacted = redact(text)
    assert REDACTED + "@" in redacted
    for secret in ("pass", "hunter2", ":pw", "u:p"):
        assert secret not in redacted.replace(REDACTED, "")
    assert redact(redacted) == redacted
