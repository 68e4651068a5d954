"""`cascade macro`: the acceptance figures, JSON shape, and no Qt on import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.commands import macro as macro_cli

ROOT = Path(__file__).resolve().parents[2]


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert macro_cli.main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_acceptance_2026_01_20(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, "--date", "2026-01-20")
    tenors = report["tenors"]
    assert (tenors["30Y"]["level"], tenors["30Y"]["change_bp"], tenors["30Y"]["record"]) == (3.765, 20.3, True)
    assert (tenors["40Y"]["level"], tenors["40Y"]["change_bp"], tenors["40Y"]["record"]) == (3.901, 18.0, True)
    assert (tenors["10Y"]["level"], tenors["10Y"]["change_bp"], tenors["10Y"]["record"]) == (2.33, 6.4, False)
    assert report["source"] == "MOF close, 2026-01-20"
    assert tenors["30Y"]["big_move"] and not tenors["10Y"]["big_move"]
    assert [e["kind"] for e in report["in_progress"]] == ["wef"]
    assert report["next_events"][0]["kind"] == "boj"
    assert report["next_events"][0]["countdown"] == "1d 09h"
    assert report["calendar_as_of"] == "2026-11-25"


def test_weekend_date_uses_previous_close(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, "--date", "2026-01-18", "--tenors", "10y")
    assert report["data_date"] == "2026-01-16" and list(report["tenors"]) == ["10Y"]


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert macro_cli.main(["--date", "2026-01-20"]) == 0
    out = capsys.readouterr().out
    assert "MOF close, 2026-01-20" in out and "RECORD close" in out and "IN PROGRESS" in out


def test_unknown_tenor_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert macro_cli.main(["--date", "2026-01-20", "--tenors", "50Y"]) == 2
    assert "50Y" in capsys.readouterr().err


def test_default_date_runs(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys)
    assert report["data_date"] is not None


def test_subprocess_without_qt() -> None:
    probe = (
        "import sys, json; from app.cli import main; code = main(['macro', '--date', '2026-01-20', '--json']);"
        "sys.stderr.write(json.dumps(sorted(m for m in sys.modules if m.startswith(('PySide6','pyqtgraph','qasync')))))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stderr) == []
    assert json.loads(out.stdout)["tenors"]["40Y"]["record"] is True


def test_a_close_months_old_is_stale_with_its_age(capsys: pytest.CaptureFixture[str]) -> None:
    report = run_json(capsys, "--date", "2026-12-04")
    assert report["data_date"] == "2026-04-30"
    assert (report["stale"], report["age_days"], report["source_status"]) == (True, 218, "bundled")
    assert report["freshness"] == "last MOF close 2026-04-30 · 7 months old · bundled data"
    fresh = run_json(capsys, "--date", "2026-01-20")
    assert (fresh["stale"], fresh["age_days"]) == (False, 0)


def test_a_failed_fetch_is_reported_as_unreachable(capsys: pytest.CaptureFixture[str]) -> None:
    from app.feeds.mof_poller import MofCache
    from app.store.paths import profile_paths

    MofCache(profile_paths().cache_dir / "mof").store_poll_status("unreachable", "jgbcme.csv: failed network", 0)
    report = run_json(capsys, "--date", "2026-12-04")
    assert report["source_status"] == "unreachable" and "network" in report["source_detail"]
    assert macro_cli.main(["--date", "2026-12-04"]) == 0
    text = capsys.readouterr().out
    assert "STALE: last MOF close 2026-04-30 · 7 months old · source unreachable" in text
    assert "not of 2026-12-04" in text  # the day change is not presented as today's


def test_the_users_imported_calendar_and_zone_are_honoured(capsys, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Like the strip: the calendar the user imported (saved in the settings) is overlaid, and its
    floating times are read in the user's zone."""
    from app.store.paths import profile_paths
    from app.store.settings import Settings, save_settings

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    ics = tmp_path / "mine.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:user\r\nBEGIN:VEVENT\r\nUID:desk@user\r\n"
                   "SUMMARY:Desk call\r\nDTSTART:20260120T180000\r\nDTEND:20260120T183000\r\nEND:VEVENT\r\n"
                   "END:VCALENDAR\r\n")
    paths = profile_paths().ensure()
    save_settings(Settings(user_calendar_path=str(ics)), paths.settings_file)
    report = run_json(capsys, "--date", "2026-01-20")  # now = 15:00 JST
    desk = next(e for e in report["next_events"] if e["title"] == "Desk call")
    assert desk["countdown"] == "3h 00m"  # 18:00 in the user's zone (Tokyo), not 18:00 UTC
    assert report["tenors"]["30Y"]["level"] == 3.765  # the figures are unchanged
