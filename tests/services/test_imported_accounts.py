"""Accounts imported with a read-only key: listed (venue, label; never the key) in the settings, refreshed
by an AccountPoller the live session starts, a missing key told as a lasting notice, and "Forget"
deleting the keyring entry."""

from __future__ import annotations

import asyncio

from app.core.events import AccountState
from app.core.positions import Account
from app.feeds.accounts import Credentials
from app.services.accounts import KEYRING_NAME, keyring_service, load_credentials, save_credentials
from app.services.runtime import FeedRuntime
from app.store.secrets import get_secret


async def _settle(session) -> None:  # type: ignore[no-untyped-def]
    for _ in range(100):
        if not session._tasks:
            return
        await asyncio.sleep(0.01)


async def test_imported_accounts_are_listed_refreshed_and_forgotten() -> None:
    from app.services.session import LiveSession
    from app.store.paths import profile_paths

    profile = profile_paths("imported-test").ensure()
    session = LiveSession(profile)
    await save_credentials("okx", "main", Credentials("key-123", "secret-456", "pass"))
    session.remember_imported("okx", "main")  # before start: listed only
    session.remember_imported("okx", "gone")  # its key is not in the keyring
    await session.store.flush()
    text = (profile.settings_file).read_text()
    assert '"okx"' in text and '"main"' in text and "secret-456" not in text and "key-123" not in text

    restarted = LiveSession(profile)
    assert restarted.imported_accounts() == [("okx", "main"), ("okx", "gone")]
    restarted.runtime = FeedRuntime(clock=lambda: 0)  # not connected: only the supervisor is used
    fetched: list[tuple[str, str, str]] = []

    async def fetch(venue: str, label: str, credentials: Credentials) -> AccountState:
        fetched.append((venue, label, credentials.api_key))
        return AccountState(Account(venue, label), (), 1, "import")

    restarted._start_account_poller(restarted.imported_accounts())
    assert restarted.account_poller is not None
    restarted.account_poller._fetch = fetch
    await _settle(restarted)
    for _ in range(100):
        if fetched:
            break
        await asyncio.sleep(0.01)
    assert fetched == [("okx", "main", "key-123")]
    assert restarted.account_poller.accounts == [("okx", "main")]
    messages = restarted.messages.take()
    assert any(m.text == "key for okx/gone not in the keyring: re-import" and m.notice for m in messages)
    assert all("secret-456" not in m.text for m in messages)

    restarted.forget_imported("okx", "main")
    await _settle(restarted)
    assert restarted.imported_accounts() == [("okx", "gone")]
    assert restarted.account_poller.accounts == []
    assert await get_secret(keyring_service("okx", "main"), KEYRING_NAME) is None
    assert await load_credentials("okx", "main") is None
    await restarted.runtime.stop()
    await restarted.store.flush()


def test_the_demo_never_lists_nor_polls_an_imported_account() -> None:
    from app.services.session import DemoSession

    demo = DemoSession()
    demo.remember_imported("okx", "main")
    assert demo.imported_accounts() == [] and demo.account_poller is None
