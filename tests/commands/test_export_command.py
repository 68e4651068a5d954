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


def test_a_watchlist_scopes_the_export_to_its_coins_and_pairs(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from app.core.watchlist import Watchlist
    from app.store.watchlists import WatchlistStore
    from tests.services.test_export import COINS, VENUES, row

    db = tmp_path / "h.sqlite3"
    build_history(db, 1200)
    store = WatchlistStore.open(db)
    # One whole coin, plus one venue's contract of another coin.
    store.save_all([Watchlist(1, "Mine", (COINS[0], f"{VENUES[1]}:{COINS[1]}USDT"))])
    store.close()
    out = tmp_path / "w.csv"
    assert export_cli.main(["--db", str(db), "--out", str(out), "--watchlist", "mine", "--quiet"]) == 0
    expected = [r for r in map(row, range(1200)) if r[2] == COINS[0] or (r[0], r[1]) == (VENUES[1], f"{COINS[1]}USDT")]
    rows = read_csv(out)[1:]
    assert len(rows) == len(expected) > 0
    assert {(r[2], r[3]) for r in rows} == {(str(e[0]), str(e[1])) for e in expected}  # venue, symbol
    assert f"exported {len(expected)} liquidations" in capsys.readouterr().out
    assert export_cli.main(["--db", str(db), "--out", str(out), "--watchlist", "Nope", "--quiet"]) == 2
    assert "no watchlist named 'Nope' (watchlists: Mine)" in capsys.readouterr().err
