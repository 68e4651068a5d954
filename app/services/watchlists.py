"""Watchlists for the window (Qt-free): the user's lists, each pane's scope, the tape panes' own
filters, the marks wanted for watched coins and the prices strip's figures.

The lists persist in the profile's store (live: `app/store/watchlists.py`, written off the loop by
the session); pane scopes and tape-pane filters persist in the settings. The demo keeps all of it in
memory: it never writes the user's profile (no profile lock, settings not saved), so lists made
while trying the demo go with it; it starts with one sample list so scoping can be tried at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from app.core.events import Liquidation, MarkPrice
from app.core.instruments import Instruments, canonical_coin
from app.core.tape import Tape, TapeFilter
from app.core.venues import registry
from app.core.watch_prices import CoinPrice, WatchStats
from app.core.watchlist import (
    ImportResult,
    Known,
    Watchlist,
    Watchlists,
    export_csv,
    export_json,
    parse_entries,
    parse_import,
    split_entries,
)
from app.services.settings_store import SettingsStore
from app.store.settings import TapePaneSettings

log = logging.getLogger(__name__)

CENTRAL_TAPE = "tape"
TAPE_DOCK_PREFIX = "tapeDock"
_PRICE_KINDS = ("linear_perp", "inverse_perp", "quanto_perp")


class WatchlistService:
    def __init__(self, settings: SettingsStore, venues: Callable[[], list[str]],
                 instruments: Callable[[], Instruments], persist: Callable[[list[Watchlist]], None] | None = None,
                 add_tape: Callable[[Tape], Tape] | None = None, remove_tape: Callable[[Tape], None] | None = None,
                 recent: Callable[[], list[Liquidation]] | None = None) -> None:
        self.lists = Watchlists()
        self.stats = WatchStats()
        self._settings = settings
        self._venues = venues
        self._instruments = instruments
        self._persist = persist
        self._add_tape = add_tape
        self._remove_tape = remove_tape
        self._recent = recent
        self.listeners: list[Callable[[], None]] = []  # told after every change of the lists
        self.marks_wanted: Callable[[dict[str, list[str]]], None] | None = None  # the session subscribes
        self._symbol_index: tuple[int, dict[str, dict[str, str]]] | None = None

    # --- the lists ---------------------------------------------------------------------------------

    def load(self, lists: Iterable[Watchlist]) -> None:
        """At start (from the store, or the demo's sample); scopes naming a missing list are dropped."""
        self.lists = Watchlists(lists)
        self._retrack()

    def known(self) -> Known:
        instruments = self._instruments()
        venues = self._venues()
        symbols: dict[str, set[str]] = {venue: set() for venue in venues}
        coins: set[str] = set()
        for row in instruments:
            if row.venue in symbols:
                symbols[row.venue].add(row.symbol)
                coins.add(row.coin)
        aliases = {}
        for venue in venues:
            descriptor = registry.find(venue)
            if descriptor is not None:
                aliases[descriptor.display_name.lower()] = venue
        return Known(frozenset(venues), {v: frozenset(s) for v, s in symbols.items()}, frozenset(coins), aliases)

    def all(self) -> list[Watchlist]:
        return self.lists.all()

    def get(self, watchlist_id: int | None) -> Watchlist | None:
        return self.lists.get(watchlist_id)

    def create(self, name: str, entries: str | Iterable[str] = ()) -> Watchlist:
        parsed = self._entries(entries)
        created = self.lists.create(name, parsed)
        self._changed()
        return created

    def rename(self, watchlist_id: int, name: str) -> Watchlist:
        renamed = self.lists.rename(watchlist_id, name)
        self._changed()
        return renamed

    def set_entries(self, watchlist_id: int, entries: str | Iterable[str]) -> Watchlist:
        changed = self.lists.set_entries(watchlist_id, self._entries(entries))
        self._changed()
        return changed

    def move(self, watchlist_id: int, index: int) -> Watchlist:
        moved = self.lists.move(watchlist_id, index)
        self._changed()
        return moved

    def delete(self, watchlist_id: int) -> Watchlist:
        deleted = self.lists.delete(watchlist_id)
        scopes = {pane: wid for pane, wid in self._settings.current.pane_scopes.items() if wid != watchlist_id}
        if scopes != self._settings.current.pane_scopes:
            self._settings.update(pane_scopes=scopes)  # panes scoped to it show everything again
        self._changed()
        return deleted

    def import_text(self, text: str) -> tuple[ImportResult, tuple[int, int]]:
        """All or nothing: with any problem, nothing changes. Returns (result, (added, replaced))."""
        result = parse_import(text, self.known())
        if not result.ok:
            return result, (0, 0)
        counts = self.lists.merge(result.lists)
        self._changed()
        return result, counts

    def export_text(self, fmt: str, ids: Iterable[int] | None = None) -> str:
        wanted = None if ids is None else set(ids)
        lists = [w for w in self.lists if wanted is None or w.id in wanted]
        return export_csv(lists) if fmt == "csv" else export_json(lists)

    def _entries(self, entries: str | Iterable[str]) -> tuple[str, ...]:
        texts = split_entries(entries) if isinstance(entries, str) else list(entries)
        return parse_entries(texts, self.known())

    def _changed(self) -> None:
        if self._persist is not None:
            self._persist(self.lists.all())
        self._retrack()
        for listener in list(self.listeners):
            listener()

    # --- pane scopes (persisted in the settings) ---------------------------------------------------

    def scope_of(self, pane: str) -> Watchlist | None:
        return self.lists.get(self._settings.current.pane_scopes.get(pane))

    def set_scope(self, pane: str, watchlist_id: int | None) -> None:
        scopes = dict(self._settings.current.pane_scopes)
        if watchlist_id is None or self.lists.get(watchlist_id) is None:
            scopes.pop(pane, None)
        else:
            scopes[pane] = watchlist_id
        if scopes != self._settings.current.pane_scopes:
            self._settings.update(pane_scopes=scopes)

    # --- tape panes --------------------------------------------------------------------------------

    def tape_panes(self) -> list[TapePaneSettings]:
        """The extra tape docks to build at start, in the order they were made."""
        return [pane for pane in self._settings.current.tape_panes if pane.name != CENTRAL_TAPE]

    def tape_pane(self, name: str) -> TapePaneSettings:
        found = next((p for p in self._settings.current.tape_panes if p.name == name), None)
        if found is None and name == CENTRAL_TAPE:
            return TapePaneSettings(CENTRAL_TAPE, self._settings.current.tape_min_usd)
        return found or TapePaneSettings(name)

    def new_tape_name(self) -> str:
        taken = {pane.name for pane in self._settings.current.tape_panes}
        n = 2
        while f"{TAPE_DOCK_PREFIX}{n}" in taken:
            n += 1
        return f"{TAPE_DOCK_PREFIX}{n}"

    def save_tape_pane(self, pane: TapePaneSettings) -> None:
        panes = list(self._settings.current.tape_panes)
        for index, old in enumerate(panes):
            if old.name == pane.name:
                if old == pane:
                    return
                panes[index] = pane
                break
        else:
            panes.append(pane)
        changes: dict[str, object] = {"tape_panes": panes}
        if pane.name == CENTRAL_TAPE:
            changes["tape_min_usd"] = pane.min_usd
        self._settings.update(**changes)

    def remove_tape_pane(self, name: str) -> None:
        panes = [pane for pane in self._settings.current.tape_panes if pane.name != name]
        scopes = {pane: wid for pane, wid in self._settings.current.pane_scopes.items() if pane != name}
        self._settings.update(tape_panes=panes, pane_scopes=scopes)

    def tape_filter(self, pane: TapePaneSettings, scope: Watchlist | None) -> TapeFilter:
        return TapeFilter(min_usd=pane.min_usd,
                          venues=frozenset((pane.venue,)) if pane.venue else None,
                          coins=frozenset((pane.coin,)) if pane.coin else None,
                          scope=scope.scope() if scope is not None else None)

    def new_tape(self, tape_filter: TapeFilter, max_rows: int | None = None) -> Tape:
        """A tape of its own for an extra pane, filled from what the session has seen recently."""
        tape = Tape(max_rows=max_rows or self._settings.current.tape_max_rows, tape_filter=tape_filter)
        if self._recent is not None:
            tape.push(self._recent())
        if self._add_tape is not None:
            self._add_tape(tape)
        return tape

    def drop_tape(self, tape: Tape) -> None:
        if self._remove_tape is not None:
            self._remove_tape(tape)

    # --- marks and the prices strip -----------------------------------------------------------------

    def _index(self) -> dict[str, dict[str, str]]:
        """coin -> venue -> its price symbol (a USDT linear perpetual where there is one)."""
        instruments = self._instruments()
        if self._symbol_index is not None and self._symbol_index[0] == id(instruments):
            return self._symbol_index[1]
        ranked: dict[tuple[str, str], tuple[int, str]] = {}
        for row in instruments:
            if row.kind not in _PRICE_KINDS:
                continue
            rank = (_PRICE_KINDS.index(row.kind) * 2 + (0 if (row.quote or "USDT") == "USDT" else 1))
            best = ranked.get((row.coin, row.venue))
            if best is None or (rank, row.symbol) < best:
                ranked[(row.coin, row.venue)] = (rank, row.symbol)
        index: dict[str, dict[str, str]] = {}
        for (coin, venue), (_, symbol) in ranked.items():
            index.setdefault(coin, {})[venue] = symbol
        self._symbol_index = (id(instruments), index)
        return index

    def coin_of(self, venue: str, symbol: str) -> str:
        row = self._instruments().get(venue, symbol)
        return row.coin if row is not None else canonical_coin(venue, symbol)

    def coins(self, watchlist: Watchlist) -> list[str]:
        """The coins a watchlist shows in the prices strip, in its order (a pair shows its coin)."""
        coins: list[str] = []
        for entry in watchlist.entries:
            venue, colon, symbol = entry.partition(":")
            coin = self.coin_of(venue, symbol) if colon else entry
            if coin not in coins:
                coins.append(coin)
        return coins

    def price_keys(self, watchlist: Watchlist, coin: str) -> list[tuple[str, str]]:
        """Where the strip reads `coin`'s mark, in preference order: the list's own pairs of that coin,
        then each connected venue's price symbol in venue order."""
        keys = [pair for pair in watchlist.pairs if self.coin_of(*pair) == coin]
        per_venue = self._index().get(coin, {})
        keys += [(venue, per_venue[venue]) for venue in self._venues() if venue in per_venue]
        return list(dict.fromkeys(keys))

    def watched_symbols(self) -> dict[str, list[str]]:
        """Per connected venue, the symbols whose marks the watchlists need (every list, not only the
        scoped ones: switching a strip's list must not wait for a subscription)."""
        venues = set(self._venues())
        wanted: dict[str, list[str]] = {}
        for watchlist in self.lists:
            for coin in self.coins(watchlist):
                for venue, symbol in self.price_keys(watchlist, coin):
                    if venue in venues and symbol not in wanted.setdefault(venue, []):
                        wanted[venue].append(symbol)
        return wanted

    def _retrack(self) -> None:
        wanted = self.watched_symbols()
        self.stats.track((venue, symbol) for venue, symbols in wanted.items() for symbol in symbols)
        if self.marks_wanted is not None:
            self.marks_wanted(wanted)

    def on_tick(self, liquidations: list[Liquidation], marks: list[MarkPrice], now_ms: int) -> None:
        """From the engine, once per tick."""
        if self.stats.liq_since_ms is None:
            self.stats.liq_since_ms = now_ms
        if liquidations:
            self.stats.add_liquidations(liquidations)
        if marks:
            self.stats.add_marks(marks)

    def on_refill(self, rows: list[Liquidation], since_ms: int) -> None:
        self.stats.add_liquidations(rows, since_ms=since_ms if rows else None)

    def prices(self, watchlist: Watchlist, now_ms: int) -> list[CoinPrice]:
        return [self.stats.price(coin, self.price_keys(watchlist, coin), now_ms) for coin in self.coins(watchlist)]

