"""Start-up instrument metadata against a local HTTP server speaking the three venues' REST listings:
merge over the snapshot, per-venue fallback, geo refusal, Retry-After, a silent server, pagination."""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import msgspec
import pytest

from app.core.instruments import load_bundled
from app.core.timing import Timing
from app.feeds import http, metadata
from app.feeds.metadata import HttpResponse, fetch_live_instruments, snapshot_differences

BINANCE_PATH = "/fapi/v1/exchangeInfo"
OKX_PATH = "/api/v5/public/instruments?instType=SWAP"
BYBIT_LINEAR = "/v5/market/instruments-info?category=linear&limit=1000"
BYBIT_INVERSE = "/v5/market/instruments-info?category=inverse&limit=1000"
TIMING = Timing(scale=20.0)  # timeout_s=8 → 0.4 wall seconds


def binance_body(*symbols: tuple[str, str, str]) -> bytes:
    rows = [
        {"symbol": s, "pair": s, "contractType": "PERPETUAL", "status": "TRADING", "baseAsset": base,
         "quoteAsset": "USDT", "marginAsset": "USDT", "pricePrecision": 2, "quantityPrecision": 3,
         "filters": [{"filterType": "PRICE_FILTER", "minPrice": "0.1", "maxPrice": "1000000", "tickSize": tick},
                     {"filterType": "LOT_SIZE", "minQty": "0.001", "maxQty": "1000", "stepSize": "0.001"}]}
        for s, base, tick in symbols
    ]  # fmt: skip
    return json.dumps({"timezone": "UTC", "serverTime": 1, "rateLimits": [], "symbols": rows}).encode()


def bybit_body(category: str, symbols: list[str], cursor: str = "") -> bytes:
    perpetual = "LinearPerpetual" if category == "linear" else "InversePerpetual"
    rows = [
        {"symbol": s, "contractType": perpetual, "status": "Trading",
         "baseCoin": s.removesuffix("USDT").removesuffix("USD"),
         "quoteCoin": "USDT" if category == "linear" else "USD",
         "settleCoin": "USDT" if category == "linear" else "BTC",
         "priceFilter": {"minPrice": "0.1", "maxPrice": "199999", "tickSize": "0.10"},
         "lotSizeFilter": {"minOrderQty": "0.001", "maxOrderQty": "100", "qtyStep": "0.001"}}
        for s in symbols
    ]  # fmt: skip
    result = {"category": category, "list": rows, "nextPageCursor": cursor}
    return json.dumps({"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": 1}).encode()


def okx_body(*rows: tuple[str, str, str]) -> bytes:
    data = [
        {"instType": "SWAP", "instId": i, "uly": i.removesuffix("-SWAP"), "instFamily": i.removesuffix("-SWAP"),
         "ctType": "linear", "ctVal": ct_val, "ctMult": "1", "ctValCcy": i.partition("-")[0], "settleCcy": "USDT",
         "tickSz": "0.1", "lotSz": lot, "minSz": lot, "state": "live"}
        for i, ct_val, lot in rows
    ]  # fmt: skip
    return json.dumps({"code": "0", "msg": "", "data": data}).encode()


def happy_routes() -> dict[str, list[tuple[int, bytes, dict[str, str]]]]:
    return {
        BINANCE_PATH: [(200, binance_body(("BTCUSDT", "BTC", "0.10"), ("WIFUSDT", "WIF", "0.0001")), {})],
        BYBIT_LINEAR: [(200, bybit_body("linear", ["BTCUSDT", "ETHUSDT"], cursor="page%3D2"), {})],
        BYBIT_LINEAR + "&cursor=page%253D2": [(200, bybit_body("linear", ["ONDOUSDT"]), {})],
        BYBIT_INVERSE: [(200, bybit_body("inverse", ["BTCUSD"]), {})],
        OKX_PATH: [(200, okx_body(("BTC-USDT-SWAP", "0.01", "0.01"), ("IOST-USDT-SWAP", "1000", "1")), {})],
    }


@dataclass
class FakeVenues:
    """What the local server answers per path (the last answer repeats); "hang" never answers."""

    url: str = ""
    routes: dict[str, list[tuple[int, bytes, dict[str, str]]]] = field(default_factory=happy_routes)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def count(self, prefix: str) -> int:
        return sum(1 for path, _ in self.requests if path.startswith(prefix))


@pytest.fixture
def venues() -> Iterator[FakeVenues]:
    fake = FakeVenues()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.requests.append((self.path, dict(self.headers)))
            queued = fake.routes.get(self.path) or [(404, b"{}", {})]
            status, body, headers = queued.pop(0) if len(queued) > 1 else queued[0]
            if headers.get("hang"):
                fake.release.wait(10)
                return
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield fake
    finally:
        fake.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


