from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from app.replay.recording import RecordingError, RecordingWriter, read_recording

META = {"scenario": "t", "start_ms": 1_768_900_000_000, "streams": ["bybit/linear", "okx/public"]}


def _write(path: Path) -> Path:
    with RecordingWriter(path, META) as writer:
        writer.write(0, "bybit/linear", '{"topic":"x"}')
        writer.write_http(5, "okx/rest", "GET", "/api/v5/public/instruments", '{"code":"0"}')
        writer.write(5, "okx/public", "pong")
    return path


def test_round_trip_keeps_exact_frames_and_meta(tmp_path: Path) -> None:
    meta, records = read_recording(_write(tmp_path / "r.jsonl.gz"))
    assert meta == META
    got = list(records)
    assert [(r.offset_ms, r.stream, r.kind, r.frame) for r in got if r.kind == "ws"] == [
        (0, "bybit/linear", "ws", '{"topic":"x"}'), (5, "okx/public", "ws", "pong")]
    http = next(r for r in got if r.kind == "http")
    assert (http.method, http.path, http.body) == ("GET", "/api/v5/public/instruments", '{"code":"0"}')


def test_format_is_the_documented_json_lines(tmp_path: Path) -> None:
    lines = gzip.decompress(_write(tmp_path / "r.jsonl.gz").read_bytes()).decode().splitlines()
    assert lines[0].startswith('{"offset_ms":0,"stream":"meta","kind":"meta","frame":"{')
    assert lines[1] == '{"offset_ms":0,"stream":"bybit/linear","kind":"ws","frame":"{\\"topic\\":\\"x\\"}"}'


def test_writing_is_deterministic(tmp_path: Path) -> None:
    assert _write(tmp_path / "a.gz").read_bytes() == _write(tmp_path / "b.gz").read_bytes()


def test_offsets_never_decrease_and_meta_is_complete(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="meta"):
        RecordingWriter(tmp_path / "x.gz", {"scenario": "t"})
    with RecordingWriter(tmp_path / "y.gz", META) as writer:
        writer.write(10, "s", "a")
        with pytest.raises(ValueError, match="decrease"):
            writer.write(9, "s", "b")


NO_META = gzip.compress(b'{"offset_ms":0,"stream":"a","kind":"ws","frame":"x"}\n')


@pytest.mark.parametrize("content", [b"", b"not gzip", NO_META, gzip.compress(b"{nonsense\n")])
def test_bad_files_raise_recording_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(content)
    with pytest.raises(RecordingError):
        read_recording(path)


def test_a_damaged_line_raises_with_its_number(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.gz")
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + b"{broken\n"))
    _meta, records = read_recording(path)
    with pytest.raises(RecordingError, match=":5:"):
        list(records)
