"""The user's watchlists in the profile's SQLite file (the `watchlists` table that app/store/db.py's
MIGRATIONS create; the history opens first, so the table exists before this store does).

Writes are rare (a user's create / rename / reorder / delete / import): each saves the whole ordered
set in one short transaction, so an import lands completely or not at all. Called off the loop
thread by the session. The demo keeps its watchlists in memory and never opens this store.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from app.core.errors import KnownError
from app.core.watchlist import Watchlist


class WatchlistStoreError(KnownError):
    """The watchlists cannot be read or written (disk full, read-only, a damaged row, no table)."""


class WatchlistStore:
    """`WatchlistStore.open(path)`. Thread-safe (one lock, one connection)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path) -> WatchlistStore:
        try:
            conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("SELECT 1 FROM watchlists LIMIT 1").fetchall()
        except sqlite3.Error as error:
            raise WatchlistStoreError(f"cannot open the watchlists in {path}: {error}") from error
        return cls(conn)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def load(self) -> list[Watchlist]:
        """In the user's order. A damaged row is reported, not skipped silently."""
        with self._lock:
            try:
                rows = self._conn.execute("SELECT id, name, entries FROM watchlists ORDER BY position, id").fetchall()
            except sqlite3.Error as error:
                raise WatchlistStoreError(f"watchlists not read: {error}") from error
        lists: list[Watchlist] = []
        for watchlist_id, name, entries in rows:
            try:
                decoded = json.loads(entries)
                if not isinstance(decoded, list) or not all(isinstance(e, str) for e in decoded):
                    raise ValueError("entries are not a list of strings")
            except ValueError as error:
                raise WatchlistStoreError(f"watchlist {name!r} is damaged: {error}") from error
            lists.append(Watchlist(int(watchlist_id), str(name), tuple(decoded)))
        return lists

    def save_all(self, lists: list[Watchlist]) -> None:
        """Replace the stored set with `lists` (their order kept), in one transaction."""
        rows = [(w.id, position, w.name, json.dumps(list(w.entries))) for position, w in enumerate(lists)]
        with self._lock:
            try:
                with self._conn:
                    self._conn.execute("DELETE FROM watchlists")
                    self._conn.executemany("INSERT INTO watchlists (id, position, name, entries) VALUES (?,?,?,?)",
                                           rows)
            except sqlite3.Error as error:
                raise WatchlistStoreError(f"watchlists not saved: {error}") from error
