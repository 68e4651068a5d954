"""Settings loading: any file content gives Settings (with or without warnings) or is moved aside with a
warning; never an exception."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from strategies import FUZZ, deep_texts, json_values, non_finite_texts

from app.store.settings import SETTINGS_VERSION, Settings, load_settings

urls = st.sampled_from(["ws://127.0.0.1:1/x", "wss://", "not a url %%%", "file:///etc/passwd", "http://h:99999",
                        "https://example.com", "", "ws://[::1", "javascript:alert(1)"]) | st.text(max_size=30)
documents = st.fixed_dictionaries(
    {"version": st.just(SETTINGS_VERSION) | st.integers(-2, 3) | json_values},
    optional={"endpoints": st.dictionaries(st.sampled_from(["binance/usdm", "binance/rest", "bybit/linear",
                                                            "okx/public", "mof/rest", "x"]), urls, max_size=4)
              | json_values,
              "tape_max_rows": st.integers() | json_values, "repaint_hz": json_values,
              "time_zone": st.sampled_from(["utc", "local", "mars"]), "macro_tenors": json_values,
              "user_calendar_path": json_values, "window_state": json_values},
)


def _check(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    loaded = load_settings(path)
    assert isinstance(loaded.settings, Settings)
    assert all(isinstance(warning, str) and warning for warning in loaded.warnings)
    if not path.exists():  # moved aside: always said so
        assert loaded.warnings and list(path.parent.glob(f"{path.name}.*"))
    for key, url in loaded.settings.endpoints.items():  # what survives is a URL the client can use
        assert url.split("://")[0] in (("http", "https") if key.endswith("/rest") else ("ws", "wss"))


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(tmp_path_factory, content: bytes) -> None:
    _check(tmp_path_factory.mktemp("s") / "settings.json", content)


@FUZZ
@given(documents)
def test_random_documents(tmp_path_factory, document: dict) -> None:
    _check(tmp_path_factory.mktemp("s") / "settings.json", json.dumps(document).encode())


@FUZZ
@given(st.one_of(deep_texts, non_finite_texts, json_values.map(json.dumps)))
def test_deep_and_non_finite(tmp_path_factory, text: str) -> None:
    _check(tmp_path_factory.mktemp("s") / "settings.json", text.encode())