async def fetch_all(fake: FakeVenues, **kwargs: object) -> metadata.MetadataResult:
    bases = {venue: fake.url for venue in ("binance", "bybit", "okx")}
    return await fetch_live_instruments(("binance", "bybit", "okx"), bases, timing=TIMING, **kwargs)  # type: ignore[arg-type]


async def test_success_merges_every_venue_over_the_snapshot(venues: FakeVenues) -> None:
    gzipped = gzip.compress(venues.routes[OKX_PATH][0][1])
    venues.routes[OKX_PATH] = [(200, gzipped, {"Content-Encoding": "gzip"})]
    result = await fetch_all(venues)
    assert result.errors == {} and result.refused == set()
    assert result.fetched == {"binance": 2, "bybit": 4, "okx": 2}
    assert result.symbols("bybit") == ["BTCUSDT", "ETHUSDT", "ONDOUSDT", "BTCUSD"]
    iost = result.instruments.get("okx", "IOST-USDT-SWAP")
    assert iost is not None and iost.contract_size == 1000.0  # OKX liquidations of it now convert
    assert result.instruments.get("okx", "BTC-USDT-SWAP").lot_size == 0.01  # type: ignore[union-attr]
    assert "okx BTC-USDT-SWAP lot_size: snapshot 0.1, live 0.01" in result.differences
    assert result.instruments.get("bybit", "ONDOUSDT") is not None
    assert result.instruments.get("gate", "BTC_USDT") == load_bundled().get("gate", "BTC_USDT")  # untouched
    _, headers = venues.requests[0]
    assert headers["User-Agent"].startswith("Cascade/") and "gzip" in headers["Accept-Encoding"]
    assert "live instruments: binance 2" in result.summary()


async def test_a_failing_venue_falls_back_to_the_snapshot(venues: FakeVenues) -> None:
    venues.routes[OKX_PATH] = [(500, b'{"msg":"oops"}', {})]
    result = await fetch_all(venues)
    assert result.errors == {"okx": "HTTP 500"}
    assert "okx" not in result.fetched and result.fetched["binance"] == 2
    assert result.instruments.get("okx", "BTC-USDT-SWAP") == load_bundled().get("okx", "BTC-USDT-SWAP")
    assert result.instruments.get("okx", "IOST-USDT-SWAP") is None
    assert result.symbols("okx") == load_bundled().symbols("okx")
    assert venues.count(OKX_PATH) == 1  # a 5xx at start-up is not retried: the pollers refresh later


async def test_451_is_refused_and_not_retried(venues: FakeVenues) -> None:
    venues.routes[BINANCE_PATH] = [(451, b'{"code":0,"msg":"Service unavailable from a restricted location"}', {})]
    result = await fetch_all(venues)
    assert result.refused == {"binance"}
    assert result.errors["binance"] == "not available from your region (HTTP 451)"
    assert venues.count(BINANCE_PATH) == 1
    assert result.fetched.keys() == {"bybit", "okx"}


async def test_a_silent_server_times_out_within_the_scaled_limit(venues: FakeVenues) -> None:
    venues.routes[BYBIT_INVERSE] = [(200, b"", {"hang": "1"})]
    result = await fetch_all(venues, timeout_s=8.0)
    assert result.errors == {"bybit": "no answer within 8 s"}
    assert result.fetched == {"binance": 2, "bybit": 3, "okx": 2}  # linear pages read before the stall are kept
    # Partial: subscribe the live linear symbols and the snapshot's others (its inverse BTCUSD, ETHUSD).
    assert result.symbols("bybit")[:3] == ["BTCUSDT", "ETHUSDT", "ONDOUSDT"]
    assert {"BTCUSD", "ETHUSD", "SOLUSDT"} <= set(result.symbols("bybit"))


async def test_retry_after_is_honoured_once(venues: FakeVenues) -> None:
    venues.routes[OKX_PATH].insert(0, (429, b"", {"Retry-After": "1"}))
    result = await fetch_all(venues)
    assert result.fetched["okx"] == 2 and venues.count(OKX_PATH) == 2

    venues.routes[OKX_PATH] = [(429, b"", {"Retry-After": "1"})]
    result = await fetch_all(venues)
    assert re.fullmatch(r"rate limited until \d\d:\d\d UTC \(HTTP 429\)", result.errors["okx"])
    assert venues.count(OKX_PATH) == 4 and "okx" in result.limited  # the request and one retry, no more


