"""The recording reader: any file gives (meta, records) or RecordingError, while opening or iterating."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import FUZZ, json_values, nested

from app.replay.recording import RecordingError, RecordingWriter, read_recording


def read_all(path: Path) -> None:
    try:
        meta, records = read_recording(path)
        assert isinstance(meta, dict)
        for _ in records:
            pass
    except RecordingError as error:
        assert str(error).startswith(str(path))


def _valid(path: Path) -> bytes:
    with RecordingWriter(path, {"scenario": "s", "start_ms": 1, "streams": ["bybit/linear"]}) as writer:
        writer.write(5, "bybit/linear", '{"topic":"x"}')
        writer.write(9, "bybit/linear", '{"topic":"y"}')
    return path.read_bytes()


lines = st.one_of(
    json_values.map(json.dumps),
    st.builds(lambda frame: json.dumps({"offset_ms": 0, "stream": "meta", "kind": "meta", "frame": frame}),
              st.one_of(json_values.map(json.dumps), st.just(nested(100_000)), st.just("1" + "0" * 5000))),
    st.builds(lambda offset: json.dumps({"offset_ms": offset, "stream": "s", "kind": "ws", "frame": "x"}),
              st.integers() | st.sampled_from([10**30, -1])),
    st.just(nested(100_000)),
    st.text(max_size=50),
)


@FUZZ
@given(st.lists(lines, max_size=4))
def test_random_lines(tmp_path_factory: pytest.TempPathFactory, content: list[str]) -> None:
    path = tmp_path_factory.mktemp("r") / "r.jsonl.gz"
    path.write_bytes(gzip.compress("\n".join(content).encode(), mtime=0))
    read_all(path)


@FUZZ
@given(st.integers(0, 10_000), st.binary(max_size=16), st.booleans())
def test_corrupt_and_truncated_gzip(tmp_path_factory: pytest.TempPathFactory, offset: int, junk: bytes,
                                    truncate: bool) -> None:
    path = tmp_path_factory.mktemp("r") / "r.jsonl.gz"
    raw = _valid(path)
    at = offset % len(raw)
    path.write_bytes(raw[:at] if truncate else raw[:at] + junk + raw[at + len(junk):])
    read_all(path)


@pytest.mark.parametrize("meta_frame", [nested(100_000), "1" + "0" * 5000, "[1e999]"])
def test_hostile_meta_is_a_recording_error(tmp_path: Path, meta_frame: str) -> None:
    path = tmp_path / "r.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps({"offset_ms": 0, "stream": "meta", "kind": "meta",
                                               "frame": meta_frame}).encode()))
    with pytest.raises(RecordingError):
        read_recording(path)
