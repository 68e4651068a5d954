"""`cascade replay-server [RECORDING] [--speed X] [--host H] [--port N] [--exit-after S] [faults…]`.

Serves a recording (default: the bundled 2026-01-20 scenario) as venue websockets and prints one
JSON line with the endpoints, so `cascade` settings can point at them. Faults can be set from the
start (`--refuse`, `--error-ack`, `--stall`, `--drop-every`, `--at`) or typed while it runs
(`--control`: one command a line on stdin, one JSON answer a line on stdout), so a fault the tests
inject can be reproduced by hand against the real app. Never imports Qt.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from app.replay.recording import RecordingError
from app.replay.server import DEEP_LEVELS, OVERSIZE_BYTES, ReplayServer
from app.resources import resource_path

DEFAULT_SCENARIO = ("scenarios", "2026-01-20.jsonl.gz")

CONTROL_HELP = f"""\
control commands (--control: one a line on stdin; answers are JSON lines on stdout):
  drop TARGET               cut every client of the stream(s) abruptly (no closing handshake)
  stall TARGET SECONDS      send nothing (frames, acks, pongs) for SECONDS
  garbage TARGET [N]        send N malformed frames now (default 5)
  error-ack TARGET [N]      answer the next N subscribes with the venue's error ack (default 1)
  refuse TARGET [STATUS]    refuse handshakes with HTTP STATUS (default 451, a geo block)
  allow TARGET              lift a refusal
  oversize TARGET [BYTES]   send one frame of BYTES (default {OVERSIZE_BYTES:,}: past the app's 4 MiB limit)
  deep TARGET [LEVELS]      send one frame nested LEVELS deep (default {DEEP_LEVELS:,})
  status                    clients, frames sent, heartbeats and faults in force
  help                      this list
  quit                      stop the server
TARGET: a stream (bybit/linear), a venue (bybit: all its streams) or `all`.

examples:
  cascade replay-server --speed 10 --control          then type: drop bybit/linear
  cascade replay-server --refuse okx                  OKX refused from the start (HTTP 451)
  cascade replay-server --stall okx/public:45@20      OKX silent for 45 s, 20 s after start
  cascade replay-server --drop-every 30:binance       every Binance client cut every 30 s
  cascade replay-server --at 10 "garbage all 3"       any control command, 10 s after start
"""


class ControlError(ValueError):
    """A control command that cannot be run; the message says why in one line."""


@dataclass(frozen=True)
class Command:
    name: str
    streams: tuple[str, ...]
    number: float | None = None


_NUMBER_ARG: dict[str, tuple[bool, type]] = {
    # name: (number required, int or float)
    "drop": (False, int), "allow": (False, int),
    "stall": (True, float), "garbage": (False, int), "error-ack": (False, int),
    "refuse": (False, int), "oversize": (False, int), "deep": (False, int),
}
_NO_NUMBER = ("drop", "allow")


def resolve_target(target: str, streams: tuple[str, ...]) -> tuple[str, ...]:
    """`all`, a stream, or a venue/prefix naming several streams."""
    if target == "all":
        return streams
    chosen = tuple(s for s in streams if s == target or s.startswith(target.rstrip("/") + "/"))
    if not chosen:
        raise ControlError(f"no stream {target!r} (streams: {', '.join(streams)})")
    return chosen


def parse_command(line: str, streams: tuple[str, ...]) -> Command:
    words = line.split()
    if not words:
        raise ControlError("empty command")
    name = words[0].lower()
    if name in ("status", "help", "quit"):
        if len(words) > 1:
            raise ControlError(f"{name} takes no arguments")
        return Command(name, ())
    if name not in _NUMBER_ARG:
        raise ControlError(f"unknown command {words[0]!r} (try: help)")
    required, kind = _NUMBER_ARG[name]
    if len(words) < 2:
        raise ControlError(f"{name} needs a TARGET (a stream, a venue or all)")
    if len(words) > (2 if name in _NO_NUMBER else 3):
        raise ControlError(f"too many arguments for {name}")
    if required and len(words) < 3:
        raise ControlError(f"{name} needs a number of seconds")
    number: float | None = None
    if len(words) == 3:
        try:
            number = kind(words[2])
        except ValueError:
            raise ControlError(f"{name}: {words[2]!r} is not a{'n integer' if kind is int else ' number'}") from None
        if not number > 0 or number == float("inf"):
            raise ControlError(f"{name}: the number must be positive")
        if name == "refuse" and not 400 <= number <= 599:
            raise ControlError("refuse: STATUS must be an HTTP error status (400-599)")
        if name == "oversize" and number > 64 << 20:
            raise ControlError("oversize: at most 64 MiB")
    return Command(name, resolve_target(words[1], streams), number)


def apply_command(server: ReplayServer, command: Command) -> dict[str, Any]:
    """Run one command on the running server; returns the JSON answer."""
    name, number = command.name, command.number
    if name == "help":
        return {"help": CONTROL_HELP.splitlines()}
    if name == "status":
        return {"status": {"market_ms": server.market_ms(), "frames_sent": server.frames_sent,
                           "finished": server.finished, "slow_disconnects": server.slow_disconnects,
                           "clients": {s: server.clients(s) for s in server.streams},
                           "heartbeats": dict(server.heartbeats), **server.faults()}}
    reached: dict[str, int | None] = {}
    for stream in command.streams:
        if name == "drop":
            reached[stream] = server.drop(stream)
        elif name == "stall":
            assert number is not None
            server.stall(stream, number)
            reached[stream] = server.clients(stream)
        elif name == "garbage":
            reached[stream] = server.garbage(stream, int(number or 5))
        elif name == "error-ack":
            for _ in range(int(number or 1)):
                server.error_ack(stream)
            reached[stream] = None
        elif name == "refuse":
            server.refuse(stream, int(number or 451))
            reached[stream] = None
        elif name == "allow":
            server.refuse(stream, None)
            reached[stream] = None
        elif name == "oversize":
            reached[stream] = server.oversize(stream, int(number or OVERSIZE_BYTES))
        elif name == "deep":
            reached[stream] = server.deep(stream, int(number or DEEP_LEVELS))
    answer: dict[str, Any] = {"fault": name, "streams": list(command.streams)}
    if number is not None:
        answer["value"] = number
    if any(count is not None for count in reached.values()):
        answer["clients"] = {stream: count for stream, count in reached.items() if count is not None}
    return answer


# --- start-up faults -------------------------------------------------------------------------------

def _split_number(text: str, option: str, sep: str = ":") -> tuple[str, str]:
    head, found, tail = text.partition(sep)
    if not found or not head or not tail:
        raise ControlError(f"{option}: {text!r} is not in the form described by --help")
    return head, tail


def startup_schedule(options: argparse.Namespace) -> tuple[list[str], list[tuple[float, str]], list[tuple[float, str]]]:
    """(commands at once, [(at seconds, command)], [(every seconds, command)]) from the options."""
    now: list[str] = []
    at: list[tuple[float, str]] = []
    every: list[tuple[float, str]] = []
    for spec in options.refuse or []:
        target, _, status = spec.partition(":")
        now.append(f"refuse {target} {status}".strip())
    for spec in options.error_ack or []:
        target, _, count = spec.partition(":")
        now.append(f"error-ack {target} {count}".strip())
    for spec in options.stall or []:
        target_seconds, when = _split_number(spec, "--stall", "@")
        target, seconds = _split_number(target_seconds, "--stall")
        at.append((_seconds(when, "--stall"), f"stall {target} {seconds}"))
    for spec in options.drop_every or []:
        period, _, target = spec.partition(":")
        every.append((_seconds(period, "--drop-every", positive=True), f"drop {target or 'all'}"))
    for when, command in options.at or []:
        at.append((_seconds(when, "--at"), command))
    return now, at, every


def _seconds(text: str, option: str, positive: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ControlError(f"{option}: {text!r} is not a number of seconds") from None
    if not (value > 0 if positive else value >= 0) or value == float("inf"):
        raise ControlError(f"{option}: {text!r} must be a {'positive' if positive else 'non-negative'} "
                           "number of seconds")
    return value


# --- the command ------------------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cascade replay-server",
        description="Serve a recording as the venues' websockets on this machine, with faults on command.",
        epilog=CONTROL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("recording", nargs="?", help="a .jsonl.gz recording (default: the bundled scenario)")
    parser.add_argument("--speed", type=float, default=1.0, help="replay speed multiplier (default 1)")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="listen port (default: any free port)")
    parser.add_argument("--exit-after", type=float, default=None, metavar="S",
                        help="stop cleanly after S seconds")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow listening on a non-loopback address")
    faults = parser.add_argument_group("faults", "TARGET is a stream, a venue or `all`; repeat any option")
    faults.add_argument("--control", action="store_true",
                        help="read control commands from stdin, one a line (listed below)")
    faults.add_argument("--refuse", action="append", metavar="TARGET[:STATUS]",
                        help="refuse handshakes with HTTP STATUS from the start (default 451)")
    faults.add_argument("--error-ack", action="append", metavar="TARGET[:N]",
                        help="answer the first N subscribes with the venue's error ack (default 1)")
    faults.add_argument("--stall", action="append", metavar="TARGET:SECONDS@AT",
                        help="send nothing for SECONDS, starting AT seconds after start")
    faults.add_argument("--drop-every", action="append", metavar="SECONDS[:TARGET]",
                        help="cut the clients of TARGET (default all) every SECONDS")
    faults.add_argument("--at", action="append", nargs=2, metavar=("SECONDS", "COMMAND"),
                        help='run a control command SECONDS after start, e.g. --at 10 "garbage okx 3"')
    return parser


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _print(out: TextIO, payload: dict[str, Any]) -> None:
    out.write(json.dumps(payload) + "\n")
    out.flush()


def _read_lines(source: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """In a daemon thread (stdin has no portable async reader): a line at a time into the loop."""
    try:
        for line in source:
            loop.call_soon_threadsafe(queue.put_nowait, line)
    except (OSError, ValueError):  # stdin closed or not readable (captured, detached)
        pass
    finally:
        with contextlib.suppress(RuntimeError):  # the loop already closed: nothing to tell it
            loop.call_soon_threadsafe(queue.put_nowait, None)


async def _serve(server: ReplayServer, exit_after: float | None, options: argparse.Namespace,
                 control: TextIO | None, out: TextIO) -> None:
    await server.start()
    done = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    def run(line: str) -> None:
        try:
            command = parse_command(line, server.streams)
        except ControlError as error:
            _print(out, {"error": str(error), "command": line.strip()})
            return
        if command.name == "quit":
            _print(out, {"quit": True})
            done.set()
            return
        _print(out, apply_command(server, command))

    async def later(delay: float, line: str, period: float | None = None) -> None:
        await asyncio.sleep(delay)
        while True:
            run(line)
            if period is None:
                return
            await asyncio.sleep(period)

    try:
        now, at, every = startup_schedule(options)
        for line in now + [line for _, line in at] + [line for _, line in every]:
            parse_command(line, server.streams)  # every scheduled command is checked before serving
        _print(out, {"scenario": server.meta.get("scenario"), "speed": server.speed,
                     "start_ms": server.start_ms, "endpoints": server.endpoints()})
        for line in now:
            run(line)
        tasks += [asyncio.create_task(later(when, line)) for when, line in at]
        tasks += [asyncio.create_task(later(period, line, period)) for period, line in every]
        if control is not None:
            queue: asyncio.Queue[str | None] = asyncio.Queue()
            threading.Thread(target=_read_lines, args=(control, asyncio.get_running_loop(), queue),
                             name="replay-server control", daemon=True).start()
            tasks.append(asyncio.create_task(_control_loop(queue, run)))
        if exit_after is None:
            await done.wait()
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), exit_after)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.stop()


async def _control_loop(queue: asyncio.Queue[str | None], run: Callable[[str], None]) -> None:
    while (line := await queue.get()) is not None:
        if line.strip() and not line.lstrip().startswith("#"):
            run(line)


def main(argv: list[str], *, control: TextIO | None = None, out: TextIO | None = None) -> int:
    """`control`/`out`: the control channel's input and the output (default stdin/stdout; tests pass
    their own)."""
    parser = _parser()
    options = parser.parse_args(argv)
    out = out or sys.stdout
    if options.speed <= 0:
        parser.error("--speed must be positive")
    if not _is_loopback(options.host) and not options.allow_remote:
        parser.error(f"refusing to listen on {options.host}: not a loopback address (use --allow-remote)")
    try:
        startup_schedule(options)
    except ControlError as error:
        parser.error(str(error))
    path = Path(options.recording) if options.recording else resource_path(*DEFAULT_SCENARIO)
    if not path.is_file():
        print(f"cascade replay-server: recording not found: {path}", file=sys.stderr)
        return 2
    server = ReplayServer(path, host=options.host, port=options.port, speed=options.speed)
    source = (control or sys.stdin) if options.control else None
    try:
        asyncio.run(_serve(server, options.exit_after, options, source, out))
    except RecordingError as exc:
        print(f"cascade replay-server: {exc}", file=sys.stderr)
        return 2
    except ControlError as exc:  # a scheduled command naming a stream the recording does not have
        print(f"cascade replay-server: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"cascade replay-server: cannot listen on {options.host}:{options.port}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