async def test_a_rate_limited_host_is_blocked_for_every_caller(venues: FakeVenues) -> None:
    """The three venues share the local host here: after its 429, the run's client sends nothing to it
    until Retry-After, whoever asks; each caller is told "rate limited until HH:MM"."""
    venues.routes[OKX_PATH] = [(429, b"", {"Retry-After": "3600"})]
    async with http.HttpClient(timing=TIMING) as client:
        http.install(client)
        try:
            first = await fetch_all(venues)
            sent = len(venues.requests)
            second = await fetch_all(venues)
        finally:
            http.install(None)
    assert "okx" in first.limited and venues.count(OKX_PATH) == 1  # the others raced it or were held
    assert len(venues.requests) == sent  # nothing more reached the host
    assert second.limited == {"binance", "bybit", "okx"}
    assert all(re.fullmatch(r"rate limited until \d\d:\d\d UTC \(HTTP 429\)", e) for e in second.errors.values())


async def test_retry_after_beyond_the_deadline_gives_up_at_once(venues: FakeVenues) -> None:
    venues.routes[OKX_PATH] = [(429, b"", {"Retry-After": "120"})]
    result = await fetch_all(venues)
    assert re.fullmatch(r"rate limited until \d\d:\d\d UTC \(HTTP 429\)", result.errors["okx"])
    assert venues.count(OKX_PATH) == 1


async def test_bybit_pagination_follows_the_cursor_and_is_capped(
    venues: FakeVenues, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fetch_all(venues)
    assert [p for p, _ in venues.requests if "linear" in p] == [BYBIT_LINEAR, BYBIT_LINEAR + "&cursor=page%253D2"]

    monkeypatch.setattr(metadata, "PAGE_CAP", 3)
    venues.routes[BYBIT_LINEAR + "&cursor=page%253D2"] = [(200, bybit_body("linear", ["ONDOUSDT"], "page%3D2"), {})]
    result = await fetch_all(venues)
    assert result.errors == {"bybit": "linear listing longer than 3 pages; kept what was read"}
    assert result.instruments.get("bybit", "ONDOUSDT") is not None


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        (BINANCE_PATH, b"<html>bad gateway</html>", "unexpected response: not JSON"),
        (OKX_PATH, b'{"code":"50011","msg":"Too Many Requests","data":[]}', "unexpected response: code 50011"),
        (BYBIT_INVERSE, b'{"retCode":10002,"retMsg":"invalid request"}', "unexpected inverse response: retCode 10002"),
    ],
)
async def test_garbage_is_an_error_never_a_crash(venues: FakeVenues, path: str, body: bytes, error: str) -> None:
    venues.routes[path] = [(200, body, {})]
    result = await fetch_all(venues)
    venue = {BINANCE_PATH: "binance", OKX_PATH: "okx", BYBIT_INVERSE: "bybit"}[path]
    assert result.errors[venue].startswith(error)
    assert len(result.errors) == 1


async def test_bad_gzip_and_refused_connection_are_network_errors(venues: FakeVenues) -> None:
    venues.routes[OKX_PATH] = [(200, b"not gzip", {"Content-Encoding": "gzip"})]
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    dead_url = f"http://127.0.0.1:{closed.server_address[1]}"
    closed.server_close()
    bases = {"binance": dead_url, "okx": venues.url}
    result = await fetch_live_instruments(["binance", "okx", "hyperliquid"], bases, timing=TIMING)
    assert result.errors["binance"].startswith("network error")
    assert result.errors["okx"].startswith("network error: undecodable gzip body")
    assert "hyperliquid" not in result.errors  # no live source here: the snapshot serves it


async def test_bad_rows_are_counted_and_the_rest_kept(venues: FakeVenues) -> None:
    body = json.loads(binance_body(("BTCUSDT", "BTC", "0.10")))
    body["symbols"].append({"symbol": "NOBASE", "contractType": "PERPETUAL", "status": "TRADING"})
    venues.routes[BINANCE_PATH] = [(200, json.dumps(body).encode(), {})]
    result = await fetch_all(venues)
    assert result.fetched["binance"] == 1 and result.bad_rows == {"binance": 1}


async def test_binance_ban_is_not_retried() -> None:
    calls: list[str] = []

    async def fetch(url: str, timeout_s: float) -> HttpResponse:
        calls.append(url)
        return HttpResponse(418, b"", retry_after_s=600.0)

    result = await fetch_live_instruments(["binance"], fetch=fetch, timing=TIMING)
    assert len(calls) == 1 and "binance" in result.limited
    assert re.fullmatch(r"rate limited until \d\d:\d\d UTC \(IP banned by the venue\) \(HTTP 418\)",
                        result.errors["binance"])


