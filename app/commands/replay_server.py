"""`cascade replay-server [RECORDING] [--speed X] [--host H] [--port N] [--exit-after S]`.

Serves a recording (default: the bundled 2026-01-20 scenario) as venue websockets and prints one
JSON line with the endpoints, so `cascade` settings can point at them. Never imports Qt.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import sys
from pathlib import Path

from app.replay.recording import RecordingError
from app.replay.server import ReplayServer
from app.resources import resource_path

DEFAULT_SCENARIO = ("scenarios", "2026-01-20.jsonl.gz")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cascade replay-server",
        description="Serve a recording as the venues' websockets on this machine.",
    )
    parser.add_argument("recording", nargs="?", help="a .jsonl.gz recording (default: the bundled scenario)")
    parser.add_argument("--speed", type=float, default=1.0, help="replay speed multiplier (default 1)")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="listen port (default: any free port)")
    parser.add_argument("--exit-after", type=float, default=None, metavar="S",
                        help="stop cleanly after S seconds")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow listening on a non-loopback address")
    return parser


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _serve(server: ReplayServer, exit_after: float | None) -> None:
    await server.start()
    try:
        print(json.dumps({"scenario": server.meta.get("scenario"), "speed": server.speed,
                          "start_ms": server.start_ms, "endpoints": server.endpoints()}), flush=True)
        if exit_after is None:
            await asyncio.Event().wait()
        else:
            await asyncio.sleep(exit_after)
    finally:
        await server.stop()


def main(argv: list[str]) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    if options.speed <= 0:
        parser.error("--speed must be positive")
    if not _is_loopback(options.host) and not options.allow_remote:
        parser.error(f"refusing to listen on {options.host}: not a loopback address (use --allow-remote)")
    path = Path(options.recording) if options.recording else resource_path(*DEFAULT_SCENARIO)
    if not path.is_file():
        print(f"cascade replay-server: recording not found: {path}", file=sys.stderr)
        return 2
    server = ReplayServer(path, host=options.host, port=options.port, speed=options.speed)
    try:
        asyncio.run(_serve(server, options.exit_after))
    except RecordingError as exc:
        print(f"cascade replay-server: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"cascade replay-server: cannot listen on {options.host}:{options.port}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
