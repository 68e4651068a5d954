"""Refreshes imported accounts every `interval_s` into the FeedSink, as `AccountState`s (source "poll").

Each round reads each account's key from the keyring (off the loop thread) and fetches the account
through app.feeds.accounts; a failure is logged and offered as a `VenueNotice` (text free of secrets),
and the next round tries again. The key is never kept between rounds.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path

import msgspec

from app.core.events import AccountState, VenueNotice
from app.core.timing import Timing
from app.feeds.accounts import AccountError, Credentials, fetch_account
from app.feeds.sink import FeedSink
from app.services.accounts import load_credentials, with_cached_tiers
from app.store.secrets import SecretStoreUnavailable

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 60.0
Fetch = Callable[[str, str, Credentials], Awaitable[AccountState]]
Load = Callable[[str, str], Awaitable[Credentials | None]]


class AccountPoller:
    def __init__(
        self,
        sink: FeedSink,
        accounts: Iterable[tuple[str, str]] = (),
        interval_s: float = DEFAULT_INTERVAL_S,
        *,
        urls: Mapping[str, str] | None = None,
        timing: Timing | None = None,
        fetch: Fetch | None = None,
        load: Load = load_credentials,
        tier_cache_dir: Path | None = None,
    ) -> None:
        self.sink = sink
        self.accounts: list[tuple[str, str]] = list(dict.fromkeys(accounts))
        self.interval_s = interval_s
        self.urls = urls or {}  # per venue: a base URL ccxt is pointed at (tests, settings overrides)
        self.timing = timing or Timing()
        self._fetch = fetch or self._fetch_with_ccxt
        self._load = load
        self.tier_cache_dir = tier_cache_dir  # cached public tiers fill positions the venue gave none for
        self.rounds = 0
        self.errors: dict[tuple[str, str], str] = {}

    def add(self, venue: str, label: str) -> None:
        if (venue, label) not in self.accounts:
            self.accounts.append((venue, label))

    def remove(self, venue: str, label: str) -> None:
        if (venue, label) in self.accounts:
            self.accounts.remove((venue, label))
        self.errors.pop((venue, label), None)

    async def run(self) -> None:
        """Poll until cancelled."""
        while True:
            await self.poll_once()
            await self.timing.sleep(self.interval_s)

    async def poll_once(self) -> int:
        """One round over every account; returns how many states reached the sink."""
        offered = 0
        for venue, label in list(self.accounts):
            try:
                credentials = await self._load(venue, label)
                if credentials is None:
                    raise AccountError(f"no key for {venue} ({label}) in the keyring")
                state = await self._fetch(venue, label, credentials)
            except (AccountError, SecretStoreUnavailable) as error:
                self._failed(venue, label, str(error))
                continue
            except Exception as error:  # a bug must not stop the other accounts' refresh
                self._failed(venue, label, f"unexpected {type(error).__name__}")
                continue
            self.errors.pop((venue, label), None)
            self.sink.offer(venue, [msgspec.structs.replace(state, source="poll")])
            offered += 1
        self.rounds += 1
        return offered

    def _failed(self, venue: str, label: str, text: str) -> None:
        log.warning("refreshing %s account %s failed: %s", venue, label, text)
        self.errors[(venue, label)] = text
        self.sink.offer(venue, [VenueNotice(venue, "warning", "account-refresh", f"{label}: {text}")])

    async def _fetch_with_ccxt(self, venue: str, label: str, credentials: Credentials) -> AccountState:
        # A key imported with "insist" stays allowed: the user accepted it once.
        fetched = await fetch_account(venue, credentials, label=label, insist=True, urls=self.urls.get(venue))
        if self.tier_cache_dir is None:
            return fetched.state
        return with_cached_tiers(fetched.state, self.tier_cache_dir)
