"""The one HTTP client (app.feeds.http) and live-mode honesty against local servers: 403/451 and 429/418
worded for the user and never retried in a hot loop (REST and the websocket handshake), the per-host
budget shared by every caller, the body cap, and one proxy setting carrying REST and websockets
through a local HTTP CONNECT proxy that counts its tunnels."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from app.core.timing import Timing
from app.core.venues import hyperliquid
from app.feeds import http
from app.feeds.account_poller import AccountPoller
from app.feeds.client import run_connection
from app.feeds.sink import FeedSink
from app.feeds.status import ConnectionStatus
from tests.feeds.conftest import SCALE, STREAM, bybit_spec, wait_until, write_recording

UNTIL_UTC = r"rate limited until \d\d:\d\d UTC"


@dataclass
class Answers:
    """What the local REST server answers (status, headers, body) to every request; counts them."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"{}"
    paths: list[str] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def rest() -> Iterator[Answers]:
    answers = Answers()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            answers.paths.append(self.path)
            self.send_response(answers.status)
            for name, value in answers.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answers.body)))
            self.end_headers()
            self.wfile.write(answers.body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    answers.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield answers
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# --- REST ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [403, 451])
async def test_a_geo_refusal_is_worded_for_the_user(rest: Answers, status: int) -> None:
    rest.status = status
    async with http.HttpClient(timing=Timing(SCALE)) as client:
        response = await client.get(rest.url + "/x", 2.0)
    assert http.problem(response) == f"not available from your region (HTTP {status})"
    assert len(rest.paths) == 1


@pytest.mark.parametrize(("status", "headers", "blocked_s"), [
    (429, {"Retry-After": "600"}, 600.0),  # what the venue says
    (429, {}, http.BLOCK_INITIAL_S),  # else a back-off that doubles while it repeats
    (418, {}, http.BAN_DEFAULT_S),
])
async def test_a_rate_limit_blocks_the_host_for_every_caller(rest: Answers, status: int, headers: dict[str, str],
                                                             blocked_s: float) -> None:
    rest.status, rest.headers = status, headers
    async with http.HttpClient(timing=Timing(SCALE)) as client:
        first = await client.get(rest.url + "/a", 2.0)
        rest.status, rest.headers = 200, {}
        again = [await client.post(rest.url + "/b", "{}", 2.0) for _ in range(5)]  # another caller, same host
    assert len(rest.paths) == 1  # nothing more was sent
    assert first.status == status and first.retry_after_s == blocked_s and not first.local
    assert all(r.local and r.status == status and 0 < r.retry_after_s <= blocked_s for r in again)  # type: ignore[operator]
    text = http.problem(again[-1])
    assert text is not None and re.fullmatch(UNTIL_UTC + (r" \(IP banned by the venue\)" if status == 418 else "")
                                             + rf" \(HTTP {status}\)", text), text


async def test_the_block_ends_and_the_back_off_doubles_while_limits_repeat(rest: Answers) -> None:
    rest.status = 429
    timing = Timing(SCALE * 10)  # 5 s of back-off is 8 ms
    async with http.HttpClient(timing=timing) as client:
        first = await client.get(rest.url, 2.0)
        await timing.sleep(first.retry_after_s or 0)
        second = await client.get(rest.url, 2.0)
        await timing.sleep(second.retry_after_s or 0)
        rest.status = 200
        third = await client.get(rest.url, 2.0)
    assert (first.retry_after_s, second.retry_after_s) == (http.BLOCK_INITIAL_S, 2 * http.BLOCK_INITIAL_S)
    assert third.status == 200 and len(rest.paths) == 3


def test_rate_limited_until_follows_the_time_zone_setting() -> None:
    now = 1_768_900_000.0  # 2026-01-20 09:06:40 UTC
    assert http.until_text(600, now) == "09:16 UTC"
    http.set_local_clock(True)
    try:
        assert re.fullmatch(r"\d\d:16", http.until_text(600, now))
    finally:
        http.set_local_clock(False)


async def test_the_body_is_capped(rest: Answers) -> None:
    rest.body = b"x" * 5000
    async with http.HttpClient(max_body=1000) as client:
        with pytest.raises(OSError, match="larger than 1000 bytes"):
            await client.get(rest.url, 2.0)


async def test_the_entry_points_work_without_an_installed_client(rest: Answers) -> None:
    rest.body = b'{"ok": [1, 2]}'
    assert await http.get_json(rest.url + "/j", 2.0) == {"ok": [1, 2]}
    assert (await http.post(rest.url + "/p", '{"type":"meta"}', 2.0)).body == rest.body
    rest.status = 451
    with pytest.raises(http.HttpStatusError, match="not available from your region"):
        await http.get_json(rest.url + "/j", 2.0)


async def test_hyperliquid_info_posts_wait_out_a_rate_limit_and_tell_the_user(rest: Answers) -> None:
    rest.status, rest.headers = 429, {"Retry-After": "3600"}
    accounts = hyperliquid.DESCRIPTOR.accounts
    assert accounts is not None
    addresses = [f"0x{n:040x}" for n in range(1, 4)]
    sink = FeedSink()
    poller = AccountPoller("hyperliquid", accounts, addresses, sink, lambda: 0, base_url=rest.url,
                           timing=Timing(SCALE))
    async with http.HttpClient(timing=Timing(SCALE)) as client:
        http.install(client)
        task = asyncio.create_task(poller.run())
        try:
            await wait_until(lambda: poller.requests >= 1, what="a request")
            await asyncio.sleep(0.3)  # 18 venue-seconds at ×60: a hot loop would have sent dozens
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            http.install(None)
    assert len(rest.paths) == 1 and poller.requests == 1
    (notice,) = sink.drain().notices
    assert re.fullmatch(UNTIL_UTC + r" \(HTTP 429\)", notice.text), notice.text


# --- the websocket handshake ----------------------------------------------------------------------

@contextlib.asynccontextmanager
async def handshake_answering(status: int, headers: str = "") -> AsyncIterator[tuple[str, list[int]]]:
    """A server that answers every websocket upgrade with `status`; yields (url, attempts)."""
    attempts: list[int] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            attempts.append(status)
            writer.write(f"HTTP/1.1 {status} No\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n"
                         .encode())
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/{STREAM}", attempts
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(("status", "headers", "state", "shown"), [
    (429, "Retry-After: 3600\r\n", "offline", UNTIL_UTC + r" \(HTTP 429\)"),
    (429, "", "offline", UNTIL_UTC + r" \(HTTP 429\)"),  # no Retry-After: 60 s, not websockets' 1-3 s
    (418, "", "offline", UNTIL_UTC + r" \(IP banned by the venue\) \(HTTP 418\)"),
    (451, "", "refused", r"HTTP 451: not available from your region"),
    (403, "", "refused", r"HTTP 403: not available from your region"),
])
async def test_the_websocket_handshake_status_is_shown_and_not_retried_in_a_loop(
        status: int, headers: str, state: str, shown: str) -> None:
    timing = Timing(SCALE)
    async with handshake_answering(status, headers) as (url, attempts):
        spec = bybit_spec(url)
        connection = ConnectionStatus(spec.stream, spec.venue, spec.completeness, lambda: 0)
        task = asyncio.create_task(run_connection(spec, FeedSink(), connection, timing, lambda: 0))
        try:
            await wait_until(lambda: connection.connect_failures >= 1, what="the first attempt")
            await asyncio.sleep(0.5)  # 30 venue-seconds: websockets' own back-off would have retried ~5 times
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert connection.state == state
    assert re.fullmatch(shown, connection.last_error or ""), connection.last_error
    assert len(attempts) == 1 and connection.connect_failures == 1


# --- the proxy ------------------------------------------------------------------------------------

@dataclass
class Proxy:
    url: str = ""
    tunnels: list[str] = field(default_factory=list)  # CONNECT host:port
    forwarded: list[str] = field(default_factory=list)  # absolute-form requests (plain http through a proxy)


@contextlib.asynccontextmanager
async def local_proxy() -> AsyncIterator[Proxy]:
    """A tiny HTTP proxy on 127.0.0.1: CONNECT tunnels and absolute-form GET/POST; every host it is
    asked for is 127.0.0.1 (the client itself cannot resolve `*.invalid`: only the proxy can reach it)."""
    proxy = Proxy()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (OSError, asyncio.IncompleteReadError):
            writer.close()
            return
        method, target, version = head.split(b"\r\n", 1)[0].decode().split(" ")
        if method == "CONNECT":
            proxy.tunnels.append(target)
            port = int(target.rsplit(":", 1)[1])
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
        else:
            proxy.forwarded.append(target)
            rest_of_url = target.split("://", 1)[1]
            authority, _, path = rest_of_url.partition("/")
            port = int(authority.rsplit(":", 1)[1]) if ":" in authority else 80
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
            up_writer.write(f"{method} /{path} {version}\r\n".encode() + head.split(b"\r\n", 1)[1])
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    proxy.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield proxy
    finally:
        server.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                await server.wait_closed()


async def test_rest_and_websockets_go_through_the_proxy_setting(rest: Answers, tmp_path: Path) -> None:
    from app.replay.server import ReplayServer

    rest.body = b'{"via": "proxy"}'
    port = rest.url.rsplit(":", 1)[1]
    recording = write_recording(tmp_path / "r.jsonl.gz", count=5, every_ms=10)
    timing = Timing(SCALE)
    replay = ReplayServer(recording, timing=timing)
    await replay.start(autoplay=False)
    async with local_proxy() as proxy:
        http.configure(proxy.url)
        try:
            async with http.HttpClient(timing=timing) as client:
                http.install(client)
                try:
                    answer = await http.get_json(f"http://venue.invalid:{port}/listing", 2.0)
                    posted = await http.post(f"http://venue.invalid:{port}/info", "{}", 2.0)
                finally:
                    http.install(None)
            ws_url = replay.endpoints()[STREAM].replace("127.0.0.1", "venue.invalid")
            spec = bybit_spec(ws_url)
            status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, replay.market_ms)
            task = asyncio.create_task(run_connection(spec, FeedSink(), status, timing, replay.market_ms))
            try:
                await wait_until(lambda: status.state == "live", what="live through the proxy")
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        finally:
            http.configure(None)
            await replay.stop()
    assert answer == {"via": "proxy"} and posted.status == 200
    assert proxy.forwarded == [f"http://venue.invalid:{port}/listing", f"http://venue.invalid:{port}/info"]
    ws_port = ws_url.split(":")[2].split("/")[0]
    assert proxy.tunnels == [f"venue.invalid:{ws_port}"]


