"""Open interest and candle pollers against the replay server's HTTP side (loopback, transport ×60):
each venue's own endpoint and query, answered by path and query in any parameter order; USD from the
mark; 404 and 451 shown, never retried in a loop; candles into the daily RSI of a labelled venue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.events import OpenInterest, VenueNotice
from app.core.instruments import load_bundled
from app.core.rsi import DAY_MS, HOUR_MS
from app.core.timing import Timing
from app.feeds.candles import CandlePoller, CandleSet, reference
from app.feeds.open_interest import OpenInterestPoller
from app.feeds.sink import FeedSink
from app.replay.recording import RecordingWriter
from app.replay.server import ReplayServer
from app.services.market import MarketService
from tests.feeds.conftest import SCALE, START_MS

pytestmark = pytest.mark.timeout(30)
DAY0 = START_MS - START_MS % DAY_MS


def _okx_oi(usd: float, ts: int) -> str:
    return json.dumps({"code": "0", "msg": "", "data": [{"instType": "SWAP", "instId": "BTC-USDT-SWAP",
                                                         "oi": "1", "oiCcy": "30000", "oiUsd": f"{usd:.2f}",
                                                         "ts": str(ts)}]})


def _candles(count: int, length: int, first: int, start_price: float) -> str:
    rows = []
    for i in range(count):
        close = start_price + (i % 5) * 10 - i  # wobbling down
        rows.append([str(first + i * length), f"{close + 5:.1f}", f"{close + 20:.1f}", f"{close - 20:.1f}",
                     f"{close:.1f}", "1", "1", "1", "0" if i == count - 1 else "1"])
    return json.dumps({"code": "0", "msg": "", "data": list(reversed(rows))})


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "market.jsonl.gz"
    meta = {"scenario": "test", "start_ms": START_MS, "streams": [],
            "http_streams": ["okx/rest", "bybit/rest", "binance/rest"]}
    with RecordingWriter(path, meta) as writer:
        writer.write_http(0, "okx/rest", "GET", "/api/v5/public/open-interest?instType=SWAP&instId=BTC-USDT-SWAP",
                          _okx_oi(2.6e9, START_MS))
        # Recorded with the query parameters in another order than the poller asks: still answered.
        writer.write_http(0, "bybit/rest", "GET",
                          "/v5/market/open-interest?limit=1&symbol=BTCUSDT&intervalTime=5min&category=linear",
                          json.dumps({"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": [
                              {"openInterest": "100000", "singleOpenInterest": "50000",
                               "timestamp": str(START_MS)}]}}))
        writer.write_http(0, "binance/rest", "GET", "/fapi/v1/openInterest?symbol=BTCUSDT",
                          json.dumps({"openInterest": "80000.000", "symbol": "BTCUSDT", "time": START_MS}))
        writer.write_http(0, "okx/rest", "GET", "/api/v5/market/candles?instId=BTC-USDT-SWAP&bar=1Dutc&limit=100",
                          _candles(100, DAY_MS, DAY0 - 99 * DAY_MS, 95_000.0))
        writer.write_http(0, "okx/rest", "GET", "/api/v5/market/candles?instId=BTC-USDT-SWAP&bar=1H&limit=30",
                          _candles(30, HOUR_MS, START_MS - START_MS % HOUR_MS - 29 * HOUR_MS, 93_000.0))
    return path


async def test_open_interest_of_each_venue_in_usd(recording: Path) -> None:
    server = ReplayServer(recording, timing=Timing(SCALE))
    await server.start(autoplay=False)
    try:
        bases = {venue: server.endpoints()[f"{venue}/rest"] for venue in ("okx", "bybit", "binance")}
        sink = FeedSink()
        poller = OpenInterestPoller(
            sink, load_bundled(), lambda venue, symbol: 90_000.0, server.market_ms, ["okx", "bybit", "binance"],
            symbols={"okx": ["BTC-USDT-SWAP", "ETH-USDT-SWAP"], "bybit": ["BTCUSDT"], "binance": ["BTCUSDT"]},
            base_urls=bases, timing=Timing(SCALE))
        for venue in poller.venues:
            await poller.poll_once(venue)
        got = {(oi.venue, oi.symbol): oi for oi in sink.drain().open_interest}
        assert set(got) == {("okx", "BTC-USDT-SWAP"), ("bybit", "BTCUSDT"), ("binance", "BTCUSDT")}
        assert got[("okx", "BTC-USDT-SWAP")].usd == 2.6e9
        assert got[("bybit", "BTCUSDT")].usd == pytest.approx(50_000 * 90_000.0)  # one side, not 100,000
        assert got[("binance", "BTCUSDT")].usd == pytest.approx(80_000 * 90_000.0)
        assert all(isinstance(oi, OpenInterest) and oi.coin == "BTC" for oi in got.values())
        # ETH was never recorded: a 404, said per venue, and the BTC figure still stands.
        assert "ETH-USDT-SWAP: HTTP 404" in (poller.status["okx"].error or "")
        assert poller.status["okx"].ok_ms == server.market_ms()

        # No mark yet: skipped this round, never valued at a guess.
        blind = OpenInterestPoller(sink, load_bundled(), lambda venue, symbol: None, server.market_ms, ["binance"],
                                   symbols={"binance": ["BTCUSDT"]}, base_urls=bases, timing=Timing(SCALE))
        assert await blind.poll_once("binance") == 0 and blind.status["binance"].skipped_no_price == 1

        # A region refusal stops that venue's poller and tells the user once.
        server.refuse("okx/rest", 451)
        requests = server.http_requests.get("okx/rest", 0)
        await poller.run_venue("okx")  # returns: not a retry loop
        assert poller.status["okx"].refused
        assert server.http_requests["okx/rest"] == requests + 1
        notices = [n for n in sink.drain().notices if isinstance(n, VenueNotice)]
        assert [n.venue for n in notices] == ["okx"] and "not available from your region" in notices[0].text
    finally:
        await server.stop()


async def test_candles_give_the_daily_rsi_of_a_labelled_reference_venue(recording: Path) -> None:
    server = ReplayServer(recording, timing=Timing(SCALE))
    await server.start(autoplay=False)
    try:
        instruments = load_bundled()
        assert reference("BTC", instruments, ["binance", "bybit", "okx"]) == ("okx", "BTC-USDT-SWAP")
        market = MarketService({"okx": "partial"})
        sets: list[CandleSet] = []
        errors: list[tuple[str, str, str]] = []

        def take(candles: CandleSet) -> None:
            sets.append(candles)
            market.on_candles(candles)

        def failed(coin: str, venue: str, text: str) -> None:
            errors.append((coin, venue, text))
            market.on_candle_error(coin, venue, text)

        poller = CandlePoller(lambda: ["BTC", "ETH"], instruments, server.market_ms, ["okx"], take, failed,
                              base_urls={"okx": server.endpoints()["okx/rest"]}, timing=Timing(SCALE))
        assert await poller.poll_once() == 1
        (btc,) = sets
        assert (btc.venue, btc.symbol, len(btc.daily), len(btc.hourly)) == ("okx", "BTC-USDT-SWAP", 100, 30)
        assert errors and errors[0][0] == "ETH" and "404" in errors[0][2]  # ETH candles were not recorded
        rsi = market.rsi["BTC"]
        assert rsi.venue == "okx" and rsi.candles == 99  # the open day left out
        assert 0.0 < rsi.value < 100.0 and rsi.last_close_ms == DAY0
        assert market.candle_errors["ETH"].startswith("okx: ")
    finally:
        await server.stop()
