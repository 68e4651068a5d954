"""SQLite history: one writer thread with batched commits, a separate read connection.

The writer thread owns the write connection: callers enqueue (never block), the thread commits every
`batch_rows` rows or `max_delay_s` after the first uncommitted row, whichever comes first, so a
kill -9 loses at most about the last `max_delay_s`. WAL + synchronous=NORMAL: committed rows survive a
process crash. The schema grows by appending steps to MIGRATIONS (tracked in PRAGMA user_version);
later features add tables here, not new stores.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import msgspec

from app.core.errors import KnownError
from app.core.events import Liquidation

log = logging.getLogger(__name__)

MEMORY = ":memory:"

# MIGRATIONS[i] takes the schema from user_version i to i + 1. Append only; never edit a shipped step.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE liquidations (
            venue TEXT NOT NULL, symbol TEXT NOT NULL, coin TEXT NOT NULL, kind TEXT NOT NULL,
            side TEXT NOT NULL, price REAL NOT NULL, qty REAL NOT NULL, notional_usd REAL NOT NULL,
            ts_ms INTEGER NOT NULL, completeness TEXT NOT NULL, id TEXT NOT NULL,
            UNIQUE (venue, id))""",
        "CREATE INDEX liquidations_ts_ms ON liquidations (ts_ms)",
    ),
    (
        """CREATE TABLE gaps (
            venue TEXT NOT NULL, stream TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL)""",
        "CREATE INDEX gaps_start_ms ON gaps (start_ms)",
    ),
    (
        # One row per run of the app: when it started and the last moment a commit proved it was still
        # recording. The next start records [alive_ms, start) as a gap: Cascade was not running.
        "CREATE TABLE runs (started_ms INTEGER NOT NULL, alive_ms INTEGER NOT NULL)",
    ),
    # --- history, recording, export (issue 13) -------------------------------------------------------
    (
        # Schema 4: every alert delivered to the user, as the alert log showed it (market time).
        """CREATE TABLE alerts (
            market_ms INTEGER NOT NULL, key TEXT NOT NULL, level TEXT NOT NULL, title TEXT NOT NULL,
            body TEXT NOT NULL)""",
        "CREATE INDEX alerts_market_ms ON alerts (market_ms)",
    ),
    (
        # Schema 5: the JGB closes the macro strip showed, one row per (tenor, MOF date).
        """CREATE TABLE macro_readings (
            shown_ms INTEGER NOT NULL, tenor TEXT NOT NULL, data_date TEXT NOT NULL, level REAL,
            change_bp REAL, source TEXT NOT NULL, UNIQUE (tenor, data_date))""",
        "CREATE INDEX macro_readings_shown_ms ON macro_readings (shown_ms)",
    ),
    # --- liquidation alerts (issue 12) ---------------------------------------------------------------
    (
        # Schema 6: the user's liquidation alert rules, one row per rule (`body`: the rule as JSON,
        # app.core.liquidation_alerts), listed in `position` order. Never subject to retention.
        """CREATE TABLE alert_rules (
            rule_id TEXT PRIMARY KEY, position INTEGER NOT NULL, body TEXT NOT NULL,
            updated_ms INTEGER NOT NULL)""",
    ),
    # --- watchlists (issue 13) ------------------------------------------------------------------------
    (
        # Schema 7: the user's watchlists, in their order. Read and written by app/store/watchlists.py
        # (rare, whole-set transactions); `entries` is a JSON list of canonical entries ("BTC", "bybit:BTCUSDT").
        """CREATE TABLE watchlists (
            id INTEGER PRIMARY KEY, position INTEGER NOT NULL, name TEXT NOT NULL COLLATE NOCASE UNIQUE,
            entries TEXT NOT NULL)""",
    ),
)

_LIQUIDATION_COLUMNS = "venue, symbol, coin, kind, side, price, qty, notional_usd, ts_ms, completeness, id"
_INSERT_LIQUIDATION = f"INSERT OR IGNORE INTO liquidations ({_LIQUIDATION_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
_INSERT_GAP = "INSERT INTO gaps (venue, stream, start_ms, end_ms) VALUES (?,?,?,?)"
_INSERT_RUN = "INSERT INTO runs (started_ms, alive_ms) VALUES (?, ?)"
_MARK_ALIVE = "UPDATE runs SET alive_ms = max(alive_ms, ?) WHERE rowid = (SELECT max(rowid) FROM runs)"
_INSERT_ALERT = "INSERT INTO alerts (market_ms, key, level, title, body) VALUES (?,?,?,?,?)"
_INSERT_MACRO = ("INSERT OR IGNORE INTO macro_readings (shown_ms, tenor, data_date, level, change_bp, source) "
                 "VALUES (?,?,?,?,?,?)")
