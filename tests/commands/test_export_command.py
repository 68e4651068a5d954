from __future__ import annotations

from pathlib import Path

import pytest

from app.commands import export as export_cli
from app.core.venues import registry
from tests.services.test_export import BASE_MS, build_history, read_csv

NOW = BASE_MS + 10_000_000


def test_parse_time_forms() -> None:
    assert export_cli.parse_time("2026-01-20", NOW) == 1_768_867_200_000
    assert export_cli.parse_time("2026-01-20T01:00+01:00", NOW) == 1_768_867_200_000
    assert export_cli.parse_time("1768867200000", NOW) == 1_768_867_200_000
    assert export_cli.parse_time("24h", NOW) == NOW - 86_400_000
    assert export_cli.parse_time("90m", NOW) == NOW - 5_400_000


def test_exports_with_filters_and_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.sqlite3"
    build_history(db, 3000)
    out = tmp_path / "out.csv"
    assert export_cli.main(["--db", str(db), "--out", str(out), "--coin", "btc",
                            "--since", str(BASE_MS + 100 * 10), "--until", str(BASE_MS + 200 * 10)]) == 0
    captured = capsys.readouterr()
    assert "exported 25 liquidations" in captured.out
    assert "exporting 25 / 25 rows (100%)" in captured.err
    rows = read_csv(out)
    assert len(rows) == 26 and {r[4] for r in rows[1:]} == {"BTC"}


def test_alerts_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.sqlite3"
    build_history(db, 10)
    assert export_cli.main(["--db", str(db), "--out", str(tmp_path / "a.csv"), "--alerts", "--quiet"]) == 0
    assert "exported 5 alerts" in capsys.readouterr().out
    assert export_cli.main(["--db", str(tmp_path / "missing"), "--out", str(tmp_path / "b.csv")]) == 2
    assert "No history database" in capsys.readouterr().err
    for bad in (["--since", "yesterday-ish"], ["--since", "2026-01-21", "--until", "2026-01-20"],
                ["--venue", "nowhere"], ["--alerts", "--venue", registry.names()[0]]):
        with pytest.raises(SystemExit) as info:
            export_cli.main(["--db", str(db), "--out", str(tmp_path / "c.csv"), *bad])
        assert info.value.code == 2


def test_reads_the_profile_history_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.store.paths import profile_paths

    build_history(profile_paths("default").ensure().history_db, 7)
    assert export_cli.main(["--out", str(tmp_path / "p.csv"), "--quiet"]) == 0
    assert "exported 7 liquidations" in capsys.readouterr().out
