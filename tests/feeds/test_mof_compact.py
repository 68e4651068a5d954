"""Start-up reads the MOF history through compact twins, never trusting a twin of another file."""

from __future__ import annotations

import math
from pathlib import Path

from app.core.macro.jgb import parse_mof_csv
from app.feeds.mof_poller import (
    BUNDLED_COMPACT,
    BUNDLED_CSV,
    HISTORY_FILE,
    MofCache,
    bundled_history,
    compact_of,
    history_from,
)
from app.resources import resource_path

CSV = b"Interest Rate,,(Unit : %)\r\nDate,10Y,30Y\r\n2026/1/19,2.1,3.562\r\n2026/1/20,2.3,3.765\r\n"
OTHER = CSV.replace(b"3.765", b"3.700")


def same(a, b) -> bool:  # type: ignore[no-untyped-def]
    return a.dates == b.dates and a.tenors == b.tenors and all(
        x == y or (math.isnan(x) and math.isnan(y)) for t in a.tenors for x, y in zip(a.column(t), b.column(t),
                                                                                      strict=True))


def test_bundled_compact_is_the_bundled_csv() -> None:
    """Fails when the CSV is replaced without `python -c 'from app.feeds.mof_poller import
    write_bundled_compact; write_bundled_compact()'`."""
    body = resource_path(*BUNDLED_CSV).read_bytes()
    history, from_twin = history_from(body, resource_path(*BUNDLED_COMPACT).read_bytes())
    assert from_twin, "resources/macro/jgbcme_all.compact is stale: rebuild it with write_bundled_compact()"
    assert same(history, parse_mof_csv(body))
    assert same(bundled_history(), history)


def test_twin_of_another_csv_or_garbage_is_ignored() -> None:
    twin = compact_of(OTHER, parse_mof_csv(OTHER))
    history, from_twin = history_from(CSV, twin)
    assert not from_twin and history.column("30Y")[-1] == 3.765
    good = compact_of(CSV, parse_mof_csv(CSV))
    for garbage in (good[:40], good[:32] + b"not zlib", b""):
        history, from_twin = history_from(CSV, garbage)
        assert not from_twin and history.column("30Y")[-1] == 3.765


def test_cache_writes_a_twin_and_rebuilds_it_when_the_csv_changes(tmp_path: Path) -> None:
    cache = MofCache(tmp_path)
    cache.store(HISTORY_FILE, CSV, None, None, 0)
    twin = tmp_path / "jgbcme_all.csv.compact"
    assert not twin.exists()
    assert cache.history(HISTORY_FILE).column("30Y")[-1] == 3.765  # type: ignore[union-attr]
    first = twin.read_bytes()
    assert history_from(CSV, first)[1]
    cache.store(HISTORY_FILE, OTHER, None, None, 0)
    assert cache.history(HISTORY_FILE).column("30Y")[-1] == 3.700  # type: ignore[union-attr]
    assert twin.read_bytes() != first and history_from(OTHER, twin.read_bytes())[1]


def test_damaged_twin_is_replaced(tmp_path: Path) -> None:
    cache = MofCache(tmp_path)
    cache.store(HISTORY_FILE, CSV, None, None, 0)
    twin = tmp_path / "jgbcme_all.csv.compact"
    twin.write_bytes(compact_of(CSV, parse_mof_csv(CSV))[:-3])
    assert cache.history(HISTORY_FILE).column("10Y")[-1] == 2.3  # type: ignore[union-attr]
    assert history_from(CSV, twin.read_bytes())[1]