_UPSERT_RULE = "INSERT OR REPLACE INTO alert_rules (rule_id, position, body, updated_ms) VALUES (?,?,?,?)"
_DELETE_RULE = "DELETE FROM alert_rules WHERE rule_id = ?"
_MARK_SQL = {"run": _INSERT_RUN, "alive": _MARK_ALIVE, "alert": _INSERT_ALERT, "macro": _INSERT_MACRO,
             "rule": _UPSERT_RULE, "rule-delete": _DELETE_RULE}
# Retention: (table, time column) deleted below a cutoff, in small batches (the writer stays responsive).
_RETAINED: tuple[tuple[str, str], ...] = (
    ("liquidations", "ts_ms"), ("gaps", "end_ms"), ("alerts", "market_ms"), ("macro_readings", "shown_ms"),
    ("runs", "alive_ms"))
TABLES = ("liquidations", "gaps", "runs", "alerts", "macro_readings", "alert_rules", "watchlists")


class HistoryDbError(KnownError):
    """The history database cannot be opened or written (disk full, read-only, newer schema…)."""


class Gap(msgspec.Struct, frozen=True, gc=False):
    """A span in which a stream received nothing it could have (disconnect, overflow)."""

    venue: str
    stream: str
    start_ms: int
    end_ms: int


class WriterStatus(msgspec.Struct, frozen=True):
    """What the writer has done; `last_error` is set while writes are failing. `committed_rows` counts
    rows sent in successful commits, duplicates (ignored by the unique key) included."""

    committed_rows: int
    commits: int
    pending_rows: int
    dropped_rows: int
    write_errors: int
    last_error: str | None
    alive: bool


class AlertRecord(msgspec.Struct, frozen=True):
    market_ms: int
    key: str
    level: str
    title: str
    body: str


class MacroReading(msgspec.Struct, frozen=True):
    shown_ms: int
    tenor: str
    data_date: str  # ISO date of the MOF close
    level: float | None
    change_bp: float | None
    source: str


class SymbolTotals(msgspec.Struct, frozen=True):
    """Aggregates of stored liquidations for one (venue, symbol, coin) over a span (scoped totals)."""

    venue: str
    symbol: str
    coin: str
    count: int
    long_usd: float
    short_usd: float
    largest_usd: float


class VenueTotals(msgspec.Struct, frozen=True):
    """Aggregates of stored liquidations for one venue over a span (the session totals' figures)."""

    venue: str
    count: int
    long_usd: float
    short_usd: float
    largest_usd: float  # aggregated records excluded, as the live totals do


class Compaction:
    """A retention request handled by the writer thread; `done` is set when every batch ran."""

    def __init__(self, cutoff_ms: int, batch_rows: int) -> None:
        self.cutoff_ms = cutoff_ms
        self.batch_rows = batch_rows
        self.deleted: dict[str, int] = {}
        self.batches = 0
        self.error: str | None = None
        self.done = threading.Event()
        self._tables = list(_RETAINED)

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)


class _Flush:
    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: str | None = None


_CLOSE = object()
Row = tuple[object, ...]


