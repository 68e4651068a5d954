"""Start-up to a shown window, and the whole demo round trip (figures only, never asserted).

Run: .venv/bin/python tests/bench/bench_startup.py [runs] [--cold]
Prints the median of several runs of `cascade --demo --exit-after 0.5` (offscreen) and of the live mode
with every venue pointed at a closed local port: the "window shown N s after start" the app logs
(measured from the first import of the `app` package) and the process wall time. Every run starts on a
fresh profile (no settings, caches or history). `--cold` also empties the OS page cache before each run
(root only: `echo 3 > /proc/sys/vm/drop_caches`), so Python, Qt and the app are read from disk again.
"""

from __future__ import annotations

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_once(args: list[str], home: Path) -> tuple[float, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / ".config"), "XDG_STATE_HOME": str(home / ".local/state"),
           "XDG_DATA_HOME": str(home / ".local/share"), "XDG_CACHE_HOME": str(home / ".cache")}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=60)
    wall = time.perf_counter() - started
    log = (home / ".local/state/Cascade/log/default/cascade.log").read_text()
    shown = float(re.findall(r"window shown ([\d.]+) s after start", log)[-1])
    return shown, wall


def drop_page_cache() -> bool:
    """Empty the OS page cache (a cold start); False where that is not allowed."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def main() -> None:
    cold = "--cold" in sys.argv
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    runs = int(numbers[0]) if numbers else 5
    if cold and not drop_page_cache():
        print("--cold: the page cache cannot be emptied here (needs root); nothing measured")
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for label, args in (("demo", ["--demo", "--exit-after", "0.5"]), ("live, no network", ["--exit-after", "0.5"])):
        shown, walls = [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                home = Path(tmp)
                config = home / ".config/Cascade/default"
                config.mkdir(parents=True)
                streams = ("binance/usdm/market", "bybit/linear", "bybit/inverse", "okx/public")
                (config / "settings.json").write_text(json.dumps(
                    {"version": 1, "endpoints": {**{s: f"ws://127.0.0.1:{port}/{s}" for s in streams},
                                                 **{f"{v}/rest": f"http://127.0.0.1:{port}"
                                                    for v in ("binance", "bybit", "okx", "mof")}}}))
                if cold:
                    drop_page_cache()
                s, w = run_once(args, home)
                shown.append(s)
                walls.append(w)
        name = f"{label} (cold)" if cold else label
        print(f"{name:>17}: window shown {statistics.median(shown):.3f} s after start (median of {runs}); "
              f"process wall incl. --exit-after 0.5 and shutdown {statistics.median(walls):.2f} s")


if __name__ == "__main__":
    main()
