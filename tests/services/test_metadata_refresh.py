"""Instrument metadata in the live session: fetched at start, refreshed on a timer (scaled), the last
good fetch cached on disk; a venue whose listing changed restarts its connections, the others not."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.core.instruments import load_bundled
from app.core.timing import Timing
from app.feeds.metadata import load_cache
from app.services.runtime import DEFAULT_VENUES, connection_specs
from app.services.session import LiveSession
from app.store.paths import profile_paths
from app.store.settings import Settings, save_settings


def exchange_info(*symbols: str) -> bytes:
    rows = [
        {"symbol": s, "pair": s, "contractType": "PERPETUAL", "status": "TRADING", "baseAsset": s[:-4],
         "quoteAsset": "USDT", "marginAsset": "USDT",
         "filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.10"},
                     {"filterType": "LOT_SIZE", "stepSize": "0.001"}]}
        for s in symbols
    ]  # fmt: skip
    return json.dumps({"symbols": rows}).encode()


@pytest.fixture
def binance_rest() -> Iterator[tuple[str, dict[str, bytes]]]:
    answer = {"body": exchange_info("BTCUSDT")}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = answer["body"] if self.path.startswith("/fapi/v1/exchangeInfo") else b"{}"
            self.send_response(200 if body != b"{}" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", answer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_the_listing_is_refreshed_cached_and_only_the_changed_venue_restarts(
        binance_rest: tuple[str, dict[str, bytes]]) -> None:
    url, answer = binance_rest
    closed = _closed_port()
    endpoints = {spec.stream: f"ws://127.0.0.1:{closed}/{spec.stream}"
                 for spec in connection_specs(DEFAULT_VENUES, None, load_bundled())}
    endpoints |= {f"{venue}/rest": f"http://127.0.0.1:{closed}" for venue in DEFAULT_VENUES}
    endpoints |= {"binance/rest": url, "mof/rest": f"http://127.0.0.1:{closed}/"}
    profile = profile_paths("refresh").ensure()
    save_settings(Settings(endpoints=endpoints), profile.settings_file)
    session = LiveSession(profile)
    session.timing = Timing(60.0)
    session.metadata_refresh_s = 6.0  # 0.1 wall seconds
    await session.open()
    await session.start()
    try:
        assert session.metadata_sources["binance"].startswith("live, fetched ")
        assert [r.symbol for r in load_cache(profile.cache_dir)["binance"].rows] == ["BTCUSDT"]
        async with asyncio.timeout(5):
            while session.metadata_refreshes < 2:
                await asyncio.sleep(0.02)
        assert session.runtime is not None and session.runtime.restarts == {}  # nothing changed: no restart
        answer["body"] = exchange_info("BTCUSDT", "NEWCOINUSDT")  # a listing
        async with asyncio.timeout(5):
            while session.runtime.restarts.get("binance", 0) < 1:
                await asyncio.sleep(0.02)
        assert session.instruments.get("binance", "NEWCOINUSDT") is not None
        assert session.runtime.instruments.get("binance", "NEWCOINUSDT") is not None
        assert set(session.runtime.restarts) == {"binance"}  # the others kept their connections
        rows = load_cache(profile.cache_dir)["binance"].rows
        assert [r.symbol for r in rows] == ["BTCUSDT", "NEWCOINUSDT"]
    finally:
        await session.stop()
