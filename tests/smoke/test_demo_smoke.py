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
    assert "unreachable" not in result.stdout  # every venue connected: the line ends with the counts
    # Then exactly one line: the demo book's position nearest to liquidation over the run (registry venue name).
    lines = result.stdout.splitlines()
    venue_line = next(i for i, line in enumerate(lines) if line.startswith("cascade: liquidations shown"))
    nearest = [line for line in lines if line.startswith("cascade: nearest to liquidation")]
    assert len(nearest) == 1 and lines[venue_line + 1] == nearest[0], result.stdout
    from app.core.venues import registry

    names = "|".join(registry.names()) + "|hyperliquid"
    assert re.fullmatch(rf"cascade: nearest to liquidation ({names}) \S+ (long|short) liq [\d,]+\.\d\d "
                        r"min distance -?\d+\.\d\d%", nearest[0]), nearest[0]


def test_version() -> None:
    result = run_cascade("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"cascade \d+\.\d+\.\d+\s*", result.stdout)


def test_live_mode_with_dead_endpoints_shows_offline_and_exits_cleanly(isolated_home) -> None:
    """No network: settings point every venue at a closed local port; the app keeps retrying and
    quits by itself without hanging or crashing."""
    import json
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from app.core.venues import registry

    # Every registered venue's streams and REST, so live mode contacts nothing but this dead port.
    streams = [stream for venue in registry.VENUES for stream in venue.streams]
    settings_dir = isolated_home / ".config" / "Cascade" / "default"
    settings_dir.mkdir(parents=True, exist_ok=True)
    (settings_dir / "settings.json").write_text(json.dumps(
        {"version": 1, "endpoints": {**{s: f"ws://127.0.0.1:{port}/{s}" for s in streams},
                                     **{f"{v}/rest": f"http://127.0.0.1:{port}" for v in registry.names()},
                                     "mof/rest": f"http://127.0.0.1:{port}/"},
         }))
    result = run_cascade("--exit-after", "3")
    assert result.returncode == 0, result.stderr[-3000:]
    from app.services.runtime import DEFAULT_VENUES

    # The prefix scripts read is unchanged; the suffix says the zeros are not a quiet market.
    zeros = " ".join(f"{venue}=0" for venue in registry.publishing_liquidations(DEFAULT_VENUES))
    assert f"liquidations shown {zeros} (unreachable: {', '.join(DEFAULT_VENUES)})\n" in result.stdout
    log = (isolated_home / ".local" / "state" / "Cascade" / "log" / "default" / "cascade.log").read_text()
    assert "connect failed" in log
    assert "snapshot used for binance" in log  # the instrument lists fell back to the bundled snapshot


def test_second_instance_on_the_same_profile_is_refused(isolated_home) -> None:
    from app.store.lock import ProfileLock
    from app.store.paths import profile_paths

    paths = profile_paths().ensure()
    with ProfileLock(paths.lock_file):
        result = run_cascade("--exit-after", "1")
    assert result.returncode == 3
    assert "already running" in result.stderr


_CLOSE_BY_USER = r"""
import sys
from PySide6.QtCore import QTimer
import app.main as main_module
original_start = main_module.MainWindow.start

def start(self):
    original_start(self)
    QTimer.singleShot(1500, self.close)  # the user closes the window

main_module.MainWindow.start = start
from app.cli import main
sys.exit(main(["--demo", "--speed", "20"]))
"""


def test_closing_the_window_shuts_down_in_order() -> None:
    """The title-bar X takes the same orderly path as --exit-after: no 'event loop stopped' crash."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", _CLOSE_BY_USER], capture_output=True, text=True, cwd=ROOT,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "liquidations shown binance=" in result.stdout
    assert "Traceback" not in result.stderr


def test_theme_and_window_size_for_one_run(tmp_path: Path) -> None:
    """`--theme light --window-size 1280x800`: the screenshot is that size (nothing forces the window wider)."""
    from PySide6.QtGui import QImage

    shot = tmp_path / "light.png"
    result = run_cascade("--demo", "--speed", "20", "--exit-after", "4", "--theme", "light",
                         "--window-size", "1280x800", "--screenshot", str(shot))
    assert result.returncode == 0, result.stderr[-3000:]
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1280, 800)
    assert QImage(str(shot)).pixelColor(5, 300).lightness() > 200  # the light theme's background
    bad = run_cascade("--window-size", "wide")
    assert bad.returncode == 2 and "WIDTHxHEIGHT" in bad.stderr
