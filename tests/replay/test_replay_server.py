"""The replay server speaks each venue's protocol: acks, pongs, topic filtering, late joiners."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from app.core.timing import Timing
from app.replay.recording import RecordingWriter
from app.replay.server import ReplayServer, frame_topic
from tests.feeds.conftest import START_MS, bybit_liquidation, wait_until

pytestmark = pytest.mark.timeout(10)

BINANCE_LIQ = ('{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":1768900000100,"o":{"s":"BTCUSDT",'
               '"S":"SELL","o":"LIMIT","f":"IOC","q":"0.01","p":"90000","ap":"90000","X":"FILLED","l":"0.01",'
               '"z":"0.01","T":1768900000100}}}')
OKX_LIQ = ('{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP",'
           '"instType":"SWAP","details":[{"ts":"1768900000100","side":"sell","posSide":"long","sz":"2",'
           '"bkPx":"90000"}]}]}')
OKX_MARK = ('{"arg":{"channel":"mark-price","instId":"ETH-USDT-SWAP"},"data":[{"instType":"SWAP",'
            '"instId":"ETH-USDT-SWAP","markPx":"3000","ts":"1768900000100"}]}')


def _recording(path: Path) -> Path:
    streams = ["binance/usdm/market", "bybit/linear", "okx/public"]
    with RecordingWriter(path, {"scenario": "t", "start_ms": START_MS, "streams": streams}) as writer:
        for n in range(40):
            offset = 100 + n * 10
            writer.write(offset, "binance/usdm/market", BINANCE_LIQ)
            writer.write(offset, "bybit/linear", bybit_liquidation(n, START_MS + offset, "BTCUSDT"))
            writer.write(offset, "bybit/linear", bybit_liquidation(n, START_MS + offset, "ETHUSDT"))
            writer.write(offset, "okx/public", OKX_LIQ)
            writer.write(offset, "okx/public", OKX_MARK)
    return path


@pytest.fixture
async def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    srv = ReplayServer(_recording(tmp_path / "r.gz"), timing=Timing(60))
    await srv.start(autoplay=False)
    yield srv
    await srv.stop()


def test_frame_topics() -> None:
    assert frame_topic("binance", BINANCE_LIQ) == "!forceOrder@arr"
    assert frame_topic("bybit", bybit_liquidation(1, 1)) == "allLiquidation.BTCUSDT"
    assert frame_topic("okx", OKX_LIQ) == "liquidation-orders:SWAP"
    assert frame_topic("okx", OKX_MARK) == "mark-price:ETH-USDT-SWAP"
    assert frame_topic("okx", "pong") is None


async def test_endpoints_and_market_time(server: ReplayServer) -> None:
    assert server.endpoints() == {s: f"ws://127.0.0.1:{server.port}/{s}"
                                  for s in ("binance/usdm/market", "bybit/linear", "okx/public")}
    assert server.market_ms() == START_MS
    before = time.monotonic()
    server.play()
    await asyncio.sleep(0.05)
    market = server.market_ms()
    elapsed_ms = (time.monotonic() - before) * 1000 * server.speed
    # Scenario time is start + elapsed × speed: consistent with the clock around it, not a threshold.
    assert START_MS + 50 * server.speed - 1 <= market <= START_MS + elapsed_ms + 1
    await wait_until(lambda: server.finished)


async def test_binance_subscribe_ack_and_filtered_frames(server: ReplayServer) -> None:
    async with connect(server.endpoints()["binance/usdm/market"] + "/stream") as ws:
        await ws.send('{"method":"SUBSCRIBE","params":["!forceOrder@arr"],"id":7}')
        assert json.loads(await ws.recv()) == {"result": None, "id": 7}
        await ws.send('{"method":"LIST_SUBSCRIPTIONS","id":8}')
        assert json.loads(await ws.recv()) == {"result": ["!forceOrder@arr"], "id": 8}
        server.play()
        assert await ws.recv() == BINANCE_LIQ


async def test_binance_error_ack(server: ReplayServer) -> None:
    server.error_ack("binance/usdm/market")
    async with connect(server.endpoints()["binance/usdm/market"]) as ws:
        await ws.send('{"method":"SUBSCRIBE","params":["!forceOrder@arr"],"id":1}')
        reply = json.loads(await ws.recv())
        assert reply["id"] == 1 and reply["error"]["code"] == 2


async def test_binance_streams_in_the_url_are_subscribed(server: ReplayServer) -> None:
    async with connect(server.endpoints()["binance/usdm/market"] + "/stream?streams=!forceOrder@arr") as ws:
        await wait_until(lambda: server.clients("binance/usdm/market") == 1)
        server.play()
        assert await ws.recv() == BINANCE_LIQ


async def test_bybit_ping_pong_and_only_subscribed_topics(server: ReplayServer) -> None:
    async with connect(server.endpoints()["bybit/linear"]) as ws:
        await ws.send('{"req_id":"s1","op":"subscribe","args":["allLiquidation.ETHUSDT"]}')
        ack = json.loads(await ws.recv())
        assert ack["success"] is True and ack["op"] == "subscribe" and ack["req_id"] == "s1"
        await ws.send('{"req_id":"p","op":"ping"}')
        pong = json.loads(await ws.recv())
        assert pong["ret_msg"] == "pong" and pong["op"] == "ping" and pong["req_id"] == "p"
        server.play()
        for _ in range(5):
            assert json.loads(await ws.recv())["topic"] == "allLiquidation.ETHUSDT"


async def test_okx_text_ping_acks_and_error_ack(server: ReplayServer) -> None:
    async with connect(server.endpoints()["okx/public"]) as ws:
        await ws.send("ping")
        assert await ws.recv() == "pong"
        await ws.send('{"id":"9","op":"subscribe","args":[{"channel":"mark-price","instId":"ETH-USDT-SWAP"}]}')
        ack = json.loads(await ws.recv())
        assert ack == {"id": "9", "event": "subscribe", "arg": {"channel": "mark-price", "instId": "ETH-USDT-SWAP"},
                       "connId": ack["connId"]}
        server.play()
        assert await ws.recv() == OKX_MARK
        server.error_ack("okx/public")
        await ws.send('{"op":"subscribe","args":[{"channel":"nope","instType":"SWAP"}]}')
        while (reply := json.loads(await ws.recv())).get("event") != "error":
            pass
        assert reply["code"] == "60018"


async def test_a_late_client_does_not_get_the_past(server: ReplayServer) -> None:
    server.play()
    await asyncio.sleep(0.2)
    async with connect(server.endpoints()["bybit/linear"]) as ws:
        await ws.send('{"op":"subscribe","args":["allLiquidation.BTCUSDT"]}')
        await ws.recv()  # ack
        first = json.loads(await ws.recv())
    assert first["ts"] >= START_MS + 200


async def test_unknown_paths_are_404(server: ReplayServer) -> None:
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"ws://127.0.0.1:{server.port}/nowhere"):
            pass
    assert info.value.response.status_code == 404


async def test_rejects_bad_speed(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        ReplayServer(tmp_path / "x.gz", speed=0)


async def test_a_client_that_stops_reading_holds_playback_then_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "big.gz"
    padding = "x" * 4000
    with RecordingWriter(path, {"scenario": "t", "start_ms": START_MS, "streams": ["okx/public"]}) as writer:
        for n in range(8000):  # ~32 MB of frames, far more than loopback socket buffers hold
            writer.write(n, "okx/public", f'{{"n":{n},"pad":"{padding}"}}')
    srv = ReplayServer(path, speed=1000.0, timing=Timing(60))
    await srv.start(autoplay=False)
    try:
        ws = await connect(srv.endpoints()["okx/public"], max_queue=4)  # and never reads
        try:
            await wait_until(lambda: srv.clients("okx/public") == 1)
            srv.play()
            await wait_until(lambda: srv.slow_disconnects == 1, timeout=6.0, what="slow consumer dropped")
            assert srv.frames_sent < 8000  # playback waited for the reader instead of flooding it
        finally:
            ws.transport.abort()
    finally:
        await srv.stop()
