"""The whole app under load (figures only, never pass/fail): `cascade replay-server` in its own process
serves a recording, the GUI (`cascade`, offscreen, every pane live, every venue pointed at that server
through settings) receives it through the real network code.

Modes (each prints one line per run, with the machine's speed beside it):
  rates [R ...]      a dense recording generated per target rate (default 1k 5k 10k 30k 60k frames/s):
                     the bundled scenario's frames (every venue, liquidations and marks mixed: its first
                     second of snapshots, then its cascade) re-timed evenly at R frames/s; played ×1.
  profile [S ...]    the 2025-10-10 stress profile (app/scenario/stress_profile.py: ~500 liquidations/s,
                     bursts ×5) at speeds S (default 1 10).
  quiet              a normal day, ~200 frames/s: the scenario's calm minutes at their own pace (their
                     liquidations as they happened), padded with their mark frames: CPU and RSS. (Before
                     2026-12-04 it re-timed the calm minutes to 200 frames/s, ×9 their pace: 15 liq./s.)
                     --history N: the profile's history first holds N liquidations over the 24 h before
                     now, as after a day of running (the tape, totals and stress windows refilled at start).
  soak [SECONDS]     24 h of event time (tests/bench/soak_recording.py) played in SECONDS (default 480,
                     ×180) with the GUI's market clock on the replay's: RSS at 9 points, start to end.

Per run: the rate the server sustained (its frames sent over the measuring window: it waits for a
client that falls behind, so this is what the app took), the event-loop lag of a 10 ms probe (p99, max;
start-up excluded), the time from a frame's arrival to its liquidations in the tape model (p50, p99;
app.services.loop_lag.LatencyMonitor), CPU % (of one core) and RSS of the GUI process from /proc.

Run: .venv/bin/python tests/bench/bench_app.py rates [1000 5000 ...] [--seconds 6]
The budget (issue 14): ≥ 30,000 frames/s with max lag < 50 ms and p99 arrival-to-model < 250 ms;
quiet day < 3% of one core; RSS growth < 10% between the soak's middle and end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.venues import registry  # noqa: E402
from app.replay.recording import Record, RecordingWriter, read_recording  # noqa: E402
from app.resources import resource_path  # noqa: E402

LAG = re.compile(r"event loop lag: median (-?[\d.]+) ms, p99 (-?[\d.]+) ms, max (-?[\d.]+) ms")
LATENCY = re.compile(r"arrival to model: p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms over (\d+) liquidations")
FRAMES = re.compile(r"; (\d+) frames received, (\d+) frames/s")
BUNDLED = resource_path("scenarios", "2026-01-20.jsonl.gz")
CASCADE_OFFSET_MS = 600_000
LEAD_S = 6.0
"""The recording's first frame plays this long after the server starts: the GUI starts and connects."""
SKIP_S = 3.0
"""The GUI's lag probe ignores its first seconds after the feeds start (start-up, not load)."""
CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine_speed() -> float:
    """Seconds `sum(range(10**8))` takes on this machine now (issue 14: beside every figure)."""
    out = subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter(); sum(range(10**8)); "
                          "print(time.perf_counter()-t)"], capture_output=True, text=True, check=True)
    return float(out.stdout)


# --- recordings -----------------------------------------------------------------------------------

def _bundled() -> tuple[dict[str, Any], list[Record], list[Record]]:
    meta, records = read_recording(BUNDLED)
    http: list[Record] = []
    ws: list[Record] = []
    for record in records:
        (http if record.kind == "http" else ws).append(record)
    return meta, http, ws


def _write(path: Path, meta: dict[str, Any], http: list[Record], frames: Iterator[tuple[int, Record]]) -> int:
    count = 0
    with RecordingWriter(path, meta) as writer:
        for record in http:  # every REST answer at once: the latest of each is what gets served
            writer.write_http(0, record.stream, record.method or "GET", record.path or "/", record.body or "",
                              request=record.request)
        for offset, record in frames:
            writer.write(offset, record.stream, record.frame)
            count += 1
    return count


