"""The watchlists table: created by the history's migrations, saved whole, read back in order."""

from __future__ import annotations

import sqlite3

import pytest

from app.core.watchlist import Watchlist
from app.store.db import MIGRATIONS, HistoryDb
from app.store.watchlists import WatchlistStore, WatchlistStoreError


def test_lists_round_trip_in_order_through_the_history_file(tmp_path) -> None:
    path = tmp_path / "history.sqlite3"
    HistoryDb.open(path).close()
    store = WatchlistStore.open(path)
    lists = [Watchlist(3, "Zeta", ("BTC", "bybit:SOLUSDT")), Watchlist(1, "Alpha", ())]
    store.save_all(lists)
    store.close()
    again = WatchlistStore.open(path)
    assert again.load() == lists
    again.save_all(lists[1:])
    assert again.load() == lists[1:]
    again.close()


def test_a_file_migrated_from_the_previous_schema_gains_the_table(tmp_path) -> None:
    path = tmp_path / "history.sqlite3"
    HistoryDb.open(path, migrations=MIGRATIONS[:-1]).close()
    with pytest.raises(WatchlistStoreError):
        WatchlistStore.open(path)  # no table before the step that adds it
    with HistoryDb.open(path) as db:
        assert db.schema_version() == len(MIGRATIONS)
        assert db.count("watchlists") == 0
    WatchlistStore.open(path).close()


def test_a_failed_save_leaves_the_stored_lists_as_they_were(tmp_path) -> None:
    path = tmp_path / "history.sqlite3"
    HistoryDb.open(path).close()
    store = WatchlistStore.open(path)
    store.save_all([Watchlist(1, "Majors", ("BTC",))])
    with pytest.raises(WatchlistStoreError):
        store.save_all([Watchlist(2, "A", ()), Watchlist(3, "a", ())])  # names are unique without case
    assert store.load() == [Watchlist(1, "Majors", ("BTC",))]
    store.close()


def test_a_damaged_row_is_reported(tmp_path) -> None:
    path = tmp_path / "history.sqlite3"
    HistoryDb.open(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO watchlists (id, position, name, entries) VALUES (1, 0, 'Bad', 'not json')")
    store = WatchlistStore.open(path)
    with pytest.raises(WatchlistStoreError, match="'Bad' is damaged"):
        store.load()
    store.close()
