"""CSV export of stored liquidations and alerts, off the event loop's thread.

`export_csv` is blocking (for a worker thread or a command): it streams rows from a read-only
connection in batches into a temporary file beside the target, reports progress as (rows written,
rows expected) after every batch, can be cancelled, and renames the file into place only when complete.
`export_csv_async` runs it with `asyncio.to_thread` and hands progress back on the loop's thread.
Exports read the user's history file only: the demo's synthetic events never reach one. No Qt.
"""

from __future__ import annotations

import asyncio
import csv
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from app.store.history_query import ALERT_FIELDS, LIQUIDATION_FIELDS, HistoryQuery, count_rows, iter_rows, open_readonly

Progress = Callable[[int, int], None]
BATCH_ROWS = 5000


class ExportCancelled(Exception):
    """The user cancelled; the partial file was removed."""


class ExportUnavailable(Exception):
    """Nothing of the user's to export here (the demo's in-memory replay)."""


class ExportResult(msgspec.Struct, frozen=True):
    path: str
    rows: int
    alerts: bool


def header(alerts: bool = False) -> list[str]:
    time_name = "time_utc"
    return [time_name, *(ALERT_FIELDS if alerts else LIQUIDATION_FIELDS)]


class _IsoTimes:
    """ISO UTC text of epoch ms; rows come in time order, so the second's text is reused."""

    __slots__ = ("_prefix", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(self, ms: int) -> str:
        second, milli = divmod(ms, 1000)
        if second != self._second:
            self._second = second
            self._prefix = datetime.fromtimestamp(second, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        return f"{self._prefix}{milli:03d}Z"


def export_csv(db_path: str | Path, out_path: str | Path, query: HistoryQuery | None = None, *,
               alerts: bool = False, progress: Progress | None = None, cancel: threading.Event | None = None,
               batch_rows: int = BATCH_ROWS) -> ExportResult:
    """Write matching liquidations (or alerts) to `out_path` as CSV, oldest first. Blocking."""
    query = query or HistoryQuery()
    target = Path(out_path)
    temp = target.with_name(f".{target.name}.partial")
    conn = open_readonly(db_path)
    written = 0
    try:
        total = count_rows(conn, query, alerts)
        if progress is not None:
            progress(0, total)
        with open(temp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            iso = _IsoTimes()
            writer.writerow(header(alerts))
            for batch in iter_rows(conn, query, alerts, batch_rows):
                if cancel is not None and cancel.is_set():
                    raise ExportCancelled(f"export cancelled after {written:,} rows")
                writer.writerows([(iso(row[0]), *row) for row in batch])  # type: ignore[arg-type]
                written += len(batch)
                if progress is not None:
                    # rows committed after the count arrive too: the total grows rather than run backwards
                    progress(written, max(total, written))
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    finally:
        conn.close()
    return ExportResult(str(target), written, alerts)


async def export_csv_async(db_path: str | Path, out_path: str | Path, query: HistoryQuery | None = None, *,
                           alerts: bool = False, progress: Progress | None = None,
                           cancel: threading.Event | None = None) -> ExportResult:
    """The export in a worker thread; `progress` is called on the event loop's thread."""
    loop = asyncio.get_running_loop()
    relay: Progress | None = None
    if progress is not None:
        callback = progress

        def relay(done: int, total: int) -> None:
            loop.call_soon_threadsafe(callback, done, total)

    return await asyncio.to_thread(export_csv, db_path, out_path, query, alerts=alerts, progress=relay,
                                   cancel=cancel)
