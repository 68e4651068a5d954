"""The one HTTP client of an app run: every REST request (instrument listings, tier tables, open
interest and candle pollers, Hyperliquid `info` POSTs, the MOF yield CSVs) goes through it.

One shared `aiohttp.ClientSession` per run (connection pooling, keep-alive, gzip/deflate decoded by
aiohttp, a User-Agent, a body cap, per-request timeouts) and **one budget per host**: a token bucket in
transport time (so tests run it ×60), shared by every caller of that host, plus the host's "rate
limited until" moment. A 429 or 418 (Binance's ban for ignoring 429s) blocks the whole host until its
Retry-After (else a doubling back-off, BLOCK_INITIAL_S … BLOCK_MAX_S): requests to it meanwhile are
answered locally (`HttpResponse.local`), never sent, so no caller can retry in a hot loop.

Proxy: `configure(proxy_url=...)` (Settings.proxy_url) applies to every connection of the run: REST
through aiohttp's `proxy=` (http://, https://) or aiohttp-socks' connector (socks4/4a/5/5h://), the
websockets through websockets' own `connect(..., proxy=...)` (`ws_proxy()`; websockets ≥ 15 supports
http(s) and, with python-socks, SOCKS proxies). Loopback endpoints (the replay server) are always
reached directly. No setting: the environment's proxy variables, as before.
Docs: https://docs.aiohttp.org/en/stable/client_advanced.html#proxy-support ,
https://websockets.readthedocs.io/en/stable/topics/proxies.html ,
https://pypi.org/project/aiohttp-socks/ .

Entry points for pollers (they need no plumbing; the session installs the run's client):

    from app.feeds import http
    response = await http.fetch(url, timeout_s)          # GET → HttpResponse(status, body, retry_after_s)
    response = await http.post(url, body, timeout_s)     # POST a JSON body → HttpResponse
    data = await http.get_json(url, timeout_s)           # GET, 2xx JSON decoded, else HttpStatusError

`fetch`/`post` raise OSError for network failures (TimeoutError when no answer in time) and return
every HTTP status; `problem(response)` turns 403/451 and 429/418 into the user's text
("not available from your region", "rate limited until HH:MM"). Tests inject an async
`Fetch = (url, timeout_s) -> Awaitable[HttpResponse]` where a module takes one.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from app import __version__
from app.core.formatting import format_clock
from app.core.proxy_url import PROXY_SCHEMES as PROXY_SCHEMES
from app.core.proxy_url import proxy_problem
from app.core.timing import Timing

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger(__name__)

USER_AGENT = f"Cascade/{__version__}"
MAX_BODY_BYTES = 64 * 1024 * 1024  # Binance exchangeInfo is a few MB; anything far larger is not it
DEFAULT_TIMEOUT_S = 15.0
CONNECT_TIMEOUT_S = 10.0
POOL_LIMIT = 32
POOL_LIMIT_PER_HOST = 6
HOST_RATE_PER_S = 5.0
"""Requests per transport second to one host, on average (every caller together)…"""
HOST_BURST = 10
"""…and at most this many at once: the venues' own limits are far higher (Binance 2,400 weight/min,
Hyperliquid 1,200/min), this keeps a restart storm of pollers polite."""
REFUSED_STATUSES = frozenset({403, 451})
LIMITED_STATUSES = frozenset({418, 429})
BLOCK_INITIAL_S = 5.0
BLOCK_MAX_S = 15 * 60.0
BAN_DEFAULT_S = 120.0
"""A 418 without Retry-After: Binance's shortest ban is 2 minutes."""
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: bytes = b""
    retry_after_s: float | None = None  # venue seconds (Retry-After, or what is left of the host's block)
    headers: Mapping[str, str] = field(default_factory=dict, compare=False)
    local: bool = False  # answered by the host budget (the host is rate limited): never sent


Fetch = Callable[[str, float], Awaitable[HttpResponse]]
"""An async GET (url, timeout in real seconds) → HttpResponse; raises OSError for network failures."""


class HttpStatusError(OSError):
    def __init__(self, response: HttpResponse, url: str) -> None:
        self.response = response
        text = problem(response) or f"HTTP {response.status}"
        super().__init__(f"{text} ({urlsplit(url).hostname})")


# --- what the user is told --------------------------------------------------------------------------

_local_clock = False


def set_local_clock(local: bool) -> None:
    """The time-zone setting: "rate limited until HH:MM" in local time, else UTC."""
    global _local_clock
    _local_clock = local