async def test_without_the_proxy_the_unresolvable_host_is_not_reached(rest: Answers) -> None:
    """The control for the test above: the same URL without the proxy setting fails (the test run
    resolves no real names), so reaching it proves the proxy carried the request."""
    port = rest.url.rsplit(":", 1)[1]
    async with http.HttpClient(proxy=None) as client:
        with pytest.raises(OSError):
            await client.get(f"http://venue.invalid:{port}/listing", 2.0)
    assert rest.paths == []


def test_the_proxy_setting_is_checked() -> None:
    assert http.check_proxy_url("socks5h://127.0.0.1:1080") is None
    assert http.check_proxy_url("http://user:pw@proxy.example:3128") is None
    assert "scheme" in (http.check_proxy_url("ftp://proxy:21") or "")
    assert http.check_proxy_url("http://") is not None
    with pytest.raises(ValueError):
        http.configure("proxy:3128")
    assert http.proxy_url() is None


def test_ccxt_accounts_use_the_proxy_setting_too() -> None:
    pytest.importorskip("ccxt")
    from app.feeds.accounts import _use_proxy

    class Exchange:
        http_proxy = https_proxy = socks_proxy = None

    for proxy, attribute in (("http://p:3128", "http_proxy"), ("socks5h://p:1080", "socks_proxy")):
        http.configure(proxy)
        try:
            exchange, local = Exchange(), Exchange()
            _use_proxy(exchange, None)
            _use_proxy(local, "http://127.0.0.1:9")
        finally:
            http.configure(None)
        assert getattr(exchange, attribute) == proxy
        assert (local.http_proxy, local.socks_proxy) == (None, None)


