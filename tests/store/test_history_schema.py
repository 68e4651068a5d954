"""History schema 4-7 (alerts, macro readings, alert rules, watchlists), migrations from every earlier schema,
retention."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.core.events import Liquidation
from app.store.db import MIGRATIONS, HistoryDb, MacroReading

CURRENT = len(MIGRATIONS)


def liq(i: int, ts_ms: int, venue: str = "bybit", side: str = "long", usd: float = 1000.0,
        completeness: str = "all") -> Liquidation:
    return Liquidation(venue=venue, symbol="BTCUSDT", coin="BTC", kind="linear_perp", side=side, price=100.0,
                       qty=usd / 100.0, notional_usd=usd, ts_ms=ts_ms, completeness=completeness, id=str(i))


def build_old(path: Path, version: int) -> None:
    """A file as a Cascade with schema `version` left it, holding one row in every table it had."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for step in MIGRATIONS[:version]:
        for statement in step:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "liquidations" in tables:
        conn.execute("INSERT INTO liquidations VALUES ('bybit','BTCUSDT','BTC','linear_perp','long',"
                     "100.0,2.0,200.0,1000,'all','old-1')")
    if "gaps" in tables:
        conn.execute("INSERT INTO gaps VALUES ('bybit','bybit/linear',10,20)")
    if "runs" in tables:
        conn.execute("INSERT INTO runs VALUES (5, 30)")
    if "alerts" in tables:
        conn.execute("INSERT INTO alerts VALUES (40, 'k', 'warning', 'FOMC', 'starts in 15m')")
    if "alert_rules" in tables:
        conn.execute("INSERT INTO alert_rules VALUES ('big', 0, '{\"id\": \"big\"}', 45)")
    conn.close()


@pytest.mark.parametrize("version", range(CURRENT))
def test_every_earlier_schema_migrates_with_its_data(tmp_path: Path, version: int) -> None:
    path = tmp_path / "history.sqlite3"
    build_old(path, version)
    with HistoryDb.open(path) as db:
        assert db.schema_version() == CURRENT
        assert db.integrity_check() == "ok"
        if version >= 1:
            (old,) = db.liquidations_between(0, 10_000)
            assert (old.id, old.notional_usd, old.ts_ms) == ("old-1", 200.0, 1000)
        if version >= 2:
            assert [(g.start_ms, g.end_ms) for g in db.gaps_between(0, 100)] == [(10, 20)]
        if version >= 3:
            assert db.runs() == [(5, 30)]
        if version >= 4:
            assert [a.title for a in db.alerts_between(0, 100)] == ["FOMC"]
        if version >= 6:
            assert db.alert_rules() == [("big", '{"id": "big"}')]
        # the new tables work after the migration
        db.write_alert(50, "k2", "info", "t", "b")
        db.write_macro_reading(MacroReading(60, "10Y", "2026-01-20", 2.3, 5.0, "ok"))
        db.flush()
        assert db.count("alerts") == (2 if version >= 4 else 1)
        assert db.count("macro_readings") == 1
    names = {row[0] for row in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert {"liquidations", "gaps", "runs", "alerts", "macro_readings", "alert_rules", "watchlists"} <= names


def test_alerts_and_macro_readings_round_trip_and_a_close_is_kept_once(tmp_path: Path) -> None:
    with HistoryDb.open(tmp_path / "h.sqlite3") as db:
        db.write_alert(1_000, "macro-event:fomc", "warning", "FOMC", "starts in 15m")
        for shown in (2_000, 3_000):
            db.write_macro_reading(MacroReading(shown, "30Y", "2026-01-19", 3.61, 12.5, "ok"))
        db.flush()
        (alert,) = db.alerts_between(0, 10_000)
        assert (alert.key, alert.title, alert.level) == ("macro-event:fomc", "FOMC", "warning")
        (reading,) = db.macro_readings()
        assert (reading.tenor, reading.data_date, reading.level, reading.shown_ms) == ("30Y", "2026-01-19",
                                                                                      3.61, 2_000)


def test_totals_and_latest_rows_for_a_refill(tmp_path: Path) -> None:
    with HistoryDb.open(tmp_path / "h.sqlite3") as db:
        db.write_liquidations([liq(1, 100, side="long", usd=500), liq(2, 200, side="short", usd=700),
                               liq(3, 300, venue="okx", usd=900, completeness="aggregated"),
                               liq(4, 50, usd=10_000)])
        db.flush()
        totals = {t.venue: t for t in db.liquidation_totals(100, 1000)}
        assert (totals["bybit"].count, totals["bybit"].long_usd, totals["bybit"].short_usd,
                totals["bybit"].largest_usd) == (2, 500, 700, 700)
        assert totals["okx"].largest_usd == 0  # an aggregated record is never "largest single"
        assert [x.id for x in db.latest_liquidations(0, 1000, 2)] == ["2", "3"]
        assert db.oldest_ms() == 50


def test_compaction_deletes_old_rows_in_batches_and_keeps_the_rest(tmp_path: Path) -> None:
    with HistoryDb.open(tmp_path / "h.sqlite3", batch_rows=500) as db:
        db.write_liquidations([liq(i, ts_ms=i) for i in range(5_000)])
        db.write_gap("bybit", "bybit/linear", 10, 20)
        db.write_alert(10, "a", "info", "old", "")
        db.write_alert(4_900, "b", "info", "new", "")
        db.begin_run(1)
        db.flush()
        request = db.compact(cutoff_ms=4_000, batch_rows=300)
        # writes keep flowing between the batches
        db.write_liquidations([liq(9_000, ts_ms=9_000)])
        assert request.wait(10)
        assert request.error is None
        assert request.deleted["liquidations"] == 4_000
        assert request.batches > 4_000 // 300
        db.flush()
        assert db.count() == 1_001
        assert db.oldest_ms() == 4_000
        assert db.count("gaps") == 0
        assert [a.title for a in db.alerts_between(0, 10_000)] == ["new"]
        assert len(db.runs()) == 1  # the current run is never deleted
        assert db.integrity_check() == "ok"


def test_a_new_file_reclaims_pages_incrementally(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    HistoryDb.open(path).close()
    assert sqlite3.connect(path).execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental


def test_compaction_requested_at_close_is_released(tmp_path: Path) -> None:
    db = HistoryDb.open(tmp_path / "h.sqlite3")
    db.write_liquidations([liq(i, ts_ms=i) for i in range(3_000)])
    request = db.compact(cutoff_ms=10_000, batch_rows=10)
    db.close()
    assert request.wait(5)


def test_retention_setting_defaults_to_90_days_and_is_validated(tmp_path: Path) -> None:
    from app.store.settings import Settings, load_settings, save_settings

    assert Settings().history_retention_days == 90
    path = tmp_path / "settings.json"
    save_settings(Settings(history_retention_days=30), path)
    assert load_settings(path).settings.history_retention_days == 30
    for bad in ("0", "-5", "100000", '"ninety"'):
        path.write_text(f'{{"version": 1, "history_retention_days": {bad}}}')
        loaded = load_settings(path)
        assert loaded.settings.history_retention_days == 90
        assert loaded.warnings and "could not be read" in loaded.warnings[0]