def until_text(seconds_from_now: float, now: float | None = None) -> str:
    """HH:MM (local per the setting, else `HH:MM UTC`) of a moment `seconds_from_now` ahead."""
    moment_ms = int(((time.time() if now is None else now) + max(0.0, seconds_from_now)) * 1000)
    clock = format_clock(moment_ms, local=_local_clock)[:5]
    return clock if _local_clock else f"{clock} UTC"


def limited_text(status: int, retry_after_s: float | None) -> str:
    wait = retry_after_s if retry_after_s is not None else (BAN_DEFAULT_S if status == 418 else BLOCK_INITIAL_S)
    ban = " (IP banned by the venue)" if status == 418 else ""
    return f"rate limited until {until_text(wait)}{ban} (HTTP {status})"


def refused_text(status: int) -> str:
    return f"not available from your region (HTTP {status})"


def problem(response: HttpResponse) -> str | None:
    """The user's text for a refusal or a rate limit; None for any other status."""
    if response.status in REFUSED_STATUSES:
        return refused_text(response.status)
    if response.status in LIMITED_STATUSES:
        return limited_text(response.status, response.retry_after_s)
    return None


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header as seconds from now: either delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    with contextlib.suppress(TypeError, ValueError):
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    return None


# --- proxy ------------------------------------------------------------------------------------------

def check_proxy_url(url: str | None) -> str | None:
    """None when `url` is a usable proxy URL (or unset), else why not."""
    return proxy_problem(url)


_proxy_url: str | None = None


def configure(proxy_url: str | None) -> None:
    """The run's proxy (Settings.proxy_url, checked), for REST and websockets alike."""
    global _proxy_url
    problem_text = check_proxy_url(proxy_url)
    if problem_text is not None:
        raise ValueError(problem_text)
    _proxy_url = proxy_url


def proxy_url() -> str | None:
    return _proxy_url


def is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in _LOOPBACK


def ws_proxy(url: str) -> str | Literal[True] | None:
    """websockets' `proxy=` for a connection to `url`: the setting, else the environment's (True);
    loopback directly (None)."""
    if is_loopback(url):
        return None
    return _proxy_url if _proxy_url is not None else True


# --- the per-host budget ----------------------------------------------------------------------------

class HostBudget:
    """Token bucket (HOST_RATE_PER_S, HOST_BURST) on a transport clock, plus "blocked until"."""

    def __init__(self, rate_per_s: float, burst: float, clock: Callable[[], float]) -> None:
        self.rate_per_s = rate_per_s
        self.capacity = burst
        self._clock = clock
        self._tokens = burst
        self._at = clock()
        self.blocked_until = 0.0  # transport monotonic time
        self.block_status = 0
        self.blocks = 0  # consecutive rate limits: the back-off doubles
        self.sent = 0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate_per_s)
        self._at = now

    def blocked_for(self) -> float:
        """Transport seconds the host stays rate limited (0: not limited)."""
        return max(0.0, self.blocked_until - self._clock())

    async def acquire(self, timing: Timing) -> None:
        while True:
            self._refill()
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                self.sent += 1
                return
            await timing.sleep((1.0 - self._tokens) / self.rate_per_s)

    def limited(self, status: int, retry_after_s: float | None) -> float:
        """A 429/418: block the host; returns the block in transport seconds."""
        if retry_after_s is None:
            retry_after_s = BAN_DEFAULT_S if status == 418 else min(BLOCK_INITIAL_S * 2**self.blocks, BLOCK_MAX_S)
        self.blocks += 1
        self.blocked_until = max(self.blocked_until, self._clock() + retry_after_s)
        self.block_status = status
        return retry_after_s

    def answered(self) -> None:
        self.blocks = 0


# --- the client -------------------------------------------------------------------------------------

