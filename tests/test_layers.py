"""The layer rules (resources/docs/DESIGN.md, Layout), enforced: the direction of every import between
app's packages, Qt only in app.ui/app.main, core free of I/O, headless commands never loading PySide6."""

from __future__ import annotations

import ast
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
    if info.name != sys.argv[2]:
        importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""


def _loaded_after_importing(package: str, skip: str = "") -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, package, skip], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return set(json.loads(out.stdout))


def _offenders(loaded: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == f or m.startswith(f + ".") for f in forbidden))


@pytest.mark.parametrize("package", ["app.feeds", "app.store", "app.replay", "app.services", "app.commands"])
def test_qt_free_packages_never_import_qt(package: str) -> None:
    assert _offenders(_loaded_after_importing(package), QT_MODULES) == []


def test_core_imports_no_qt_network_or_sqlite() -> None:
    # app.core.timing is core's one transport-time module (scaled monotonic clock and sleep); it is
    # checked on its own below, so the probe skips it.
    loaded = _loaded_after_importing("app.core", skip="app.core.timing")
    assert _offenders(loaded, CORE_FORBIDDEN) == []


def test_core_timing_needs_only_the_standard_clock() -> None:
    imported = {name.split(".")[0] for name in _imports_of(ROOT / "app" / "core" / "timing.py")}
    assert imported <= {"__future__", "asyncio", "random", "time", "collections"}


# Which of app's packages each package may import. `app` itself (the version) and `app.resources`
# (bundled-file paths) import nothing of app, so every layer may use them.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "feeds": {"core"},
    "store": {"core"},
    "replay": {"core"},
    "services": {"core", "feeds", "store", "replay"},
    "commands": {"core", "feeds", "store", "replay", "services"},
    "scenario": {"core", "replay"},  # build-time generator of the bundled scenario
    "ui": {"core", "services"},
    "main": {"core", "services", "store", "ui"},
    "cli": {"main"},  # the GUI path; commands are imported by name, see HEADLESS_COMMANDS
}
LEAVES = {"app", "resources"}


def _imports_of(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            if node.module == "app":  # `from app import core` names a package; `__version__` does not
                names.extend(f"app.{alias.name}" for alias in node.names if _is_app_module(alias.name))
    return names


def _is_app_module(name: str) -> bool:
    return (ROOT / "app" / name).is_dir() or (ROOT / "app" / f"{name}.py").is_file()


def _layer_of(path: Path) -> str:
    parts = path.relative_to(ROOT / "app").parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def test_every_import_points_down_the_layers() -> None:
    wrong = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        layer = _layer_of(path)
        if layer in LEAVES or layer == "__init__":
            continue
        for name in _imports_of(path):
            parts = name.split(".")
            if parts[0] != "app" or len(parts) == 1:
                continue
            target = parts[1]
            if target in LEAVES or target == layer or target in ALLOWED[layer]:
                continue
            wrong.append(f"{path.relative_to(ROOT)} imports {name} ({layer} -> {target})")
    assert wrong == []


def test_every_package_has_a_layer_rule() -> None:
    layers = {_layer_of(path) for path in (ROOT / "app").rglob("*.py")} - LEAVES - {"__init__"}
    assert layers <= set(ALLOWED), f"add a rule for {sorted(layers - set(ALLOWED))}"


def test_nothing_at_run_time_imports_the_scenario_generator() -> None:
    users = [str(path.relative_to(ROOT)) for path in (ROOT / "app").rglob("*.py") if _layer_of(path) != "scenario"
             and any(name.startswith("app.scenario") for name in _imports_of(path))]
    assert users == []


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
    (["self-check"], ""),
    (["export", "--help"], ""),
    (["record", "--help"], ""),
    (["summarize", "resources/scenarios/2026-01-20.jsonl.gz", "--window", "1h", "--json"], ""),
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
