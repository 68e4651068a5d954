"""Every entry point quits by itself: the demo runs offscreen, replays through the real network
code on 127.0.0.1 and prints its one-line summary after an orderly shutdown."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cascade(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


def test_demo_exits_by_itself_with_liquidations_from_every_venue() -> None:
    # Speed 20 covers a few scenario minutes in 6 wall seconds: every venue must have shown some.
    result = run_cascade("--demo", "--speed", "20", "--exit-after", "6")
    assert result.returncode == 0, result.stderr[-3000:]
    match = re.search(r"liquidations shown binance=(\d+) bybit=(\d+) okx=(\d+)", result.stdout)
    assert match, result.stdout + result.stderr[-3000:]
    counts = [int(x) for x in match.groups()]
    assert all(count > 0 for count in counts), counts


def test_version() -> None:
    result = run_cascade("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"cascade \d+\.\d+\.\d+\s*", result.stdout)
