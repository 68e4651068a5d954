"""CSV export: streamed, off the loop thread, monotonic progress, correct file (1M rows)."""

from __future__ import annotations

import asyncio
import csv
import itertools
import sqlite3
import threading
from pathlib import Path

import pytest

from app.services.export import ExportCancelled, export_csv, export_csv_async, header
from app.store.db import HistoryDb, HistoryDbError
from app.store.history_query import HistoryQuery

BASE_MS = 1_768_900_000_000
VENUES = ("v1", "v2", "v3")
COINS = ("BTC", "ETH", "SOL", "PEPE")


def row(i: int) -> tuple[object, ...]:
    venue, coin = VENUES[i % 3], COINS[i % 4]
    return (venue, f"{coin}USDT", coin, "linear_perp", "long" if i % 2 else "short", 100.0 + i * 0.5,
            0.25, (100.0 + i * 0.5) * 0.25, BASE_MS + i * 10, "all", f"id-{i}")


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def build_history(path: Path, n: int) -> None:
    HistoryDb.open(path).close()  # the current schema
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO liquidations VALUES (?,?,?,?,?,?,?,?,?,?,?)", (row(i) for i in range(n)))
    conn.executemany("INSERT INTO alerts VALUES (?,?,?,?,?)",
                     [(BASE_MS + i, f"k{i}", "warning", f"alert {i}", "body, with comma") for i in range(5)])
    conn.commit()
    conn.close()


@pytest.fixture(scope="module")
def million(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "history.sqlite3"
    build_history(path, 1_000_000)
    return path


def test_export_of_a_million_liquidations_streams_with_monotonic_progress(million: Path, tmp_path: Path) -> None:
    out = tmp_path / "liq.csv"
    seen: list[tuple[int, int]] = []
    threads: set[str] = set()

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        threads.add(threading.current_thread().name)

    async def run() -> object:
        return await export_csv_async(million, out, progress=progress)

    result = asyncio.run(run())
    assert result.rows == 1_000_000  # type: ignore[attr-defined]
    assert threads == {threading.main_thread().name}  # handed back to the loop's thread
    dones = [done for done, _ in seen]
    assert dones[0] == 0 and dones[-1] == 1_000_000
    assert all(b >= a for a, b in itertools.pairwise(dones))
    assert all(total == 1_000_000 for _, total in seen)
    assert len(seen) > 100  # reported as it goes, not once at the end
    with open(out, newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == header()
        count = 0
        for count, line in enumerate(reader, start=1):
            if count in (1, 2, 123_457, 999_999, 1_000_000):
                i = count - 1
                expected = row(i)
                assert line[1] == str(expected[8])  # ts_ms
                assert line[2:5] == [expected[0], expected[1], expected[2]]
                assert float(line[7]) == expected[5] and line[11] == expected[10]
        assert count == 1_000_000
    assert not list(tmp_path.glob(".*partial"))


def test_filters_by_window_venue_and_coin(million: Path, tmp_path: Path) -> None:
    out = tmp_path / "some.csv"
    query = HistoryQuery(since_ms=BASE_MS + 1000 * 10, until_ms=BASE_MS + 2000 * 10, venue="v2", coin="ETH")
    result = export_csv(million, out, query)
    ids = [line[-1] for line in read_csv(out)[1:]]
    expected = [f"id-{i}" for i in range(1000, 2000) if i % 3 == 1 and i % 4 == 1]
    assert ids == expected and result.rows == len(expected)


def test_alerts_export(million: Path, tmp_path: Path) -> None:
    out = tmp_path / "alerts.csv"
    result = export_csv(million, out, alerts=True)
    lines = read_csv(out)
    assert lines[0] == header(alerts=True) and result.rows == 5
    assert lines[1][1:] == [str(BASE_MS), "warning", "k0", "alert 0", "body, with comma"]
    assert lines[1][0] == "2026-01-20T09:06:40.000Z"


def test_cancel_removes_the_partial_file(million: Path, tmp_path: Path) -> None:
    out = tmp_path / "cancelled.csv"
    cancel = threading.Event()

    def progress(done: int, _total: int) -> None:
        if done >= 20_000:
            cancel.set()

    with pytest.raises(ExportCancelled):
        export_csv(million, out, progress=progress, cancel=cancel)
    assert not out.exists() and not list(tmp_path.glob(".*partial"))


def test_a_missing_history_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HistoryDbError, match="No history database"):
        export_csv(tmp_path / "none.sqlite3", tmp_path / "x.csv")
    assert not (tmp_path / "none.sqlite3").exists()
