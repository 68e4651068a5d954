"""Manually entered positions and their accounts, in the profile's SQLite file (live only; the demo keeps
its book in memory).

Its own tables and its own version row (`store_versions`, name "positions"), so the history's
`PRAGMA user_version` migrations (app/store/db.py) and this store never renumber each other. Rows
hold the position as msgspec JSON beside its key columns, so a field added to `Position` later reads
back with its default. Writes are rare (a user's Add / Edit / Delete): one short transaction each,
called off the loop thread by the session.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import msgspec

from app.core.errors import KnownError
from app.core.positions.model import Account, Position, PositionKey

STORE_NAME = "positions"
# MIGRATIONS[i] takes this store from version i to i + 1. Append only.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE manual_positions (
            venue TEXT NOT NULL, account TEXT NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL,
            body BLOB NOT NULL, updated_ms INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (venue, account, symbol, side))""",
        """CREATE TABLE manual_accounts (
            venue TEXT NOT NULL, account TEXT NOT NULL, body BLOB NOT NULL,
            PRIMARY KEY (venue, account))""",
    ),
)

_VERSIONS = "CREATE TABLE IF NOT EXISTS store_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)"


class PositionStoreError(KnownError):
    """The positions table cannot be read or written (disk full, read-only, a newer version)."""


class PositionStore:
    """`PositionStore.open(path)`; ":memory:" works for tests. Thread-safe (one lock, one connection)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> PositionStore:
        try:
            conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
            conn.execute("PRAGMA busy_timeout = 10000")
            _migrate(conn, migrations)
        except sqlite3.Error as error:
            raise PositionStoreError(f"cannot open the positions store {path}: {error}") from error
        return cls(conn)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def version(self) -> int:
        with self._lock:
            return _version(self._conn)

    def load(self) -> tuple[list[Account], list[Position]]:
        with self._lock:
            accounts = [msgspec.json.decode(body, type=Account)
                        for (body,) in self._conn.execute("SELECT body FROM manual_accounts ORDER BY rowid")]
            positions = [msgspec.json.decode(body, type=Position)
                         for (body,) in self._conn.execute("SELECT body FROM manual_positions ORDER BY rowid")]
        return accounts, positions

    def save_position(self, position: Position, replaces: PositionKey | None = None, now_ms: int = 0) -> None:
        """Insert or update; `replaces` is the key the position had before an edit (its venue, symbol
        or side may have changed)."""
        body = msgspec.json.encode(position)
        with self._lock, self._write():
            if replaces is not None and replaces != position.key:
                self._conn.execute("DELETE FROM manual_positions WHERE venue=? AND account=? AND symbol=? AND side=?",
                                   replaces)
            self._conn.execute(
                "INSERT INTO manual_positions (venue, account, symbol, side, body, updated_ms) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT (venue, account, symbol, side) DO UPDATE SET body=excluded.body, "
                "updated_ms=excluded.updated_ms", (*position.key, body, now_ms))

    def delete_position(self, key: PositionKey) -> None:
        with self._lock, self._write():
            self._conn.execute("DELETE FROM manual_positions WHERE venue=? AND account=? AND symbol=? AND side=?", key)

    def save_account(self, account: Account) -> None:
        with self._lock, self._write():
            self._conn.execute(
                "INSERT INTO manual_accounts (venue, account, body) VALUES (?,?,?) "
                "ON CONFLICT (venue, account) DO UPDATE SET body=excluded.body",
                (account.venue, account.account, msgspec.json.encode(account)))

    def _write(self) -> _Transaction:
        return _Transaction(self._conn)


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: object, _tb: object) -> None:
        if error is None:
            try:
                self._conn.commit()
                return
            except sqlite3.Error as commit_error:
                self._conn.rollback()
                raise PositionStoreError(f"positions not saved: {commit_error}") from commit_error
        self._conn.rollback()
        if isinstance(error, sqlite3.Error):
            raise PositionStoreError(f"positions not saved: {error}") from error


def _version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT version FROM store_versions WHERE name = ?", (STORE_NAME,)).fetchone()
    return 0 if row is None else int(row[0])


def _migrate(conn: sqlite3.Connection, migrations: Sequence[Sequence[str]]) -> None:
    conn.execute(_VERSIONS)
    conn.commit()
    current = _version(conn)
    if current > len(migrations):
        raise PositionStoreError(f"the positions store is version {current}, newer than this Cascade "
                                 f"({len(migrations)}): update Cascade")
    for index in range(current, len(migrations)):
        with conn:
            for statement in migrations[index]:
                conn.execute(statement)
            conn.execute("INSERT INTO store_versions (name, version) VALUES (?, ?) "
                         "ON CONFLICT (name) DO UPDATE SET version = excluded.version", (STORE_NAME, index + 1))
