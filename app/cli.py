"""Command line entry point.

Commands that need no window (`margin`, `macro`, `replay-server`, `summarize`, `record`, …) are
dispatched before anything imports Qt, so they start fast and run headless; tests/test_layers.py
checks that they never load PySide6. Each such module exposes `main(argv) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from app import __version__

HEADLESS_COMMANDS: dict[str, str] = {
    "margin": "app.commands.margin",
    "macro": "app.commands.macro",
    "replay-server": "app.commands.replay_server",
    "self-check": "app.commands.self_check",
    "export": "app.commands.export",
    "record": "app.commands.record",
    "summarize": "app.commands.summarize",
}


def gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cascade",
        description="Cascade: liquidation tape, distance to liquidation and macro shocks in one window.",
        epilog="Headless commands: " + ", ".join(HEADLESS_COMMANDS) + " (see `cascade COMMAND --help`).",
    )
    parser.add_argument("--version", action="version", version=f"cascade {__version__}")
    parser.add_argument("--demo", action="store_true", help="replay the bundled 2026-01-20 cascade offline")
    parser.add_argument("--speed", type=float, default=1.0, help="demo replay speed multiplier (default 1)")
    parser.add_argument(
        "--exit-after", type=float, default=None, metavar="SECONDS",
        help="shut down cleanly after SECONDS and print a one-line summary (smoke tests)",
    )
    parser.add_argument("--profile", default="default", help="settings/history profile name")
    parser.add_argument(
        "--screenshot", default=None, metavar="PNG",
        help="save a picture of the window when it shuts down (with --exit-after: README pictures, checks)",
    )
    parser.add_argument("--theme", choices=("dark", "light"), default=None,
                        help="use this theme for this run (default: the saved one)")
    parser.add_argument("--window-size", default=None, metavar="WxH",
                        help="open the window at this size, e.g. 1600x1000 (screenshots, checks)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in HEADLESS_COMMANDS:
        module = importlib.import_module(HEADLESS_COMMANDS[args[0]])
        return int(module.main(args[1:]) or 0)
    options = gui_parser().parse_args(args)
    if options.speed <= 0:
        gui_parser().error("--speed must be positive")
    if options.window_size is not None:
        width, _, height = options.window_size.lower().partition("x")
        if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
            gui_parser().error("--window-size takes WIDTHxHEIGHT, e.g. 1600x1000")
    from app.main import run_gui  # Qt is imported only here

    return run_gui(options)


if __name__ == "__main__":
    sys.exit(main())
