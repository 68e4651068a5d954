"""The whole app under load (figures only): the bundled scenario served by `cascade replay-server` in
its own process at high speed, the GUI (`cascade`, offscreen, every venue pointed at that server
through settings) receiving it through the real network code; printed: frames/s the GUI process took
and how late its event loop woke (median, p99, max).

Run: .venv/bin/python tests/bench/bench_app.py [runs] [speeds...]   (default: 3 runs, speeds 100 300 1000)
resources/docs/DESIGN.md's budget: sustain 30,000 frames/s with the loop never blocked more than 50 ms.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"event loop lag: median ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms .*?; (\d+) frames received, "
                  r"(\d+) frames/s")


def run(speed: float, seconds: float) -> tuple[float, float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": tmp, "XDG_CONFIG_HOME": tmp,
               "XDG_DATA_HOME": tmp, "XDG_CACHE_HOME": tmp}
        server = subprocess.Popen([sys.executable, "-m", "app.cli", "replay-server", "--speed", str(speed),
                                   "--port", "0", "--exit-after", str(seconds + 10)],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            endpoints = json.loads(server.stdout.readline())["endpoints"]
            config = Path(tmp) / "Cascade" / "default"
            config.mkdir(parents=True)
            rest = {f"{venue}/rest": "http://127.0.0.1:9" for venue in ("binance", "bybit", "okx", "mof")}  # closed
            (config / "settings.json").write_text(json.dumps({"version": 1, "endpoints": {**endpoints, **rest}}))
            subprocess.run([sys.executable, "-m", "app.cli", "--exit-after", str(seconds)], cwd=ROOT, env=env,
                           check=True, capture_output=True, timeout=120)
        finally:
            server.terminate()
            server.wait(10)
        log = (Path(tmp) / "Cascade/log/default/cascade.log").read_text()
    median, p99, worst, _frames, rate = LINE.findall(log)[-1]
    return float(rate), float(median), float(p99), float(worst)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    speeds = [float(x) for x in sys.argv[2:]] or [100.0, 300.0, 1000.0]
    for speed in speeds:
        results = [run(speed, 8.0) for _ in range(runs)]
        rate, median, p99, worst = (statistics.median(col) for col in zip(*results, strict=True))
        print(f"speed ×{speed:g}: {rate:,.0f} frames/s received; loop lag median {median:.1f} ms, "
              f"p99 {p99:.1f} ms, max {worst:.1f} ms (medians of {runs} runs of 8 s)")


if __name__ == "__main__":
    main()