def dense_recording(path: Path, rate: float, frames: int, lead_s: float, calm: bool = False) -> int:
    """The bundled frames re-timed evenly at `rate` frames/s after `lead_s`: its first second
    (subscription snapshots) then its cascade, cycled when more are asked for (a cycled liquidation is
    a duplicate the app drops, as it would a venue's repeat); `calm`: its 10 calm minutes only."""
    meta, http, ws = _bundled()
    head = [r for r in ws if r.offset_ms < 1000]
    body = [r for r in ws if (r.offset_ms < CASCADE_OFFSET_MS if calm else r.offset_ms >= CASCADE_OFFSET_MS)
            and r.offset_ms >= 1000]

    def timed() -> Iterator[tuple[int, Record]]:
        for i in range(frames):
            record = head[i] if i < len(head) else body[(i - len(head)) % len(body)]
            yield int(lead_s * 1000 + i * 1000 / rate), record

    return _write(path, {**meta, "scenario": f"dense {rate:g}/s"}, http, timed())


def quiet_recording(path: Path, rate: float, seconds: float, lead_s: float) -> tuple[int, int]:
    """A normal day: the scenario's calm minutes at their own pace (~21 frames/s, their liquidations at
    the rate they happened), the rest of `rate` frames/s made of its mark frames repeated evenly (marks
    conflate: a repeat costs the network path, never a tape row). Returns (frames, liquidation frames)."""
    meta, http, ws = _bundled()
    head = [r for r in ws if r.offset_ms < 1000]
    calm = [r for r in ws if 1000 <= r.offset_ms < CASCADE_OFFSET_MS]
    marks = [r for r in calm if "liquidat" not in r.frame.lower() and "forceorder" not in r.frame.lower()]
    timed: list[tuple[int, Record]] = [(int(lead_s * 1000) + i, r) for i, r in enumerate(head)]
    start = int(lead_s * 1000) + len(head)
    natural = [(start + r.offset_ms - 1000, r) for r in calm if r.offset_ms - 1000 < seconds * 1000]
    filler = max(0, int(rate * seconds) - len(natural))
    timed += natural + [(start + int(i * 1000 / max(rate - len(natural) / seconds, 1.0)), marks[i % len(marks)])
                        for i in range(filler)]
    timed.sort(key=lambda pair: pair[0])
    liquidation_frames = sum(1 for _, r in natural if r not in marks)
    return _write(path, {**meta, "scenario": f"quiet {rate:g}/s"}, http, iter(timed)), liquidation_frames


# --- one run --------------------------------------------------------------------------------------

class Proc:
    """CPU seconds and RSS of a process, from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


class Server:
    def __init__(self, recording: Path, speed: float, env: dict[str, str], exit_after: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "replay-server", str(recording), "--speed", str(speed), "--port", "0",
             "--control", "--exit-after", str(exit_after)],
            cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.endpoints: dict[str, str] = json.loads(self.proc.stdout.readline())["endpoints"]
        self.started = time.perf_counter()
        self._lock = threading.Lock()

    def frames_sent(self) -> int:
        return int(self.status()["frames_sent"])

    def status(self) -> dict[str, Any]:
        """The control channel's status: frames_sent, market_ms (the replay clock)…"""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with self._lock:
            self.proc.stdin.write("status\n")
            self.proc.stdin.flush()
            while True:
                answer = json.loads(self.proc.stdout.readline())
                if "status" in answer:
                    return dict(answer["status"])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


PROBE_MS = 10.0
"""--probe-ms: the GUI's loop-lag probe interval (the probe's own wake-ups cost CPU: the quiet day's figure is
also given with the app's default probe)."""
PY_SPY: Path | None = None
PY_SPY_NATIVE = False
PROBE_TICKS = False
"""--probe-ticks: the GUI runs under gui_probe.py (each repaint tick timed, per pane)."""
SHUTDOWN_WAIT_S = 120.0
"""How long the GUI gets to exit after its --exit-after."""
SETTINGS: dict[str, Any] = {}
"""--repaint-hz: settings of the GUI besides the endpoints."""
"""--py-spy OUT: py-spy samples the GUI over each measuring window (raw folded stacks to OUT.<n>.txt)."""