async def test_an_injected_fetch_is_awaited_with_the_remaining_budget() -> None:
    timeouts: list[float] = []

    async def fetch(url: str, timeout_s: float) -> HttpResponse:
        timeouts.append(timeout_s)
        return HttpResponse(200, okx_body(("ETH-USDT-SWAP", "0.1", "0.1")))

    result = await fetch_live_instruments(["okx"], fetch=fetch, timing=TIMING)
    assert result.fetched == {"okx": 1} and timeouts and all(0 < t <= 0.4 for t in timeouts)
    assert result.differences == ["okx ETH-USDT-SWAP tick_size: snapshot 0.01, live 0.1"]


def test_unknown_snapshot_values_are_not_differences() -> None:
    snapshot = load_bundled()
    sol = snapshot.get("okx", "SOL-USD-SWAP")
    assert sol is not None and sol.contract_size is None
    live = [metadata.Instrument("okx", "SOL-USD-SWAP", "SOL", "inverse_perp", 10.0, "usd", 0.01, 1.0, "USD", "SOL")]
    assert snapshot_differences(snapshot, live) == []


# --- the disk cache of the last good fetch ----------------------------------------------------------

def test_the_cache_keeps_each_venues_last_complete_fetch_atomically(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.feeds.metadata import cache_path, load_cache, write_cache

    btc = load_bundled().get("binance", "BTCUSDT")
    okx = load_bundled().get("okx", "BTC-USDT-SWAP")
    assert btc is not None and okx is not None
    write_cache(tmp_path, {"binance": [btc], "okx": [okx]}, 1_000)
    write_cache(tmp_path, {"binance": []}, 2_000)  # a later fetch of binance only
    cached = load_cache(tmp_path)
    assert cached["binance"].rows == [] and cached["binance"].fetched_ms == 2_000
    assert cached["okx"].rows == [okx] and cached["okx"].fetched_ms == 1_000
    assert [p.name for p in cache_path(tmp_path).parent.iterdir()] == ["live.json"]  # no temp file left
    cache_path(tmp_path).write_bytes(b'{"version": 1, "venues": {"okx": {"rows": "garbage"')
    assert load_cache(tmp_path) == {}  # a damaged cache is no cache
    assert load_cache(None) == {}


async def test_a_failed_venue_uses_its_cached_fetch_before_the_snapshot(venues: FakeVenues) -> None:
    from app.feeds.metadata import CachedVenue

    venues.routes[OKX_PATH] = [(503, b"", {})]
    cached_row = msgspec.structs.replace(load_bundled().get("okx", "BTC-USDT-SWAP"), tick_size=0.5)  # type: ignore[arg-type]
    new_row = msgspec.structs.replace(cached_row, symbol="NEW-USDT-SWAP", coin="NEW")
    cached = {"okx": CachedVenue(1_768_900_000_000, [cached_row, new_row])}
    result = await fetch_all(venues, cached=cached)
    assert result.errors["okx"] == "HTTP 503"
    assert result.instruments.get("okx", "BTC-USDT-SWAP").tick_size == 0.5  # type: ignore[union-attr]
    assert result.symbols("okx") == ["BTC-USDT-SWAP", "NEW-USDT-SWAP"]  # what the cached fetch listed
    assert result.source("okx") == "cached 2026-01-20 09:06 UTC"
    assert result.source("binance") == "live" and result.source("hyperliquid") == "bundled"
    uncached = await fetch_all(venues)
    assert uncached.source("okx") == "bundled" and "NEW-USDT-SWAP" not in uncached.symbols("okx")


def test_an_instrument_no_source_knows_is_a_counted_unconvertible() -> None:
    """No live, cached or bundled row: the parser yields an `Unconvertible`, never a guessed notional."""
    from app.core.events import Unconvertible
    from app.core.venues import okx

    frame = json.dumps({"arg": {"channel": "liquidation-orders", "instType": "SWAP"}, "data": [
        {"instId": "NOSUCH-USDT-SWAP", "instFamily": "NOSUCH-USDT", "instType": "SWAP", "uly": "NOSUCH-USDT",
         "details": [{"side": "buy", "posSide": "short", "bkPx": "1.5", "sz": "10", "bkLoss": "0",
                      "ccy": "", "ts": "1768900000000"}]}]})
    events = okx.parse(frame, 1_768_900_000_000, load_bundled())
    assert [type(e) for e in events] == [Unconvertible]
