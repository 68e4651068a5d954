"""The account poller: each round reads the key from the keyring and offers the fetched state to the
sink (source "poll"); a failure becomes a VenueNotice and the next round tries again."""

from __future__ import annotations

import asyncio

import pytest

from app.core.events import AccountState, VenueNotice
from app.core.positions.model import Account
from app.core.timing import Timing
from app.feeds.accounts import AccountError, Credentials
from app.feeds.sink import FeedSink
from app.services.account_poller import AccountPoller
from app.services.accounts import save_credentials

pytestmark = pytest.mark.timeout(10)
SECRET = "poller-secret-0123456789"


def _state(venue: str, label: str) -> AccountState:
    return AccountState(Account(venue, label, wallet_balance=100.0), (), 1, "import")


async def test_poll_offers_states_and_notices(memory_keyring) -> None:
    await save_credentials("binance", "main", Credentials("key-abc", SECRET))
    seen: list[Credentials] = []
    failing = {"fail": True}

    async def fetch(venue: str, label: str, credentials: Credentials) -> AccountState:
        seen.append(credentials)
        if venue == "bybit" and failing["fail"]:
            raise AccountError(f"{venue} did not answer")
        return _state(venue, label)

    await save_credentials("bybit", "sub", Credentials("key-def", SECRET))
    sink = FeedSink()
    poller = AccountPoller(sink, [("binance", "main"), ("bybit", "sub"), ("okx", "absent")], 5.0, fetch=fetch)
    assert await poller.poll_once() == 1
    drained = sink.drain()
    assert [(s.account.venue, s.source) for s in drained.accounts] == [("binance", "poll")]
    notices = [n for n in drained.notices if isinstance(n, VenueNotice)]
    assert {n.venue for n in notices} == {"bybit", "okx"}
    assert all(SECRET not in n.text for n in notices)
    assert "no key" in poller.errors[("okx", "absent")]
    assert seen[0].secret == SECRET

    failing["fail"] = False
    poller.remove("okx", "absent")
    assert await poller.poll_once() == 2 and poller.errors == {}


async def test_run_repeats_every_interval(memory_keyring) -> None:
    await save_credentials("binance", "main", Credentials("key-abc", SECRET))
    calls = 0

    async def fetch(venue: str, label: str, credentials: Credentials) -> AccountState:
        nonlocal calls
        calls += 1
        return _state(venue, label)

    poller = AccountPoller(FeedSink(), [("binance", "main")], 60.0, timing=Timing(600.0), fetch=fetch)
    task = asyncio.create_task(poller.run())
    for _ in range(200):
        if calls >= 3:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert calls >= 3


def test_cached_public_tiers_fill_imported_positions_without_tiers(tmp_path) -> None:
    from app.core.positions.model import ContractData, Position
    from app.core.venues.bybit_tiers import PUBLIC_TIERS
    from app.core.venues.tier_tables import TierTable
    from app.feeds.tiers import write_cache
    from app.services.accounts import with_cached_tiers

    rows = ({"floor": 0.0, "cap": 2_000_000.0, "mmr": 0.005, "maintenance_amount": None, "max_leverage": 100.0},
            {"floor": 2_000_000.0, "cap": 2_600_000.0, "mmr": 0.0056, "maintenance_amount": None, "max_leverage": 90.0})
    write_cache(tmp_path, PUBLIC_TIERS, [TierTable("BTCUSDT", "linear", rows)], "2026-12-04")
    held = Position("bybit", "main", "BTCUSDT", "BTC", "long", 1.0, 90_000.0, contract=ContractData())
    other = Position("bybit", "main", "ETHUSDT", "ETH", "long", 1.0, 3_000.0, contract=ContractData())
    state = AccountState(Account("bybit", "main"), (held, other), 1, "import")
    btc, eth = with_cached_tiers(state, tmp_path).positions
    assert btc.contract.tiers is not None and btc.contract.tiers[1].maintenance_amount == pytest.approx(1200.0)
    assert eth.contract.tiers is None
