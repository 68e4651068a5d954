"""ccxt is an optional extra (`accounts`): importing any module of the app never imports it, and the
import says how to install it when it is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_PROBE = r"""
import importlib, json, pkgutil, sys
import app
for info in pkgutil.walk_packages(app.__path__, "app."):
    importlib.import_module(info.name)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("ccxt", "aiohttp"))))
"""


def test_no_app_module_imports_ccxt() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, cwd=ROOT, env=env,
                         timeout=60, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


async def test_missing_ccxt_is_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.services.accounts import import_account

    monkeypatch.setitem(sys.modules, "ccxt", None)  # import ccxt now raises ImportError
    monkeypatch.setitem(sys.modules, "ccxt.async_support", None)
    result = await import_account("binance", "key-123456", "secret-123456")
    assert result.status == "failed"
    assert "pip install 'cascade-risk[accounts]'" in result.message
