"""Streaming reads of the history file for exports: a read-only connection of its own, rows in
batches (never the whole table in memory), filtered by time window, venue and coin. No Qt.

Separate from the writer's connections: an export can run while the app records (WAL readers do not
block the writer), from the GUI or from `cascade export` in another process.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import msgspec

from app.store.db import HistoryDbError

LIQUIDATION_FIELDS = ("ts_ms", "venue", "symbol", "coin", "kind", "side", "price", "qty", "notional_usd",
                      "completeness", "id")
ALERT_FIELDS = ("market_ms", "level", "key", "title", "body")


class HistoryQuery(msgspec.Struct, frozen=True):
    """[since_ms, until_ms) in market time; None = unbounded. `venue`/`coin`: exact match or None.
    `scope_coins`/`scope_pairs`: a watchlist's scope (a row in any of its coins or (venue, symbol) pairs);
    both empty = no watchlist."""

    since_ms: int | None = None
    until_ms: int | None = None
    venue: str | None = None
    coin: str | None = None
    scope_coins: tuple[str, ...] = ()
    scope_pairs: tuple[tuple[str, str], ...] = ()

    def where(self, time_column: str, alerts: bool = False) -> tuple[str, tuple[object, ...]]:
        clauses: list[str] = []
        params: list[object] = []
        if self.since_ms is not None:
            clauses.append(f"{time_column} >= ?")
            params.append(self.since_ms)
        if self.until_ms is not None:
            clauses.append(f"{time_column} < ?")
            params.append(self.until_ms)
        if not alerts:
            if self.venue is not None:
                clauses.append("venue = ?")
                params.append(self.venue)
            if self.coin is not None:
                clauses.append("coin = ?")
                params.append(self.coin)
            if self.scope_coins or self.scope_pairs:
                either = [f"coin IN ({','.join('?' * len(self.scope_coins))})"] if self.scope_coins else []
                params.extend(self.scope_coins)
                for venue, symbol in self.scope_pairs:
                    either.append("(venue = ? AND symbol = ?)")
                    params.extend((venue, symbol))
                clauses.append("(" + " OR ".join(either) + ")")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", tuple(params)


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """A read-only connection to an existing history file (never creates or migrates one)."""
    file = Path(path)
    if not file.is_file():
        raise HistoryDbError(f"No history database at {file}")
    try:
        conn = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise HistoryDbError(f"Cannot read the history database {file}: {exc}") from exc
    return conn


def _has_table(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() \
        is not None


def _table(alerts: bool) -> tuple[str, str, tuple[str, ...]]:
    return ("alerts", "market_ms", ALERT_FIELDS) if alerts else ("liquidations", "ts_ms", LIQUIDATION_FIELDS)


def count_rows(conn: sqlite3.Connection, query: HistoryQuery, alerts: bool = False) -> int:
    table, column, _ = _table(alerts)
    if not _has_table(conn, table):
        return 0
    where, params = query.where(column, alerts)
    return int(conn.execute(f"SELECT count(*) FROM {table}{where}", params).fetchone()[0])


def iter_rows(conn: sqlite3.Connection, query: HistoryQuery, alerts: bool = False,
              batch_rows: int = 5000) -> Iterator[list[tuple[object, ...]]]:
    """Matching rows, oldest first, `batch_rows` at a time (keyset pagination on (time, rowid): each
    batch is a short read, so the WAL can be checkpointed between them)."""
    table, column, fields = _table(alerts)
    if not _has_table(conn, table):
        return
    where, params = query.where(column, alerts)
    joiner = " AND " if where else " WHERE "
    sql = (f"SELECT {column}, rowid, {', '.join(fields)} FROM {table}{where}{joiner}"
           f"({column}, rowid) > (?, ?) ORDER BY {column}, rowid LIMIT ?")
    last: tuple[int, int] = (-(1 << 62), -1)
    while True:
        rows = conn.execute(sql, (*params, *last, batch_rows)).fetchall()
        if not rows:
            return
        last = (rows[-1][0], rows[-1][1])
        yield [row[2:] for row in rows]
        if len(rows) < batch_rows:
            return
