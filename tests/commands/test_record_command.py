"""`cascade record`: a recording made from a local replay replays the same liquidations; options;
authenticated channels refused; the window-free recorder writes a complete file when stopped."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import msgspec
import pytest

from app.commands import record as record_cli
from app.commands import replay_server as replay_cli
from app.core.events import Liquidation
from app.core.instruments import load_bundled
from app.core.timing import Timing
from app.core.venues import registry
from app.replay.recording import RecordingWriter, read_recording
from app.replay.server import ReplayServer
from app.resources import resource_path
from app.services.recorder import FrameRecorder, is_authenticated, public_only
from app.services.runtime import FeedRuntime, connection_specs

ROOT = Path(__file__).resolve().parents[2]
EXCERPT_S = 20
SQUEEZE = 10  # the excerpt's 20 s play in 2 s


def scenario_excerpt(path: Path) -> Path:
    """The bundled scenario's first EXCERPT_S seconds (every venue), SQUEEZE times faster."""
    meta, records = read_recording(resource_path("scenarios", "2026-01-20.jsonl.gz"))
    with RecordingWriter(path, {"scenario": "excerpt", "start_ms": meta["start_ms"],
                                "streams": meta["streams"]}) as writer:
        for record in records:
            if record.offset_ms > EXCERPT_S * 1000:
                break
            if record.kind == "ws":
                writer.write(record.offset_ms // SQUEEZE, record.stream, record.frame)
    return path


def _key(e: Liquidation) -> tuple[str, str, float, float]:
    # BitMEX rows carry no time: stamped on receipt, their synthetic id differs per run; compare the rest.
    return (e.venue, "" if e.venue == "bitmex" else e.id, e.qty, e.notional_usd)


def liquidations_in(path: Path) -> Counter[tuple[str, str, float, float]]:
    _, records = read_recording(path)
    found: Counter[tuple[str, str, float, float]] = Counter()
    for record in records:
        if record.kind != "ws":
            continue
        descriptor = registry.find(record.stream.split("/", 1)[0])
        assert descriptor is not None
        try:
            events = descriptor.parse(record.frame, 0)
        except Exception:
            continue
        found.update(_key(e) for e in events if isinstance(e, Liquidation))
    return found


def _topics_ready(server: ReplayServer) -> bool:
    clients = [client for group in server._clients.values() for client in group]
    return len(clients) >= len(server.streams) and all(client.topics for client in clients)


async def _wait(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def _record_with_the_command(source: Path, out: Path) -> tuple[dict, str]:
    server = ReplayServer(source)
    await server.start(autoplay=False)
    endpoints = json.dumps({"scenario": "excerpt", "endpoints": server.endpoints()})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "record", "--out", str(out), "--endpoints", endpoints,
        "--seconds", "30", cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        await _wait(lambda: _topics_ready(server))
        server.play()
        await _wait(lambda: server.finished)
        await asyncio.sleep(0.5)  # the last frames reach the recorder
        process.terminate()  # SIGTERM: the command closes the file as a complete recording
        stdout, stderr = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await server.stop()
    assert process.returncode == 0, stderr.decode()[-2000:]
    return json.loads(stdout.decode().strip().splitlines()[-1]), stderr.decode()


async def _replay_into_runtime(recording: Path) -> Counter[tuple[str, str, float, float]]:
    server = ReplayServer(recording)
    await server.start(autoplay=False)
    runtime = FeedRuntime(clock=lambda: int(time.time() * 1000), endpoints=server.endpoints(),
                          timing=Timing(scale=SQUEEZE))
    got: Counter[tuple[str, str, float, float]] = Counter()
    runtime.start()
    try:
        await _wait(lambda: _topics_ready(server))
        server.play()
        await _wait(lambda: server.finished)
        await asyncio.sleep(0.5)
        got.update(_key(e) for e in runtime.sink.drain().liquidations)
    finally:
        await runtime.stop()
        await server.stop()
    return got


def test_record_from_a_replay_then_replay_the_recording_gives_the_same_liquidations(tmp_path: Path) -> None:
    source = scenario_excerpt(tmp_path / "excerpt.jsonl.gz")
    expected = liquidations_in(source)
    assert len(expected) >= 20 and len({venue for venue, *_ in expected}) >= 3
    out = tmp_path / "recorded.jsonl.gz"
    summary, stderr = asyncio.run(_record_with_the_command(source, out))
    assert summary["frames"] > 0 and summary["out"] == str(out)
    assert "recording" in stderr and " MB " in stderr and "frames" in stderr  # the progress line
    meta, _ = read_recording(out)
    assert meta["recorded_by"] == "cascade record" and meta["source"] == "endpoints"
    assert set(meta["streams"]) == set(read_recording(source)[0]["streams"])
    assert liquidations_in(out) == expected  # every liquidation frame, as sent
    assert asyncio.run(_replay_into_runtime(out)) == expected  # the same ids and sizes reach the runtime
    # and `cascade replay-server` serves the file
    lines = io.StringIO()
    assert replay_cli.main([str(out), "--exit-after", "0.1"], out=lines) == 0
    served = json.loads(lines.getvalue().strip().splitlines()[-1])
    assert set(served["endpoints"]) == set(meta["streams"])


def test_endpoints_parse_forms(tmp_path: Path) -> None:
    line = {"scenario": "x", "endpoints": {"bybit/linear": "ws://127.0.0.1:1/bybit/linear"}}
    assert record_cli.parse_endpoints(json.dumps(line)) == line["endpoints"]
    assert record_cli.parse_endpoints(json.dumps(line["endpoints"])) == line["endpoints"]
    file = tmp_path / "endpoints.json"
    file.write_text("some log line\n" + json.dumps(line) + "\n")
    assert record_cli.parse_endpoints(str(file)) == line["endpoints"]
    for bad in ("{nope", "[]", '{"a": 1}', '{"a": "ftp://x"}', str(tmp_path / "missing.json")):
        with pytest.raises(record_cli.RecordError):
            record_cli.parse_endpoints(bad)


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    for argv in (["--seconds", "0"], ["--venues", "nowhere"], ["--endpoints", "{nope"]):
        with pytest.raises(SystemExit) as info:
            record_cli.main(["--out", str(tmp_path / "r.gz"), *argv])
        assert info.value.code == 2
    assert record_cli.main(["--out", str(tmp_path / "no" / "dir" / "r.gz"), "--seconds", "1"]) == 2


def test_authenticated_channels_are_never_recorded(tmp_path: Path) -> None:
    public = connection_specs(registry.names(), None, load_bundled())
    assert public and not any(is_authenticated(spec) for spec in public)
    private = [msgspec.structs.replace(public[0], stream=public[0].stream + "/private"),
               msgspec.structs.replace(public[0], url="wss://example.invalid/ws?listenKey=abc"),
               msgspec.structs.replace(public[0], subscribe=('{"op":"login","args":[]}',))]
    kept, refused = public_only(public + private)
    assert kept == public and len(refused) == 3
    recorder = FrameRecorder(tmp_path / "r.jsonl.gz", {"scenario": "t", "streams": []})
    from app.services.recorder import record_connection

    with pytest.raises(ValueError, match="never recorded"):
        asyncio.run(record_connection(private[0], recorder))
    recorder.close()


def test_the_recorder_writes_a_complete_file_with_http_records(tmp_path: Path) -> None:
    from app.feeds.metadata import HttpResponse

    path = tmp_path / "r.jsonl.gz"
    recorder = FrameRecorder(path, {"scenario": "t", "streams": ["bybit/linear"]}, start_ms=1000)
    async def answer(url: str, timeout: float) -> HttpResponse:
        return HttpResponse(200, b'{"result":[]}')

    fetch = recorder.recording_fetch("bybit", answer)
    asyncio.run(fetch("http://127.0.0.1:9/v5/market/instruments-info?category=linear", 1.0))
    recorder.add_ws("bybit/linear", '{"op":"pong"}')
    recorder.add_ws("bybit/linear", b'{"topic":"x"}')
    recorder.flush()
    recorder.sync()
    assert recorder.size_bytes() > 0
    recorder.close()
    recorder.close()
    meta, records = read_recording(path)
    rows = list(records)
    assert meta["start_ms"] == 1000
    assert [(r.kind, r.stream) for r in rows] == [("http", "bybit/rest"), ("ws", "bybit/linear"),
                                                  ("ws", "bybit/linear")]
    assert rows[0].path == "/v5/market/instruments-info?category=linear" and rows[0].body == '{"result":[]}'
    assert rows[2].frame == '{"topic":"x"}'


def test_rest_listings_named_in_the_endpoints_are_recorded_as_http(tmp_path: Path) -> None:
    """A replay serving REST too (`<venue>/rest`): the listing it answers is recorded, from there only."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    paths: list[str] = []

    class Listing(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            paths.append(self.path)
            body = b'{"retCode":0,"result":{"list":[],"nextPageCursor":""}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Listing)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        venue = "bybit" if "bybit" in registry.names() else registry.names()[0]
        stream = registry.by_name(venue).streams[0]
        endpoints = {stream: "ws://127.0.0.1:9/" + stream, f"{venue}/rest": f"http://127.0.0.1:{http.server_port}"}
        out = tmp_path / "r.jsonl.gz"
        lines = io.StringIO()
        code = record_cli.main(["--out", str(out), "--endpoints", json.dumps(endpoints), "--seconds", "1.5",
                                "--quiet"], out=lines, err=io.StringIO())
    finally:
        http.shutdown()
        http.server_close()
    assert code == 0
    assert paths  # the listing was asked of the local server
    _, records = read_recording(out)
    recorded = [r for r in records if r.kind == "http"]
    assert recorded and all(r.stream == f"{venue}/rest" and r.method == "GET" for r in recorded)
    assert [r.path for r in recorded] == paths
    assert json.loads(lines.getvalue())["http"] == len(paths)
