"""`cascade summarize`: the bundled recording's headline figures through the venue parsers and the core
aggregator, the --json keys, the window measured back from the last liquidation, and a one-line error
with exit 2 for a missing or damaged recording (never a traceback)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.commands.summarize import main, summarize
from app.resources import resource_path
from app.scenario import calibration as cal

BUNDLED = resource_path("scenarios", "2026-01-20.jsonl.gz")
ROOT = Path(__file__).resolve().parents[2]
KEYS = {"count", "total_usd", "long_share", "by_venue", "by_coin", "largest", "completeness", "coverage"}


@pytest.fixture(scope="module")
def bundled_json() -> dict:  # type: ignore[type-arg]
    out = subprocess.run([sys.executable, "-m", "app.cli", "summarize", str(BUNDLED), "--json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=50)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_json_keys_and_shapes(bundled_json: dict) -> None:  # type: ignore[type-arg]
    assert set(bundled_json) == KEYS
    assert 0.0 <= bundled_json["long_share"] <= 1.0
    for table in ("by_venue", "by_coin"):
        for entry in bundled_json[table].values():
            assert set(entry) == {"long_usd", "short_usd", "long_count", "short_count", "count"}
            assert entry["count"] == entry["long_count"] + entry["short_count"]
    assert sum(e["count"] for e in bundled_json["by_venue"].values()) == bundled_json["count"]
    assert sum(e["long_usd"] + e["short_usd"] for e in bundled_json["by_venue"].values()) == \
        pytest.approx(bundled_json["total_usd"])
    assert set(bundled_json["largest"]) == {"venue", "symbol", "notional_usd", "ts_ms"}
    assert set(bundled_json["completeness"]) == set(bundled_json["coverage"])
    assert set(bundled_json["by_venue"]) <= set(bundled_json["completeness"])


def test_bundled_recording_matches_its_calibration(bundled_json: dict) -> None:  # type: ignore[type-arg]
    calibrated = {venue: bundled_json["by_venue"][venue] for venue in cal.VENUE_LONG_USD}
    longs = sum(v["long_usd"] for v in calibrated.values())
    target_longs = sum(t.value for t in cal.VENUE_LONG_USD.values())
    assert longs == pytest.approx(target_longs, rel=0.01)
    total = sum(v["long_usd"] + v["short_usd"] for v in calibrated.values())
    assert total == pytest.approx(target_longs / cal.LONG_SHARE.value, rel=0.01)
    assert longs / total == pytest.approx(cal.LONG_SHARE.value, rel=0.01)
    largest = bundled_json["largest"]
    assert (largest["venue"], largest["symbol"]) == ("bitget", cal.BITGET_WHALE_SYMBOL)
    assert largest["notional_usd"] == pytest.approx(cal.BITGET_WHALE_USD.value, rel=0.01)
    for coin in ("BTC", "ETH"):  # the coin's share of the calibrated venues' longs
        assert bundled_json["by_coin"][coin]["long_usd"] == pytest.approx(cal.COIN_SHARE[coin].value * longs,
                                                                          rel=0.01)
    for venue, label in bundled_json["completeness"].items():
        assert label in ("all", "sampled", "partial", "aggregated"), venue
        assert 0 < bundled_json["coverage"][venue] <= cal.END_MS - cal.START_MS


def test_the_window_is_measured_back_from_the_last_liquidation() -> None:
    day = summarize(str(BUNDLED))
    hour = summarize(str(BUNDLED), 3_600_000)
    assert hour.stats.end_ms == day.stats.end_ms
    assert 0 < hour.stats.totals.count < day.stats.totals.count
    assert hour.stats.start_ms > day.stats.end_ms - 3_600_000  # bucket resolution, inside the hour
    assert all(ms <= 3_600_000 for ms in hour.coverage.values())


def test_text_output_is_the_headline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(BUNDLED), "--window", "4h"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Past 4 h: ")
    assert lines[2].startswith("Largest: Bitget BTCUSDT $13.52M long at ")
    assert lines[-1] == "Sampled venues undercount: Binance, Bitget · partial venues undercount: OKX"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", "summarize", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=50)


@pytest.mark.parametrize("kind", ["missing", "not gzip", "truncated", "not a recording", "directory", "window"])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "rec.jsonl.gz"
    extra: list[str] = []
    if kind == "not gzip":
        path.write_text("hello\n")
    elif kind == "truncated":
        path.write_bytes(BUNDLED.read_bytes()[:200_000])
    elif kind == "not a recording":
        path.write_bytes(gzip.compress(b'{"some": "json"}\n[1, 2]\n'))
    elif kind == "directory":
        path = tmp_path
    elif kind == "window":
        path = BUNDLED
        extra = ["--window", "soon"]
    out = run(str(path), *extra)
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert out.stderr.startswith("cascade summarize: ")
    assert "Traceback" not in out.stderr