def seed_history(data_home: Path, count: int) -> None:
    """`count` liquidations spread over the 24 h before now in the default profile's history (under
    XDG_DATA_HOME `data_home`), every venue with a liquidation feed, majors and smaller coins."""
    import random

    from app.core.events import Liquidation
    from app.store.db import HistoryDb

    now = int(time.time() * 1000)
    venues = [name for name in registry.names() if registry.by_name(name).publishes_liquidations]
    coins = (("BTC", 92_000.0), ("ETH", 3_200.0), ("SOL", 133.0), ("XRP", 1.98), ("DOGE", 0.128), ("PEPE", 0.00001))
    chance = random.Random(20260120)
    events = []
    for i in range(count):
        coin, price = coins[min(int(chance.expovariate(1.0)), len(coins) - 1)]
        usd = chance.lognormvariate(7.5, 1.6)
        events.append(Liquidation(chance.choice(venues), f"{coin}USDT", coin, "linear_perp",
                                  chance.choice(("long", "short")), price, usd / price, usd,
                                  now - 86_400_000 + i * 86_400_000 // max(count, 1), "all", f"seed-{i}"))
    path = data_home / "Cascade" / "default" / "history.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    with HistoryDb.open(path) as db:
        for start in range(0, len(events), 10_000):
            db.write_liquidations(events[start:start + 10_000])
        db.mark_alive(now)
        db.flush()


def run(recording: Path, seconds: float, speed: float = 1.0, lead_s: float = LEAD_S,
        rss_marks: int = 0, gui_env: Callable[[Server], dict[str, str]] | None = None,
        history: int = 0) -> dict[str, Any]:
    """Serve `recording` at `speed` to a GUI; measure over [lead_s + 1, lead_s + seconds - 0.5] (wall).
    `rss_marks` > 1: RSS at that many evenly spaced points (`rss`, with wall seconds in `rss_at` and the
    replay clock in `market_at`); `gui_env`: more of the GUI's environment, once the server runs;
    `history`: liquidations stored in the profile's history over the last 24 h first (seed_history)."""
    probe = (f"{PROBE_MS:g}" if PROBE_MS else "") + f":{SKIP_S}"  # "" = the app's own interval
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": tmp, "XDG_CONFIG_HOME": tmp,
               "XDG_DATA_HOME": tmp, "XDG_CACHE_HOME": tmp, "CASCADE_LAG_PROBE": probe}
        total = lead_s + seconds
        server = Server(recording, speed, env, total + 20)
        gui = None
        try:
            config = Path(tmp) / "Cascade" / "default"
            config.mkdir(parents=True)
            closed = {stream: ("ws://" if url.startswith("ws") else "http://") + "127.0.0.1:9"
                      for venue in registry.names()  # streams the recording lacks: a closed port, never a real host
                      for stream, url in registry.by_name(venue).default_endpoints.items()}
            # Closed too: the JGB closes come from the bundled cache, each venue's REST (open interest, candles)
            # fails at once (without these keys the pollers asked real hosts: a DNS lookup, never a bench's).
            rest = {f"{venue}/rest": "http://127.0.0.1:9" for venue in ("mof", *registry.names())}
            if history:
                seed_history(Path(tmp), history)
            (config / "settings.json").write_text(json.dumps({"version": 1, **SETTINGS,
                                                                 "endpoints": {**closed, **server.endpoints, **rest}}))
            entry = [str(ROOT / "tests/bench/gui_probe.py")] if PROBE_TICKS else ["-m", "app.cli"]
            gui_environ = {**env, **gui_env(server)} if gui_env is not None else env
            gui = subprocess.Popen([sys.executable, *entry, "--exit-after", str(total)], cwd=ROOT, env=gui_environ,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            proc = Proc(gui.pid)

            def at(offset: float) -> None:
                time.sleep(max(0.0, server.started + offset - time.perf_counter()))

            at(lead_s + 1.0)
            t0, sent0, cpu0 = time.perf_counter(), server.frames_sent(), proc.cpu_s()
            spy = None
            if PY_SPY is not None:
                out = PY_SPY.with_name(f"{PY_SPY.name}.{int(time.time())}.txt")
                spy = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(gui.pid),
                                        "-d", str(int(seconds - 2)), "-r", "200", "-f", "raw", "-o", str(out),
                                        *(["--native", "--idle"] if PY_SPY_NATIVE else ["--nonblocking"])],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            rss: list[float] = [proc.rss_mb()]
            rss_at: list[float] = [t0 - server.started]
            market_at: list[int] = [int(server.status()["market_ms"])] if rss_marks else []
            end = lead_s + seconds - 0.5
            for i in range(1, rss_marks):
                at(lead_s + 1.0 + (end - lead_s - 1.0) * i / rss_marks)
                rss.append(proc.rss_mb())
                rss_at.append(time.perf_counter() - server.started)
                market_at.append(int(server.status()["market_ms"]))
                print(f"  {rss_at[-1]:4.0f} s: RSS {rss[-1]:.0f} MB, CPU {proc.cpu_s() - cpu0:.0f} s, replay clock "
                      f"{(market_at[-1] - market_at[0]) / 3_600_000:.1f} h after the first mark", flush=True)
            at(end)
            t1, status1, cpu1 = time.perf_counter(), server.status(), proc.cpu_s()
            sent1 = int(status1["frames_sent"])
            rss.append(proc.rss_mb())
            rss_at.append(t1 - server.started)
            market_at.append(int(status1["market_ms"]))
            if spy is not None:
                spy.wait(30)
            stopping = time.perf_counter()
            try:
                _, err = gui.communicate(timeout=SHUTDOWN_WAIT_S)
            except subprocess.TimeoutExpired:  # figures so far are kept; the log has no closing line
                spy = Path(sys.executable).with_name("py-spy")
                if spy.exists():  # where it is stuck
                    dump = subprocess.run([str(spy), "dump", "--pid", str(gui.pid)], capture_output=True, text=True)
                    print(f"  the GUI is still running; py-spy dump:\n{dump.stdout[-6000:]}{dump.stderr[-500:]}")
                log_path = Path(tmp) / "Cascade/log/default/cascade.log"
                if log_path.exists():
                    print("  its log's last lines:\n" + "\n".join(log_path.read_text().splitlines()[-25:]))
                gui.terminate()
                try:
                    _, err = gui.communicate(timeout=10)
                except subprocess.TimeoutExpired:  # SIGTERM did not end it either
                    gui.kill()
                    _, err = gui.communicate(timeout=30)
                err = f"the GUI had not exited {SHUTDOWN_WAIT_S:.0f} s after --exit-after\n{err}"
            shutdown_s = time.perf_counter() - stopping
        finally:
            if gui is not None and gui.poll() is None:
                gui.kill()
            server.stop()
        log_path = Path(tmp) / "Cascade/log/default/cascade.log"
        log = log_path.read_text() if log_path.exists() else ""
    lag, latency, frames = LAG.findall(log), LATENCY.findall(log), FRAMES.findall(log)
    if not lag and rss_marks:
        lag = [("nan", "nan", "nan")]
        print(f"  no closing line in the GUI's log: {err[-1500:]}", flush=True)
    if not lag:
        raise RuntimeError(f"no lag line in the GUI's log (exit {gui.returncode}): {err[-1500:]}\n{log[-1500:]}")
    if PROBE_TICKS:
        print("\n".join(x for x in err.splitlines() if x.startswith(("tick", "slow tick"))), flush=True)
    result: dict[str, Any] = {
        "rate": (sent1 - sent0) / (t1 - t0), "cpu": 100 * (cpu1 - cpu0) / (t1 - t0), "rss": rss,
        "rss_at": rss_at, "market_at": market_at, "frames_sent": sent1, "shutdown_s": shutdown_s,
        "lag_median": float(lag[-1][0]), "lag_p99": float(lag[-1][1]), "lag_max": float(lag[-1][2]),
        "frames_received": int(frames[-1][0]) if frames else 0,
    }
    if latency:
        p50, p99, worst, count = latency[-1]
        result.update(lat_p50=float(p50), lat_p99=float(p99), lat_max=float(worst), liquidations=int(count))
    return result


def line(label: str, r: dict[str, Any], speed_s: float) -> str:
    lat = (f"arrival→model p50 {r['lat_p50']:.0f} ms, p99 {r['lat_p99']:.0f} ms ({r['liquidations']:,} liq.)"
           if "lat_p50" in r else "arrival→model: no liquidations")
    return (f"{label}: sustained {r['rate']:,.0f} frames/s; loop lag p99 {r['lag_p99']:.1f} ms, "
            f"max {r['lag_max']:.1f} ms; {lat}; CPU {r['cpu']:.1f}% of a core, RSS {r['rss'][-1]:.0f} MB  "
            f"[machine: sum(range(1e8)) {speed_s:.2f} s]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("rates", "profile", "quiet", "soak"))
    parser.add_argument("values", nargs="*", type=float)
    parser.add_argument("--seconds", type=float, default=6.0, help="measured seconds per run (default 6)")
    parser.add_argument("--py-spy-native", action="store_true",
                        help="with --py-spy: native (Qt, C) frames too, idle samples kept (pauses the GUI per sample)")
    parser.add_argument("--py-spy", type=Path, default=None, metavar="OUT",
                        help="sample the GUI with py-spy over each run (folded stacks to OUT.<time>.txt)")
    parser.add_argument("--repaint-hz", type=float, default=None, help="the GUI's repaint rate (default: its own)")
    parser.add_argument("--probe-ms", type=float, default=None,
                        help="the GUI's lag probe interval (default 10; quiet: 0 = the app's own, 250 ms)")
    parser.add_argument("--network-thread", action="store_true",
                        help="the connections on a network thread of their own (CASCADE_NETWORK_THREAD=1)")
    parser.add_argument("--hours", type=float, default=24.0, help="soak: hours of event time (default 24)")
    parser.add_argument("--probe-ticks", action="store_true", help="time the GUI's repaint ticks (gui_probe.py)")
    parser.add_argument("--history", type=int, default=0, metavar="N",
                        help="quiet: N liquidations in the profile's history over the last 24 h first (default 0)")
    options = parser.parse_args()
    global PY_SPY, PY_SPY_NATIVE
    PY_SPY = options.py_spy
    PY_SPY_NATIVE = options.py_spy_native
    global PROBE_TICKS, PROBE_MS
    PROBE_MS = options.probe_ms if options.probe_ms is not None else (0.0 if options.mode == "quiet" else 10.0)
    PROBE_TICKS = options.probe_ticks
    if options.network_thread:
        os.environ["CASCADE_NETWORK_THREAD"] = "1"  # the GUI inherits the bench's environment
    if options.repaint_hz is not None:
        SETTINGS["repaint_hz"] = options.repaint_hz
    speed_s = machine_speed()
    held: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        recording = Path(tmp) / "bench.jsonl.gz"
        if options.mode == "rates":
            for rate in options.values or [1000, 5000, 10_000, 30_000, 60_000]:
                dense_recording(recording, rate, int(rate * (options.seconds + 1)), LEAD_S)
                r = run(recording, options.seconds + 1)
                print(line(f"target {rate:,.0f} frames/s", r, speed_s), flush=True)
                if r["lag_max"] < 50 and r["rate"] >= 0.95 * rate:
                    held.append(rate)
            print(f"highest rate held with max lag < 50 ms: {max(held):,.0f} frames/s" if held
                  else "no rate held with max lag < 50 ms")
        elif options.mode == "profile":
            from app.scenario import stress_profile

            for speed in options.values or [1, 10]:
                seconds = options.seconds + 1
                info = stress_profile.write(recording, int(seconds * speed) + 1, lead_s=LEAD_S * speed)
                r = run(recording, seconds, speed=speed)
                planned = info["liquidations_planned"] / (int(seconds * speed) + 1)
                print(line(f"2025-10-10 profile ×{speed:g} ({info['frames']:,} frames, {planned:,.0f} liq. planned "
                           f"a scenario second = {planned * speed:,.0f}/s)", r, speed_s),
                      flush=True)
        elif options.mode == "quiet":
            seconds = options.seconds if options.seconds > 6 else 20.0
            rate = options.values[0] if options.values else 200.0
            _, liquidation_frames = quiet_recording(recording, rate, seconds + 1, LEAD_S)
            r = run(recording, seconds + 1, history=options.history)
            day = f", after a day of {options.history:,} liquidations in the history" if options.history else ""
            print(line(f"quiet day ({rate:g} frames/s: the calm minutes at their own pace, {liquidation_frames} frames "
                       f"of liquidations, padded with their marks{day})", r, speed_s))
        else:
            soak(recording, options.values[0] if options.values else 480.0, speed_s, options.hours)


SOAK_HOURS = 24.0


def soak(recording: Path, seconds: float, speed_s: float, hours: float = SOAK_HOURS) -> None:
    """A day of event time (tests/bench/soak_recording.py: the scenario in re-stamped laps, distinct ids,
    exchange timestamps from now on) played in `seconds` wall seconds (24 h in 480 s: ×180; `--hours 48`
    shows the part after every window is full, the stress ring's 24 h filling being growth by design). The GUI is
    live (its real history file, settings, every pane) but its market clock follows the replay's
    (app.services.clock CASCADE_REPLAY_CLOCK), so the day's events age out of its windows as they would
    over a real day; without it every timestamp past a few minutes ahead of the wall clock is refused as
    too new (the stress aggregator's `future_ms`), or, with timestamps at wall time, nothing ages."""
    sys.path.insert(0, str(ROOT / "tests/bench"))
    import soak_recording

    speed = hours * 3600 / seconds
    day_start = (int(time.time()) + 60) * 1000
    t = time.perf_counter()
    info = soak_recording.write(recording, day_start, hours, lead_s=LEAD_S * speed)
    print(f"soak recording: {info['frames']:,} frames, {info['hours']:g} h of event time "
          f"({info['laps']:.2f} laps of the 2026-01-20 scenario), written in {time.perf_counter() - t:.0f} s; "
          f"played at ×{speed:g}", flush=True)
    first_ms = day_start - int(LEAD_S * speed * 1000)  # the recording's clock starts lead_s wall before

    def clock(server: Server) -> dict[str, str]:
        status = server.status()  # the replay clock now, read back to the wall time it started at
        wall_ms = time.time() * 1000 - (int(status["market_ms"]) - first_ms) / speed
        return {"CASCADE_REPLAY_CLOCK": f"{first_ms},{wall_ms:.0f},{speed}"}

    global SHUTDOWN_WAIT_S
    SHUTDOWN_WAIT_S = 30.0  # the figures are taken; a GUI that hangs at exit is reported, not waited for
    r = run(recording, seconds + 1, speed=speed, rss_marks=8, gui_env=clock)
    rss, at, market = r["rss"], r["rss_at"], r["market_at"]
    middle = rss[len(rss) // 2]
    end = rss[-1]
    print(line(f"soak {hours:g} h of event time in {seconds:.0f} s (×{speed:g})", r, speed_s))
    print("soak RSS: " + ", ".join(f"{mb:.0f} MB at {(ms - day_start) / 3_600_000:+.1f} h" for mb, ms in
                                   zip(rss, market, strict=True)))
    print(f"soak: start {rss[0]:.0f} MB, middle {middle:.0f} MB, end {end:.0f} MB (middle→end "
          f"{100 * (end - middle) / middle:+.1f}%, target < 10%); {r['frames_sent']:,} frames sent, "
          f"{r['frames_received']:,} received; {r.get('liquidations', 0):,} distinct liquidations reached the "
          f"tape; event time covered {(market[-1] - day_start) / 3_600_000:.1f} h; wall {at[-1] - at[0]:.0f} s; "
          f"the GUI exited {r['shutdown_s']:.0f} s after its --exit-after")

if __name__ == "__main__":
    main()