class HttpClient:
    """One per app run (`install()` it); also usable as `async with HttpClient() as client:`."""

    def __init__(self, *, proxy: str | Literal[False] | None = False, timing: Timing | None = None,
                 user_agent: str = USER_AGENT, max_body: int = MAX_BODY_BYTES,
                 host_rate_per_s: float = HOST_RATE_PER_S, host_burst: int = HOST_BURST) -> None:
        """`proxy`: a proxy URL, None for none (the environment's), False (default) for `configure`'s."""
        import aiohttp  # noqa: F401 - loaded here, not by `import app` (headless commands), nor mid-request
        self.proxy = _proxy_url if proxy is False else proxy
        problem_text = check_proxy_url(self.proxy)
        if problem_text is not None:
            raise ValueError(problem_text)
        self.timing = timing or Timing()
        self.user_agent = user_agent
        self.max_body = max_body
        self._rate = host_rate_per_s
        self._burst = host_burst
        self.budgets: dict[str, HostBudget] = {}
        self._sessions: dict[bool, aiohttp.ClientSession] = {}  # direct (loopback) / the rest
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed = False
        self.requests = 0

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def budget(self, host: str) -> HostBudget:
        budget = self.budgets.get(host)
        if budget is None:
            budget = self.budgets[host] = HostBudget(self._rate, self._burst, self.timing.monotonic)
        return budget

    def _session(self, direct: bool) -> aiohttp.ClientSession:
        if self.closed:
            raise RuntimeError("the HTTP client is closed")
        session = self._sessions.get(direct)
        if session is None:
            import aiohttp  # imported with the first request: a command that sends none never loads it

            self._loop = asyncio.get_running_loop()
            connector: aiohttp.BaseConnector
            socks = not direct and self.proxy is not None and self.proxy.lower().startswith("socks")
            if socks:
                from aiohttp_socks import ProxyConnector  # SOCKS: the connector tunnels every connection

                scheme, rest = self.proxy.split(":", 1)
                # python-socks knows socks5/socks4; the "h"/"a" forms mean: the proxy resolves the names.
                remote_dns = scheme.lower() in ("socks5h", "socks4a")
                connector = ProxyConnector.from_url(scheme.lower().rstrip("ha") + ":" + rest, rdns=remote_dns,
                                                    limit=POOL_LIMIT, limit_per_host=POOL_LIMIT_PER_HOST)
            else:
                connector = aiohttp.TCPConnector(limit=POOL_LIMIT, limit_per_host=POOL_LIMIT_PER_HOST,
                                                 ttl_dns_cache=300)
            session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
                timeout=aiohttp.ClientTimeout(total=DEFAULT_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
                trust_env=not direct and self.proxy is None,  # no setting: HTTP(S)_PROXY as before
            )
            self._sessions[direct] = session
        return session

    async def request(self, method: str, url: str, *, body: bytes | str | None = None,
                      headers: Mapping[str, str] | None = None,
                      timeout_s: float = DEFAULT_TIMEOUT_S) -> HttpResponse:
        """One request under the host's budget. Every status is returned; network failures raise
        OSError (TimeoutError when no answer within `timeout_s` real seconds)."""
        import aiohttp
        from multidict import CIMultiDict

        parts = urlsplit(url)
        host = parts.hostname or ""
        budget = self.budget(f"{host}:{parts.port or ''}")
        blocked = budget.blocked_for()
        if blocked > 0:
            return HttpResponse(budget.block_status, b"", blocked, local=True)
        await budget.acquire(self.timing)
        direct = host in _LOOPBACK
        session = self._session(direct)
        data = body.encode() if isinstance(body, str) else body
        send_headers = {"Accept": "application/json", **(headers or {})}
        if data is not None and "Content-Type" not in send_headers:
            send_headers["Content-Type"] = "application/json"
        http_proxy = None if direct or self.proxy is None or self.proxy.lower().startswith("socks") else self.proxy
        self.requests += 1
        try:
            async with session.request(method, url, data=data, headers=send_headers, proxy=http_proxy,
                                       timeout=aiohttp.ClientTimeout(total=timeout_s),
                                       allow_redirects=True) as response:
                payload = await self._read(response)
                answer = HttpResponse(response.status, payload,
                                      retry_after_seconds(response.headers.get("Retry-After")),
                                      CIMultiDict(response.headers))
        except TimeoutError:
            raise TimeoutError(f"no answer from {host} within {timeout_s:g} s") from None
        except aiohttp.ClientPayloadError as error:
            raise OSError(f"undecodable {_encoding(error)}body: {error}") from None
        except aiohttp.ClientError as error:
            raise OSError(_client_error_text(error)) from None
        except Exception as error:  # aiohttp-socks' own errors (not ClientError, not OSError)
            if type(error).__module__.startswith(("aiohttp_socks", "python_socks")):
                raise OSError(f"proxy: {error}") from None
            raise
        if answer.status in LIMITED_STATUSES:
            block = budget.limited(answer.status, answer.retry_after_s)
            log.warning("%s: %s", host, limited_text(answer.status, block))
            answer = HttpResponse(answer.status, answer.body, block, answer.headers)
        elif answer.status < 400:
            budget.answered()
        return answer

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        if response.content_length is not None and response.content_length > self.max_body:
            raise OSError(f"response larger than {self.max_body} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(1 << 16):
            size += len(chunk)
            if size > self.max_body:
                raise OSError(f"response larger than {self.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def get(self, url: str, timeout_s: float = DEFAULT_TIMEOUT_S,
                  headers: Mapping[str, str] | None = None) -> HttpResponse:
        return await self.request("GET", url, headers=headers, timeout_s=timeout_s)

    async def post(self, url: str, body: bytes | str, timeout_s: float = DEFAULT_TIMEOUT_S,
                   headers: Mapping[str, str] | None = None) -> HttpResponse:
        return await self.request("POST", url, body=body, headers=headers, timeout_s=timeout_s)

    async def close(self) -> None:
        self.closed = True
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()


def _encoding(error: BaseException) -> str:
    text = str(error).lower()
    return "gzip " if "gzip" in text or "zlib" in text or "decompress" in text or "encoding" in text else ""


def _client_error_text(error: aiohttp.ClientError) -> str:
    import aiohttp

    if isinstance(error, aiohttp.ClientConnectorError):
        cause = error.os_error
        why = ("connection refused" if isinstance(cause, ConnectionRefusedError)
               else "name not resolved" if isinstance(cause, socket.gaierror)
               else "timed out" if isinstance(cause, TimeoutError)
               else f"{type(cause).__name__}: {cause.strerror or cause}")
        return f"cannot connect to {error.host}:{error.port} ({why})"
    return f"{type(error).__name__}: {error}".rstrip(": ")


async def finish_within(tasks: list[asyncio.Task[Any]], seconds: float) -> None:
    """Wait for `tasks` at most `seconds`, then cancel the rest; every task is awaited, also when the
    caller is itself cancelled (no "exception was never retrieved")."""
    try:
        await asyncio.wait(tasks, timeout=seconds)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.shield(asyncio.gather(*tasks, return_exceptions=True))


# --- the run's client -------------------------------------------------------------------------------

_installed: HttpClient | None = None


def install(client: HttpClient | None) -> None:
    """Make `client` the run's client (None: uninstall). The session does it at start and stop."""
    global _installed
    _installed = client


def current() -> HttpClient | None:
    """The installed client if it serves this event loop (tests run a loop each)."""
    client = _installed
    if client is None or client.closed:
        return None
    if client._loop is not None and client._loop is not asyncio.get_running_loop():
        return None
    return client


@contextlib.asynccontextmanager
async def scope(timing: Timing | None = None) -> AsyncIterator[HttpClient]:
    """The run's client, or (none installed: a command, a test) one of its own for this block, whose
    host budget runs on `timing`."""
    client = current()
    if client is not None:
        yield client
        return
    async with HttpClient(timing=timing) as own:
        yield own


async def request(method: str, url: str, *, body: bytes | str | None = None,
                  headers: Mapping[str, str] | None = None, timeout_s: float = DEFAULT_TIMEOUT_S) -> HttpResponse:
    """Through the run's client; without one (a command, a test), through a client of its own."""
    client = current()
    if client is not None:
        return await client.request(method, url, body=body, headers=headers, timeout_s=timeout_s)
    async with HttpClient() as own:
        return await own.request(method, url, body=body, headers=headers, timeout_s=timeout_s)


async def fetch(url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> HttpResponse:
    """GET `url` (the default `Fetch`)."""
    return await request("GET", url, timeout_s=timeout_s)


async def post(url: str, body: bytes | str, timeout_s: float = DEFAULT_TIMEOUT_S) -> HttpResponse:
    return await request("POST", url, body=body, timeout_s=timeout_s)


def poster(method: str = "GET", body: bytes | str | None = None, client: HttpClient | None = None) -> Fetch:
    """A `Fetch` that sends `method` with `body` (a JSON POST for Hyperliquid's `info`), through
    `client` (default: the run's)."""

    async def send(url: str, timeout_s: float) -> HttpResponse:
        if client is not None:
            return await client.request(method, url, body=body, timeout_s=timeout_s)
        return await request(method, url, body=body, timeout_s=timeout_s)

    return send


async def get_json(url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Any:
    """GET and decode JSON (off the loop thread when large); any non-2xx raises HttpStatusError."""
    response = await fetch(url, timeout_s)
    if not 200 <= response.status < 300:
        raise HttpStatusError(response, url)
    if len(response.body) > 256 * 1024:
        return await asyncio.to_thread(json.loads, response.body)
    return json.loads(response.body)
