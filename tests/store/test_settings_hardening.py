"""Issue 9 regressions for settings: deep nesting is moved aside; bad endpoint URLs are dropped by key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.store.endpoint_urls import endpoint_problem
from app.store.settings import Settings, load_settings


def test_a_200000_deep_file_is_moved_aside_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("[" * 200_000 + "]" * 200_000)  # load_settings raised RecursionError before
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert len(loaded.warnings) == 1 and "nested deeper" in loaded.warnings[0]
    assert not path.exists() and list(tmp_path.glob("settings.json.corrupt-*"))


@pytest.mark.parametrize(
    ("key", "url", "why"),
    [
        ("binance/rest", "not a url %%%", "not a valid http(s) URL"),
        ("binance/rest", "file:///etc/passwd", "not a valid http(s) URL"),
        ("binance/rest", "wss://fstream.binance.com/ws", "not a valid http(s) URL"),
        ("bybit/linear", "https://stream.bybit.com/v5/public/linear", "not a valid ws(s) URL"),
        ("okx/public", "wss://", "no host"),
        ("okx/public", "ws://127.0.0.1:99999/x", "not a valid ws(s) URL"),
        ("mof/rest", "http://exa mple.com", "spaces"),
    ],
)
def test_bad_endpoint_is_dropped_with_a_warning_naming_the_key(tmp_path: Path, key: str, url: str, why: str) -> None:
    good = {"binance/usdm": "ws://127.0.0.1:9000/ws"}
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "endpoints": {**good, key: url}, "tape_max_rows": 77}))
    loaded = load_settings(path)
    assert loaded.settings.endpoints == good  # the default is used for the bad key; the rest is kept
    assert loaded.settings.tape_max_rows == 77
    assert len(loaded.warnings) == 1
    assert loaded.warnings[0].startswith(f"endpoints[{key!r}]: ") and why in loaded.warnings[0]
    assert path.exists()  # a bad URL is not a corrupt file


@pytest.mark.parametrize(
    ("key", "url"),
    [("binance/rest", "https://fapi.binance.com"), ("mof/rest", "http://127.0.0.1:8123/"),
     ("bybit/linear", "wss://stream.bybit.com/v5/public/linear"), ("okx/public", "ws://[::1]:9000/ws")],
)
def test_good_endpoints_pass(key: str, url: str) -> None:
    assert endpoint_problem(key, url) is None
