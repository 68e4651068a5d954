"""DESIGN.md's layer rules, enforced: Qt only in app.ui/app.main; core is pure; headless commands
never load PySide6."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QT_MODULES = ("PySide6", "pyqtgraph", "qasync", "shiboken6")
CORE_FORBIDDEN = (*QT_MODULES, "sqlite3", "websockets", "asyncio", "socket", "http", "urllib.request")

_PROBE = r"""
import importlib, json, pkgutil, sys
pkg = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
    importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""


def _loaded_after_importing(package: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, package], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return set(json.loads(out.stdout))


def _offenders(loaded: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == f or m.startswith(f + ".") for f in forbidden))


@pytest.mark.parametrize("package", ["app.feeds", "app.store", "app.services"])
def test_qt_free_packages_never_import_qt(package: str) -> None:
    assert _offenders(_loaded_after_importing(package), QT_MODULES) == []


def test_core_imports_no_qt_network_or_sqlite() -> None:
    assert _offenders(_loaded_after_importing("app.core"), CORE_FORBIDDEN) == []


def test_no_qt_import_statements_outside_ui() -> None:
    offending = []
    for path in (ROOT / "app").rglob("*.py"):
        rel = path.relative_to(ROOT / "app")
        if rel.parts[0] == "ui" or rel.as_posix() == "main.py":
            continue
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")) and any(
                stripped.split()[1].split(".")[0] == q for q in QT_MODULES
            ):
                offending.append(f"{rel}: {stripped}")
    assert offending == []


_RUN_COMMAND = r"""
import io, json, sys
from app.cli import main
args = json.loads(sys.argv[1])
stdin = sys.argv[2]
if stdin:
    sys.stdin = io.StringIO(stdin)
try:
    code = main(args)
except SystemExit as exc:
    code = exc.code
loaded = [m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph", "qasync", "shiboken6")]
sys.stderr.write("\nLOADED=" + json.dumps(loaded) + " CODE=" + json.dumps(code) + "\n")
"""

HEADLESS_RUNS = [
    (["margin"], json.dumps({"venue": "binance", "side": "long", "entry_price": 100, "quantity": 1,
                             "leverage": 10, "mmr": 0.005, "maintenance_amount": 0})),
    (["margin", "--help"], ""),
    (["macro", "--date", "2026-01-20", "--json"], ""),
    (["replay-server", "--exit-after", "0.5", "--port", "0"], ""),
]


@pytest.mark.parametrize(("args", "stdin"), HEADLESS_RUNS, ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_headless_commands_never_load_qt(args: list[str], stdin: str) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", _RUN_COMMAND, json.dumps(args), stdin],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=30,
    )
    tail = out.stderr.rsplit("LOADED=", 1)
    assert len(tail) == 2, out.stderr[-2000:]
    loaded_json, code_json = tail[1].split(" CODE=")
    assert json.loads(loaded_json) == []
    assert json.loads(code_json) in (0, None), out.stderr[-2000:]