@contextlib.asynccontextmanager
async def local_socks5() -> AsyncIterator[Proxy]:
    """A tiny SOCKS5 proxy (no auth, CONNECT) on 127.0.0.1 that reaches every host at 127.0.0.1."""
    proxy = Proxy()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            _, count = await reader.readexactly(2)
            await reader.readexactly(count)
            writer.write(b"\x05\x00")  # no authentication
            _, _command, _, kind = await reader.readexactly(4)  # CONNECT
            if kind == 3:
                host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
            else:
                host = "address"
                await reader.readexactly(4 if kind == 1 else 16)
            port = int.from_bytes(await reader.readexactly(2), "big")
        except (OSError, asyncio.IncompleteReadError):
            writer.close()
            return
        proxy.tunnels.append(f"{host}:{port}")
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        await writer.drain()
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    proxy.url = f"socks5h://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield proxy
    finally:
        server.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                await server.wait_closed()


async def test_a_socks5h_proxy_carries_rest_and_websockets(rest: Answers, tmp_path: Path) -> None:
    from app.replay.server import ReplayServer

    port = rest.url.rsplit(":", 1)[1]
    recording = write_recording(tmp_path / "r.jsonl.gz", count=5, every_ms=10)
    timing = Timing(SCALE)
    replay = ReplayServer(recording, timing=timing)
    await replay.start(autoplay=False)
    async with local_socks5() as proxy:
        http.configure(proxy.url)
        try:
            async with http.HttpClient(timing=timing) as client:
                answer = await client.get(f"http://venue.invalid:{port}/listing", 2.0)
            ws_url = replay.endpoints()[STREAM].replace("127.0.0.1", "venue.invalid")
            spec = bybit_spec(ws_url)
            status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, replay.market_ms)
            task = asyncio.create_task(run_connection(spec, FeedSink(), status, timing, replay.market_ms))
            try:
                await wait_until(lambda: status.state == "live", what="live through the SOCKS proxy")
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        finally:
            http.configure(None)
            await replay.stop()
    ws_port = ws_url.split(":")[2].split("/")[0]
    assert answer.status == 200 and rest.paths == ["/listing"]
    assert proxy.tunnels == [f"venue.invalid:{port}", f"venue.invalid:{ws_port}"]  # names resolved by the proxy
