"""What grows over the soak day, Qt-free: the live session (app/services/session, no window) against the
replay server playing tests/bench/soak_recording.py's day, its market clock on the replay's, snapshotted
10×/s as the window's tick does; tracemalloc at the day's middle and end, the top growths by traceback.

    .venv/bin/python tests/bench/soak_session.py [--seconds 480] [--hours 24] [--frames 6] [--top 15]

Figures only (tracemalloc slows the process; compare the middle and the end, not absolute sizes).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests/bench"))

import soak_recording  # noqa: E402
from bench_app import Proc, Server  # noqa: E402


def _types() -> Counter[str]:
    return Counter(type(o).__name__ for o in gc.get_objects())


async def soak(options: argparse.Namespace, tmp: Path) -> None:
    from app.services.clock import REPLAY_CLOCK_ENV
    from app.services.session.live import LiveSession
    from app.store.paths import ProfilePaths

    speed = options.hours * 3600 / options.seconds
    lead_s = 4.0
    day_start = (int(time.time()) + 60) * 1000
    recording = tmp / "soak.jsonl.gz"
    info = soak_recording.write(recording, day_start, options.hours, lead_s=lead_s * speed)
    print(f"recording: {info['frames']:,} frames, {options.hours:g} h, ×{speed:g}", flush=True)
    first_ms = day_start - int(lead_s * speed * 1000)
    tracemalloc.start(options.depth)
    env = {**os.environ, "XDG_STATE_HOME": str(tmp), "XDG_CONFIG_HOME": str(tmp), "XDG_DATA_HOME": str(tmp),
           "XDG_CACHE_HOME": str(tmp)}
    server = Server(recording, speed, env, options.seconds + 60)
    try:
        status = server.status()
        wall_ms = time.time() * 1000 - (int(status["market_ms"]) - first_ms) / speed
        os.environ[REPLAY_CLOCK_ENV] = f"{first_ms},{wall_ms:.0f},{speed}"
        profile = ProfilePaths("default", tmp / "config", tmp / "data", tmp / "cache", tmp / "log").ensure()
        rest = {"mof/rest": "http://127.0.0.1:9"}
        profile.settings_file.write_text(json.dumps({"version": 1, "endpoints": {**server.endpoints, **rest}}))
        session = LiveSession(profile)
        await session.open()
        await session.start()
        proc = Proc(os.getpid())
        marks = options.frames
        end_s = lead_s + options.seconds
        snaps: dict[str, tracemalloc.Snapshot] = {}
        types: dict[str, Counter[str]] = {}
        next_mark = 1
        started = server.started
        while True:
            session.snapshot()
            now = time.perf_counter() - started
            if now >= lead_s + 1 + (end_s - lead_s - 1) * (next_mark - 1) / (marks - 1):
                market = int(server.status()["market_ms"])
                print(f"{now:5.0f} s wall, {(market - day_start) / 3.6e6:+5.1f} h event: RSS {proc.rss_mb():.0f} MB, "
                      f"traced {tracemalloc.get_traced_memory()[0] / 2**20:.0f} MB, "
                      f"liquidations shown {sum(session.engine.counts.values()):,}",
                      flush=True)
                if next_mark - 1 in (marks // 2, marks - 1):
                    name = "middle" if next_mark - 1 == marks // 2 else "end"
                    snaps[name] = tracemalloc.take_snapshot()
                    types[name] = _types()
                next_mark += 1
                if next_mark > marks:
                    break
            await asyncio.sleep(0.1)
        report(snaps, types, options)
        try:
            await asyncio.wait_for(asyncio.shield(session.stop()), 60)
            print("session stopped:", session.shutdown_steps, flush=True)
        except TimeoutError:
            print(f"session.stop() still running after 60 s; steps done: {session.shutdown_steps}; tasks:")
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.print_stack(limit=8, file=sys.stdout)
            sys.stdout.flush()
            os._exit(1)
    finally:
        server.stop()


def report(snaps: dict[str, tracemalloc.Snapshot], types: dict[str, Counter[str]], options: argparse.Namespace) -> None:
    stats = snaps["end"].compare_to(snaps["middle"], "traceback")
    print(f"\ntop {options.top} growths middle→end (traceback):")
    for stat in stats[: options.top]:
        print(f"{stat.size_diff / 2**10:+9.0f} KiB {stat.count_diff:+8d} blocks (now {stat.size / 2**20:.1f} MB)")
        for frame in stat.traceback.format()[-2 * options.depth:]:
            print("     ", frame)
    grown = types["end"] - types["middle"]
    print("\nobjects by type, middle→end:", ", ".join(f"{k} +{v}" for k, v in grown.most_common(15)), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=480.0)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--frames", type=int, default=7, help="RSS marks (the middle and the last are snapshotted)")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--depth", type=int, default=6, help="traceback frames shown per growth")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(soak(options, Path(tmp)))


if __name__ == "__main__":
    main()
