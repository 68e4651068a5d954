"""Fast checks of the packaging recipes and `cascade self-check`, without building anything.

The real proof is packaging/smoke.sh (builds and runs the frozen app); these catch the cheap
mistakes first: a spec that no longer ships resources or keyring's entry points, a broken .desktop
entry, icons of the wrong size, a recipe that lost NSAppSleepDisabled or the AppUserModelID.
"""

from __future__ import annotations

import ast
import configparser
import json
import os
import runpy
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from app.commands import self_check

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"


def test_spec_is_python_and_ships_what_the_frozen_app_needs() -> None:
    text = (PACKAGING / "cascade.spec").read_text()
    ast.parse(text)
    for needed in ('collect_submodules("app")', 'copy_metadata("keyring")', 'collect_submodules("keyring.backends")',
                   '"secretstorage"', '"certifi"', '"resources"), "resources")', "rth_cascade_tls.py",
                   '"NSAppSleepDisabled": True', "from app import __version__", '"resources/docs/")'):
        assert needed in text, needed
    for unused in ("PySide6.QtWebEngineCore", "PySide6.Qt3DCore", "PySide6.QtQuick", "PySide6.QtQml",
                   "PySide6.QtMultimedia", "keyrings.alt"):
        assert f'"{unused}"' in text, f"{unused} is not excluded"


def test_package_extra_holds_the_build_tools() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = [requirement.split(">")[0].split("=")[0] for requirement in extras["package"]]
    assert names == ["pyinstaller", "certifi"]


def test_desktop_entry() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  keys are case-sensitive
    parser.read(PACKAGING / "linux" / "cascade.desktop")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "cascade" and entry["Icon"] == "cascade"
    assert entry["Categories"].endswith(";") and entry["Terminal"] == "false"
    assert parser["Desktop Action Demo"]["Exec"] == "cascade --demo"
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(PACKAGING / "linux" / "cascade.desktop")],
                                capture_output=True, text=True, timeout=10)
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256, 512])
def test_icon_pngs_have_their_size(size: int) -> None:
    assert _png_size(ICONS / f"cascade-{size}.png") == (size, size)


def test_icon_svg_and_ico() -> None:
    assert ET.parse(ICONS / "cascade.svg").getroot().tag == "{http://www.w3.org/2000/svg}svg"
    data = (ICONS / "cascade.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1) and count >= 4
    for index in range(count):
        _w, _h, _c, _r, _planes, _bpp, size, offset = struct.unpack("<BBBBHHII", data[6 + 16 * index: 22 + 16 * index])
        assert data[offset:offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + size <= len(data)


@pytest.mark.parametrize("script", ["linux/build.sh", "smoke.sh", "macos/build.sh"])
def test_shell_scripts_parse(script: str) -> None:
    path = PACKAGING / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=10)
    assert result.returncode == 0, result.stderr


def test_ci_runs_the_packaging_smoke_test_after_the_tests() -> None:
    lines = [line.split("#")[0].strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "set -euo pipefail" in lines
    assert lines.index("bash tests/run.sh") < lines.index("bash packaging/smoke.sh")


def test_windows_recipe_sets_an_app_user_model_id_on_every_shortcut() -> None:
    iss = (PACKAGING / "windows" / "cascade.iss").read_text()
    icon_lines = iss.split("[Icons]", 1)[1].split("\n[", 1)[0].replace("\\\n", "").splitlines()
    shortcuts = [line for line in icon_lines if line.startswith("Name:")]
    assert shortcuts and all('AppUserModelID: "{#AppUserModelID}"' in line for line in shortcuts)
    assert "{autoprograms}" in iss
    assert "version_info.template" in (PACKAGING / "cascade.spec").read_text()
    assert "@NUMBERS@" in (PACKAGING / "windows" / "version_info.template").read_text()


def test_macos_entitlements_are_a_plist() -> None:
    root = ET.parse(PACKAGING / "macos" / "entitlements.plist").getroot()
    assert root.tag == "plist"


def test_tls_hook_falls_back_to_bundled_certifi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = tmp_path / "certifi" / "cacert.pem"
    bundled.parent.mkdir()
    bundled.write_text("not read by the hook\n")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "missing"))
    runpy.run_path(str(PACKAGING / "hooks" / "rth_cascade_tls.py"))
    assert os.environ["SSL_CERT_FILE"] == str(bundled)
    assert "SSL_CERT_DIR" not in os.environ


def test_tls_hook_keeps_a_working_system_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "certifi").mkdir()
    (tmp_path / "certifi" / "cacert.pem").write_text("x\n")
    system = tmp_path / "system.pem"
    system.write_text("x\n")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(system))
    runpy.run_path(str(PACKAGING / "hooks" / "rth_cascade_tls.py"))
    assert os.environ["SSL_CERT_FILE"] == str(system)


def test_self_check_reports_tls_resources_and_a_keyring_roundtrip(capsys: pytest.CaptureFixture[str]) -> None:
    assert self_check.main(["--keyring-roundtrip"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["frozen"] is False
    assert report["tls"]["x509_ca"] > 0
    assert report["resources"]["missing"] == []
    assert report["keyring"]["roundtrip"] == "ok"
    assert report["keyring"]["backend"].endswith("MemoryKeyring")
    assert keyring.get_password(self_check.PROBE_SERVICE, self_check.PROBE_NAME) is None  # cleaned up


def test_self_check_fails_without_a_keyring(capsys: pytest.CaptureFixture[str]) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())  # what keyring picks with no D-Bus session
    assert self_check.main(["--keyring-roundtrip"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["keyring"]["backend"] == "keyring.backends.fail.Keyring"
    assert report["keyring"]["roundtrip"].startswith("failed: No system keyring")


def test_self_check_command_never_loads_qt() -> None:
    probe = ("import sys, contextlib, io\nfrom app.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n    code = main(['self-check'])\n"
             "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync', 'pyqtgraph')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert result.stdout.split() == ["0", "[]"], result.stdout + result.stderr