class HistoryDb:
    """Open with `HistoryDb.open(path_or_memory)`; `close()` (or use as a context manager) when done."""

    def __init__(self, *, target: str, uri: bool, migrations: Sequence[Sequence[str]], batch_rows: int,
                 max_delay_s: float, max_pending_rows: int, on_error: Callable[[str], None] | None) -> None:
        self._target = target
        self._uri = uri
        self._migrations = migrations
        self._batch_rows = batch_rows
        self._max_delay_s = max_delay_s
        self._max_pending_rows = max_pending_rows
        self._on_error = on_error
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._counter_lock = threading.Lock()
        self._queued_rows = 0  # enqueued, not yet committed or dropped
        self._committed_rows = 0
        self._commits = 0
        self._dropped_rows = 0
        self._write_errors = 0
        self._last_error: str | None = None
        self._closed = False
        self._ready = threading.Event()
        self._open_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="cascade-history-writer", daemon=True)
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, batch_rows: int = 1000, max_delay_s: float = 1.0,
             max_pending_rows: int = 1_000_000, on_error: Callable[[str], None] | None = None,
             migrations: Sequence[Sequence[str]] = MIGRATIONS) -> HistoryDb:
        """Open (creating and migrating as needed) and start the writer thread.

        `on_error(message)` is called from the writer thread when a write fails; it must not block.
        """
        if str(path) == MEMORY:
            # A named shared-cache memory database lets the reader see what the writer committed.
            target, uri = f"file:cascade-{uuid.uuid4().hex}?mode=memory&cache=shared", True
        else:
            file = Path(path)
            file.parent.mkdir(parents=True, exist_ok=True)
            target, uri = str(file), False
        db = cls(target=target, uri=uri, migrations=migrations, batch_rows=batch_rows,
                 max_delay_s=max_delay_s, max_pending_rows=max_pending_rows, on_error=on_error)
        db._thread.start()
        db._ready.wait()
        if db._open_error is not None:
            db._thread.join()
            error = db._open_error
            if isinstance(error, HistoryDbError):
                raise error
            raise HistoryDbError(f"Cannot open the history database {path}: {error}") from error
        try:
            db._reader = db._connect_reader()
        except sqlite3.Error as exc:
            db.close()
            raise HistoryDbError(f"Cannot open the history database {path} for reading: {exc}") from exc
        return db

    def close(self) -> None:
        """Commit what is queued, stop the writer and close both connections. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            self._queue.put(_CLOSE)
            self._thread.join()
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def __enter__(self) -> HistoryDb:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- writing (any thread, never blocks except flush) --------------------------------------------

    def write_liquidations(self, events: Iterable[Liquidation]) -> None:
        """Enqueue liquidations; duplicates by (venue, id) are ignored when committed."""
        rows = [(e.venue, e.symbol, e.coin, e.kind, e.side, e.price, e.qty, e.notional_usd, e.ts_ms,
                 e.completeness, e.id) for e in events]
        if rows:
            self._enqueue(("liq", rows))

    def write_gap(self, venue: str, stream: str, start_ms: int, end_ms: int) -> None:
        self._enqueue(("gap", [(venue, stream, start_ms, end_ms)]))

    def begin_run(self, now_ms: int) -> int | None:
        """Record that the app started at `now_ms`; returns when the previous run was last known to be
        recording (its last committed heartbeat), None on a fresh history. [that, now_ms) is downtime."""
        previous = self._read("SELECT max(alive_ms) FROM runs", ())[0][0]
        self._enqueue(("run", [(now_ms, now_ms)]), counted=False)
        return int(previous) if previous is not None else None  # type: ignore[call-overload]

    def mark_alive(self, now_ms: int) -> None:
        """A heartbeat: committed with the next batch (within `max_delay_s`), so after a kill the next
        start knows when recording stopped. Not counted as a row."""
        self._enqueue(("alive", [(now_ms,)]), counted=False)

    def write_alert(self, market_ms: int, key: str, level: str, title: str, body: str) -> None:
        """An alert delivered to the user (committed with the next batch; not counted as a row)."""
        self._enqueue(("alert", [(market_ms, key, level, title, body)]), counted=False)

    def write_macro_reading(self, reading: MacroReading) -> None:
        """A JGB close the strip showed; the same (tenor, MOF date) is kept once."""
        self._enqueue(("macro", [(reading.shown_ms, reading.tenor, reading.data_date, reading.level,
                                  reading.change_bp, reading.source)]), counted=False)

    def save_alert_rule(self, rule_id: str, position: int, body: str, now_ms: int) -> None:
        """Insert or replace one alert rule (committed with the next batch, in order with deletes)."""
        self._enqueue(("rule", [(rule_id, position, body, now_ms)]), counted=False)

    def delete_alert_rule(self, rule_id: str) -> None:
        self._enqueue(("rule-delete", [(rule_id,)]), counted=False)

    def alert_rules(self) -> list[tuple[str, str]]:
        """(rule_id, body) of every committed rule, in list order."""
        rows = self._read("SELECT rule_id, body FROM alert_rules ORDER BY position, rowid", ())
        return [(str(rule_id), str(body)) for rule_id, body in rows]

    def compact(self, cutoff_ms: int, batch_rows: int = 2000) -> Compaction:
        """Delete rows older than `cutoff_ms` on the writer thread, `batch_rows` per transaction with
        other writes in between, then reclaim free pages (incremental vacuum) and `PRAGMA optimize`.
        Never blocks; wait on the returned request's `done` off the loop thread."""
        if self._closed:
            raise HistoryDbError("The history database is closed.")
        request = Compaction(cutoff_ms, max(1, batch_rows))
        self._queue.put(request)
        return request

    def runs(self) -> list[tuple[int, int]]:
        """(started_ms, alive_ms) per run, oldest first."""
        return [(int(a), int(b)) for a, b in self._read(  # type: ignore[call-overload]
            "SELECT started_ms, alive_ms FROM runs ORDER BY rowid", ())]

    def flush(self, timeout: float | None = None) -> None:
        """Block until everything enqueued so far is committed. Not for the event-loop thread."""
        if self._closed or not self._thread.is_alive():
            raise HistoryDbError("The history database is closed.")
        request = _Flush()
        self._queue.put(request)
        if not request.done.wait(timeout):
            raise HistoryDbError("The history database did not commit in time.")
        if request.error is not None:
            raise HistoryDbError(f"History could not be saved: {request.error}")

    def status(self) -> WriterStatus:
        with self._counter_lock:
            return WriterStatus(
                committed_rows=self._committed_rows, commits=self._commits, pending_rows=self._queued_rows,
                dropped_rows=self._dropped_rows, write_errors=self._write_errors,
                last_error=self._last_error, alive=self._thread.is_alive(),
            )

    def _enqueue(self, item: tuple[str, list[Row]], counted: bool = True) -> None:
        if self._closed:
            raise HistoryDbError("The history database is closed.")
        if not counted:
            self._queue.put(item)
            return
        with self._counter_lock:
            if self._queued_rows + len(item[1]) > self._max_pending_rows:
                # The writer is failing or far behind: count what we drop rather than grow without bound.
                self._dropped_rows += len(item[1])
                return
            self._queued_rows += len(item[1])
        self._queue.put(item)

    # -- reading (separate connection) ---------------------------------------------------------------

    def liquidations_between(self, start_ms: int, end_ms: int) -> list[Liquidation]:
        """Committed liquidations with start_ms <= ts_ms < end_ms, oldest first."""
        rows = self._read(
            f"SELECT {_LIQUIDATION_COLUMNS} FROM liquidations WHERE ts_ms >= ? AND ts_ms < ? "
            "ORDER BY ts_ms, rowid", (start_ms, end_ms))
        return [Liquidation(*row) for row in rows]

    def gaps_between(self, start_ms: int, end_ms: int) -> list[Gap]:
        """Committed gaps overlapping [start_ms, end_ms)."""
        rows = self._read("SELECT venue, stream, start_ms, end_ms FROM gaps WHERE start_ms < ? AND end_ms > ? "
                          "ORDER BY start_ms, rowid", (end_ms, start_ms))
        return [Gap(*row) for row in rows]

    def latest_liquidations(self, start_ms: int, end_ms: int, limit: int) -> list[Liquidation]:
        """The newest `limit` committed liquidations in [start_ms, end_ms), oldest first (a tape refill)."""
        rows = self._read(
            f"SELECT {_LIQUIDATION_COLUMNS} FROM liquidations WHERE ts_ms >= ? AND ts_ms < ? "
            "ORDER BY ts_ms DESC, rowid DESC LIMIT ?", (start_ms, end_ms, max(0, limit)))
        return [Liquidation(*row) for row in reversed(rows)]

    def liquidation_totals(self, start_ms: int, end_ms: int) -> list[VenueTotals]:
        """Per venue: count, long/short USD and the largest single (non-aggregated) order in the span."""
        rows = self._read(
            "SELECT venue, count(*), total(CASE WHEN side = 'long' THEN notional_usd END), "
            "total(CASE WHEN side = 'long' THEN 0 ELSE notional_usd END), "
            "coalesce(max(CASE WHEN completeness != 'aggregated' THEN notional_usd END), 0) "
            "FROM liquidations WHERE ts_ms >= ? AND ts_ms < ? GROUP BY venue ORDER BY venue",
            (start_ms, end_ms))
        return [VenueTotals(str(v), int(c), float(lo), float(sh), float(mx))  # type: ignore[arg-type]
                for v, c, lo, sh, mx in rows]

    def symbol_totals(self, start_ms: int, end_ms: int) -> list[SymbolTotals]:
        """As liquidation_totals, per (venue, symbol, coin): what a watchlist-scoped totals pane adds up."""
        rows = self._read(
            "SELECT venue, symbol, coin, count(*), total(CASE WHEN side = 'long' THEN notional_usd END), "
            "total(CASE WHEN side = 'long' THEN 0 ELSE notional_usd END), "
            "coalesce(max(CASE WHEN completeness != 'aggregated' THEN notional_usd END), 0) "
            "FROM liquidations WHERE ts_ms >= ? AND ts_ms < ? GROUP BY venue, symbol, coin", (start_ms, end_ms))
        return [SymbolTotals(str(v), str(s), str(c), int(n), float(lo), float(sh), float(mx))  # type: ignore[arg-type]
                for v, s, c, n, lo, sh, mx in rows]

    def alerts_between(self, start_ms: int, end_ms: int) -> list[AlertRecord]:
        rows = self._read("SELECT market_ms, key, level, title, body FROM alerts WHERE market_ms >= ? "
                          "AND market_ms < ? ORDER BY market_ms, rowid", (start_ms, end_ms))
        return [AlertRecord(*row) for row in rows]  # type: ignore[arg-type]

    def macro_readings(self) -> list[MacroReading]:
        rows = self._read("SELECT shown_ms, tenor, data_date, level, change_bp, source FROM macro_readings "
                          "ORDER BY data_date, tenor", ())
        return [MacroReading(*row) for row in rows]  # type: ignore[arg-type]

    def oldest_ms(self) -> int | None:
        """ts_ms of the oldest stored liquidation (None when there is none)."""
        value = self._read("SELECT min(ts_ms) FROM liquidations", ())[0][0]
        return int(value) if value is not None else None  # type: ignore[call-overload]

    def integrity_check(self) -> str:
        return str(self._read("PRAGMA integrity_check", ())[0][0])

    @property
    def path(self) -> str | None:
        """The database file (None for memory)."""
        return None if self._uri else self._target

    def count(self, table: str = "liquidations") -> int:
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}")
        return int(self._read(f"SELECT count(*) FROM {table}", ())[0][0])

    def schema_version(self) -> int:
        return int(self._read("PRAGMA user_version", ())[0][0])

    def journal_mode(self) -> str:
        return str(self._read("PRAGMA journal_mode", ())[0][0])

    def _read(self, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        with self._reader_lock:
            if self._reader is None:
                raise HistoryDbError("The history database is closed.")
            return self._reader.execute(sql, params).fetchall()

    def _connect_reader(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._target, uri=self._uri, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 5000")
        if self._uri:
            # Shared-cache memory: without this, reads fail with "table is locked" during a write
            # (the price: a read may see a batch being committed; only the demo uses memory).
            conn.execute("PRAGMA read_uncommitted = 1")
        conn.execute("PRAGMA query_only = 1")
        return conn

    # -- the writer thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            conn = self._connect_writer()
        except BaseException as exc:
            self._open_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            self._serve(conn)
        except BaseException as exc:  # a bug: never die silently
            log.exception("history writer stopped")
            self._report(f"history writer stopped: {exc!r}")
            self._drain_after_death()
        finally:
            conn.close()
            self._drain_after_death()  # a compaction re-queued behind the close: released, not waited on

    def _connect_writer(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._target, uri=self._uri, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            # Only takes effect on a new file (before its first table): lets retention hand pages back.
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            if not self._uri:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    log.warning("history database journal mode is %s, not WAL", mode)
            conn.execute("PRAGMA synchronous = NORMAL")
            _migrate(conn, self._migrations)
        except BaseException:
            conn.close()
            raise
        return conn

    def _serve(self, conn: sqlite3.Connection) -> None:
        liquidations: list[Row] = []
        gaps: list[Row] = []
        marks: list[tuple[str, Row]] = []  # run starts, heartbeats, alerts, macro: in order; not counted
        deadline: float | None = None

        def pending() -> bool:
            return bool(liquidations or gaps or marks)

        while True:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is None or item is _CLOSE or isinstance(item, _Flush):
                error = self._commit(conn, liquidations, gaps, marks) if pending() else None
                deadline = None if not pending() else time.monotonic() + self._max_delay_s
                if isinstance(item, _Flush):
                    item.error = error or self._last_error_if_pending(liquidations, gaps)
                    item.done.set()
                elif item is _CLOSE:
                    if liquidations or gaps:
                        log.error("closing with %d history rows unsaved: %s", len(liquidations) + len(gaps),
                                  self._last_error)
                    return
                continue
            if isinstance(item, Compaction):
                self._compact_step(conn, item)
                continue
            kind, rows = item  # type: ignore[misc]
            if kind == "liq":
                liquidations.extend(rows)
            elif kind == "gap":
                gaps.extend(rows)
            elif kind == "alive" and marks and marks[-1][0] == "alive":
                marks[-1] = (kind, (max(marks[-1][1][0], rows[0][0]),))  # only the latest matters
            else:
                marks.append((kind, rows[0]))
            if deadline is None:
                deadline = time.monotonic() + self._max_delay_s
            # While writes fail (disk full), retry on the timer only, not on every new row.
            if len(liquidations) + len(gaps) >= self._batch_rows and self._last_error is None:
                self._commit(conn, liquidations, gaps, marks)
                deadline = None if not pending() else time.monotonic() + self._max_delay_s

    def _commit(self, conn: sqlite3.Connection, liquidations: list[Row], gaps: list[Row],
                marks: list[tuple[str, Row]]) -> str | None:
        """Write and commit the buffers; on success clear them, on failure keep them for the next try."""
        n = len(liquidations) + len(gaps)
        try:
            conn.execute("BEGIN")
            if liquidations:
                conn.executemany(_INSERT_LIQUIDATION, liquidations)
            if gaps:
                conn.executemany(_INSERT_GAP, gaps)
            for kind, row in marks:
                conn.execute(_MARK_SQL[kind], row)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            message = f"{exc} ({type(exc).__name__})"
            with self._counter_lock:
                first = self._last_error is None
                self._write_errors += 1
                self._last_error = message
            if first:
                log.error("history write failed: %s", message)
                self._report(message)
            return message
        liquidations.clear()
        gaps.clear()
        marks.clear()
        with self._counter_lock:
            self._queued_rows -= n
            self._committed_rows += n
            self._commits += 1
            recovered = self._last_error is not None
            self._last_error = None
        if recovered:
            log.warning("history writes recovered")
        return None

    def _compact_step(self, conn: sqlite3.Connection, request: Compaction) -> None:
        """One batch of a retention request; re-queued behind whatever arrived meanwhile until done."""
        try:
            while request._tables:
                table, column = request._tables[0]
                conn.execute("BEGIN IMMEDIATE")
                try:
                    keep_last = " AND rowid < (SELECT max(rowid) FROM runs)" if table == "runs" else ""
                    deleted = conn.execute(
                        f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {column} < ?"
                        f"{keep_last} LIMIT ?)", (request.cutoff_ms, request.batch_rows)).rowcount
                    conn.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                    raise
                request.batches += 1
                request.deleted[table] = request.deleted.get(table, 0) + max(0, deleted)
                if deleted >= request.batch_rows:
                    self._queue.put(request)  # more to delete: let queued writes go first
                    return
                request._tables.pop(0)
            conn.execute("PRAGMA incremental_vacuum")
            conn.execute("PRAGMA optimize")
        except sqlite3.Error as exc:
            request.error = f"{exc} ({type(exc).__name__})"
            log.warning("history compaction failed: %s", request.error)
        request.done.set()

    def _last_error_if_pending(self, liquidations: list[Row], gaps: list[Row]) -> str | None:
        return self._last_error if (liquidations or gaps) else None

    def _report(self, message: str) -> None:
        if self._on_error is None:
            return
        try:
            self._on_error(message)
        except Exception:
            log.exception("history on_error callback failed")

    def _drain_after_death(self) -> None:
        """Release anyone waiting in flush() after the thread died."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Flush | Compaction):
                item.error = "the history writer stopped"
                item.done.set()


def _migrate(conn: sqlite3.Connection, migrations: Sequence[Sequence[str]]) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > len(migrations):
        raise HistoryDbError(
            f"The history database was written by a newer Cascade (schema {version}, this one knows "
            f"up to {len(migrations)}); open it with that version or choose another profile.")
    for step in range(version, len(migrations)):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in migrations[step]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {step + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("history database migrated to schema %d", step + 1)
