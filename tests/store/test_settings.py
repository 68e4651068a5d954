"""Settings file: defaults, roundtrip, corrupt and future files moved aside, older versions migrated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.store import settings as settings_module
from app.store.paths import profile_paths
from app.store.settings import SETTINGS_VERSION, Settings, load_settings, save_settings


def _write(path: Path, document: object) -> None:
    path.write_text(json.dumps(document))


def _moved(path: Path, label: str) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.{label}-*"))


def test_missing_file_gives_defaults_without_warning(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path / "settings.json")
    assert loaded.settings == Settings()
    assert loaded.warnings == []
    s = loaded.settings
    assert (s.endpoints, s.tape_min_usd, s.tape_max_rows) == ({}, 0, 500)
    assert (s.repaint_hz, s.time_zone) == (10, "utc")
    assert s.macro_tenors == ["10Y", "20Y", "30Y", "40Y"]
    assert (s.macro_move_threshold_bp, s.event_alert_minutes) == (10, 30)
    assert (s.user_calendar_path, s.window_geometry, s.window_state) == (None, None, None)


def test_default_path_is_the_profile_config_dir_and_loading_creates_nothing(isolated_home: Path) -> None:
    loaded = load_settings()
    assert loaded.path == profile_paths().settings_file
    assert not loaded.path.parent.exists()
    save_settings(Settings(tape_max_rows=42))
    assert load_settings().settings.tape_max_rows == 42


def test_roundtrip_keeps_every_field(tmp_path: Path) -> None:
    original = Settings(
        endpoints={"bybit/linear": "ws://127.0.0.1:9000/v5/public/linear"},
        tape_min_usd=25_000.0, tape_max_rows=2000, repaint_hz=4.0, time_zone="local",
        macro_tenors=["30Y"], macro_move_threshold_bp=5.5, event_alert_minutes=15,
        user_calendar_path="/tmp/events.ics", window_geometry="AdnQywADAAA=", window_state="AAAA/wAAAAD9",
    )
    path = save_settings(original, tmp_path / "settings.json")
    loaded = load_settings(path)
    assert loaded.settings == original
    assert loaded.warnings == []
    assert json.loads(path.read_text())["version"] == SETTINGS_VERSION
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temp file left behind


def test_save_replaces_atomically_and_leaves_old_file_on_failure(tmp_path: Path, monkeypatch) -> None:
    path = save_settings(Settings(tape_max_rows=7), tmp_path / "settings.json")

    def broken_replace(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(settings_module.os, "replace", broken_replace)
    with pytest.raises(OSError):
        save_settings(Settings(tape_max_rows=8), path)
    monkeypatch.undo()
    assert load_settings(path).settings.tape_max_rows == 7
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


@pytest.mark.parametrize(
    "content", [b"{not json", b"", b"[1, 2]", b"\xff\xfe garbage", b'{"tape_max_rows": 3}']
)
def test_corrupt_file_is_moved_aside_with_a_warning(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert len(loaded.warnings) == 1
    moved = _moved(path, "corrupt")
    assert len(moved) == 1 and moved[0].read_bytes() == content
    assert str(moved[0]) in loaded.warnings[0]
    assert not path.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("tape_max_rows", "many"), ("repaint_hz", 0), ("time_zone", "Asia/Tokyo"), ("macro_tenors", "10Y"),
     ("endpoints", {"bybit/linear": 5}), ("tape_min_usd", -1), ("window_state", 12)],
)
def test_wrong_types_or_ranges_are_treated_as_corrupt(tmp_path: Path, field: str, value: Any) -> None:
    path = tmp_path / "settings.json"
    _write(path, {"version": SETTINGS_VERSION, field: value})
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert field in loaded.warnings[0]
    assert len(_moved(path, "corrupt")) == 1


def test_two_corrupt_files_in_the_same_second_are_both_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    for content in (b"one", b"two"):
        path.write_bytes(content)
        load_settings(path)
    assert sorted(p.read_bytes() for p in _moved(path, "corrupt")) == [b"one", b"two"]


def test_future_version_is_moved_aside_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    future = {"version": SETTINGS_VERSION + 3, "tape_max_rows": 9, "new_thing": True}
    _write(path, future)
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert "newer Cascade" in loaded.warnings[0]
    moved = _moved(path, f"future-v{SETTINGS_VERSION + 3}")
    assert len(moved) == 1 and json.loads(moved[0].read_text()) == future
    save_settings(loaded.settings, path)  # the user's future file survives the next save
    assert json.loads(moved[0].read_text()) == future


def test_older_version_is_migrated_step_by_step(tmp_path: Path, monkeypatch) -> None:
    # Pretend this build is version 3, whose history renamed a field (1→2) and split another (2→3).
    def v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
        doc["tape_max_rows"] = doc.pop("max_rows")
        return doc

    def v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
        doc["time_zone"] = "utc" if doc.pop("utc_clock") else "local"
        return doc

    monkeypatch.setattr(settings_module, "SETTINGS_VERSION", 3)
    monkeypatch.setattr(settings_module, "MIGRATIONS", {1: v1_to_v2, 2: v2_to_v3})
    path = tmp_path / "settings.json"
    _write(path, {"version": 1, "max_rows": 123, "utc_clock": False, "repaint_hz": 5})
    loaded = load_settings(path)
    assert loaded.warnings == []
    s = loaded.settings
    assert (s.tape_max_rows, s.time_zone, s.repaint_hz) == (123, "local", 5)
    _write(path, {"version": 2, "tape_max_rows": 9, "utc_clock": True})
    assert load_settings(path).settings.tape_max_rows == 9


def test_a_failing_migration_counts_as_corrupt(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(settings_module, "SETTINGS_VERSION", 2)
    monkeypatch.setattr(settings_module, "MIGRATIONS", {1: lambda doc: doc["absent"]})
    path = tmp_path / "settings.json"
    _write(path, {"version": 1})
    loaded = load_settings(path)
    assert loaded.settings == Settings() and "migrate" in loaded.warnings[0]


def test_unknown_fields_of_the_same_version_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    _write(path, {"version": SETTINGS_VERSION, "tape_max_rows": 77, "experimental": 1})
    loaded = load_settings(path)
    assert (loaded.settings.tape_max_rows, loaded.warnings) == (77, [])


@settings(deadline=None, max_examples=60)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(tmp_path_factory: pytest.TempPathFactory, content: bytes) -> None:
    path = tmp_path_factory.mktemp("s") / "settings.json"
    path.write_bytes(content)
    loaded = load_settings(path)
    assert isinstance(loaded.settings, Settings)
    assert loaded.warnings == [] or not path.exists()


def test_settings_are_immutable() -> None:
    with pytest.raises(AttributeError):
        Settings().tape_max_rows = 3  # type: ignore[misc]
    assert msgspec.structs.replace(Settings(), tape_max_rows=3).tape_max_rows == 3


@pytest.mark.parametrize("proxy", ["http://127.0.0.1:3128", "socks5h://user:pw@proxy.lan:1080", None])
def test_the_proxy_setting_round_trips(tmp_path: Path, proxy: str | None) -> None:
    path = save_settings(Settings(proxy_url=proxy), tmp_path / "settings.json")
    loaded = load_settings(path)
    assert loaded.settings.proxy_url == proxy and loaded.warnings == []


@pytest.mark.parametrize("proxy", ["ftp://proxy:21", "proxy.lan:3128", "http://", "http://proxy:99999",
                                   "http://proxy:3128/path"])
def test_a_bad_proxy_is_dropped_with_a_warning_the_rest_kept(tmp_path: Path, proxy: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": SETTINGS_VERSION, "proxy_url": proxy, "tape_min_usd": 5.0}))
    loaded = load_settings(path)
    assert loaded.settings.proxy_url is None and loaded.settings.tape_min_usd == 5.0
    assert len(loaded.warnings) == 1 and "no proxy is used" in loaded.warnings[0] and proxy in loaded.warnings[0]
    assert path.exists()  # not moved aside: one bad field is not a corrupt file
