"""Hyperliquid through the real client and the replay server (loopback only, transport time ×60): the
subscribe acks and marks, the JSON ping within the 60 s deadline, reconnect and resubscribe after a kill
(the user state comes back at once: the venue sends it on subscribe), and watched addresses past the
10-user websocket limit polled over `POST /info` within the weight budget."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path

import pytest

from app.core.events import AccountState
from app.core.timing import Timing
from app.core.venues import hyperliquid
from app.feeds.account_poller import AccountPoller, TokenBucket, http_post, polled_addresses
from app.feeds.client import run_connection
from app.feeds.sink import FeedSink
from app.feeds.status import ConnectionStatus
from app.replay.recording import RecordingWriter
from app.replay.server import ReplayServer
from app.services.runtime import FeedRuntime
from app.store.logs import redact
from tests.feeds.conftest import SCALE, START_MS, wait_until

pytestmark = pytest.mark.timeout(30)

STREAM, REST = "hyperliquid/ws", "hyperliquid/rest"
ADDRESSES = [f"0x{0xc0ffee00 + n:040x}" for n in range(25)]


def _state(value: float, at_ms: int) -> dict[str, object]:
    position = {"coin": "ETH", "szi": "2.0", "entryPx": "3000.0", "unrealizedPnl": "0.0", "liquidationPx": "2500.0",
                "marginUsed": "240.0", "maxLeverage": 25, "leverage": {"type": "cross", "value": 25}}
    summary = {"accountValue": f"{value:.2f}"}
    return {"marginSummary": summary, "crossMarginSummary": summary,
            "assetPositions": [{"type": "oneWay", "position": position}], "time": at_ms}


def _mark(coin: str, price: float) -> str:
    return json.dumps({"channel": "activeAssetCtx",
                       "data": {"coin": coin, "ctx": {"funding": "0.00001", "openInterest": "10.0",
                                                      "oraclePx": f"{price:.1f}", "markPx": f"{price:.1f}"}}})


def write_hl_recording(path: Path, seconds: int = 600) -> Path:
    """Marks every 200 ms for `seconds`, each address's state on the websocket every second, and its
    `POST /info` answer every 5 s (scenario time)."""
    meta = {"scenario": "test", "start_ms": START_MS, "streams": [STREAM], "http_streams": [REST]}
    with RecordingWriter(path, meta) as writer:
        for tick in range(seconds * 5):
            offset = tick * 200
            writer.write(offset, STREAM, _mark("ETH", 3000.0 + tick % 7))
            if tick % 5 == 0:
                for n, address in enumerate(ADDRESSES):
                    state = _state(1000.0 + n, START_MS + offset)
                    writer.write(offset, STREAM, json.dumps({"channel": "clearinghouseState",
                                                             "data": {"user": address, "clearinghouseState": state}}))
            if tick % 25 == 0:
                for n, address in enumerate(ADDRESSES):
                    writer.write_http(offset, REST, "POST", "/info", json.dumps(_state(1000.0 + n, START_MS + offset)),
                                      request=hyperliquid.info_request(address)[2])
    return path


@pytest.fixture
def hl_recording(tmp_path: Path) -> Path:
    return write_hl_recording(tmp_path / "hl.jsonl.gz")


def test_token_bucket_keeps_every_minute_within_the_budget() -> None:
    now = [0.0]
    bucket = TokenBucket.for_budget(1_200, 2, lambda: now[0])
    spent_at: list[float] = []
    while now[0] < 600:  # a greedy caller over ten minutes of transport time
        if bucket.take(2):
            spent_at.append(now[0])
        else:
            now[0] += min(max(bucket.wait_s(2), 0.01), 0.25)
    end = 0
    for i, start in enumerate(spent_at):
        while end < len(spent_at) and spent_at[end] < start + 60:
            end += 1
        assert (end - i) * 2 <= 600  # half the 1,200/min budget: the rest stays for other info requests
    assert len(spent_at) * 2 >= 5_000  # and it is used, not starved


def test_only_addresses_past_the_websocket_limit_are_polled() -> None:
    accounts = hyperliquid.DESCRIPTOR.accounts
    assert accounts is not None
    polled = polled_addresses(accounts, [*ADDRESSES, ADDRESSES[0].upper().replace("0X", "0x"), "not an address"])
    assert polled == ADDRESSES[10:]


async def test_client_subscribes_pings_and_resubscribes_after_a_kill(hl_recording: Path) -> None:
    timing = Timing(SCALE)
    server = ReplayServer(hl_recording, timing=timing)
    await server.start()
    (spec,) = hyperliquid.connections(server.endpoints(), coins=["ETH"], users=ADDRESSES[:2])
    sink = FeedSink()
    status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, server.market_ms)
    task = asyncio.create_task(run_connection(spec, sink, status, timing, server.market_ms))
    accounts: dict[str, AccountState] = {}
    marks = []

    def take() -> None:
        drained = sink.drain()
        accounts.update({state.account.account: state for state in drained.accounts})
        marks.extend(drained.marks)
        assert drained.notices == []  # every subscribe acked

    try:
        await wait_until(lambda: take() or (len(accounts) == 2 and bool(marks)), what="states and marks")
        assert set(accounts) == set(ADDRESSES[:2]) and marks[-1].symbol == "ETH"
        # Past the 60 s deadline several times over: kept alive by the JSON ping.
        await wait_until(lambda: server.heartbeats.get(STREAM, 0) >= 5, timeout=6, what="five pings")
        assert status.reconnects == 0 and status.state == "live"
        accounts.clear()
        assert server.drop(STREAM) == 1
        await wait_until(lambda: status.reconnects >= 1 and server.clients(STREAM) == 1, what="reconnect")
        await wait_until(lambda: take() or len(accounts) == 2, what="resubscribed states")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop()


async def test_replay_http_answers_the_latest_info_at_or_before_the_clock(hl_recording: Path) -> None:
    server = ReplayServer(hl_recording, timing=Timing(SCALE))
    await server.start(autoplay=False)
    try:
        base = server.endpoints()[REST]
        assert base.startswith("http://127.0.0.1:")
        method, path, body = hyperliquid.info_request(ADDRESSES[3])
        response = await http_post(method, base + path, body, 2.0)
        assert response.status == 200
        (state,) = hyperliquid.parse_account(response.body, ADDRESSES[3], START_MS)
        assert state.ts_ms == START_MS and state.account.wallet_balance == 1003.0
        other = await http_post("POST", base + "/info", '{"type":"meta"}', 2.0)
        assert other.status == 404
        server.refuse(REST, 451)
        refused = await http_post(method, base + path, body, 2.0)
        assert refused.status == 451
    finally:
        await server.stop()


async def test_more_than_ten_addresses_stream_ten_and_poll_the_rest_within_budget(
        hl_recording: Path, caplog: pytest.LogCaptureFixture) -> None:
    timing = Timing(SCALE)
    server = ReplayServer(hl_recording, timing=timing)
    await server.start()
    runtime = FeedRuntime(server.market_ms, endpoints=server.endpoints(), venues=("hyperliquid",), timing=timing,
                          watched={"hyperliquid": ADDRESSES})
    (poller,) = runtime.pollers
    assert poller.addresses == ADDRESSES[10:]
    seen: dict[str, set[str]] = {}
    began = timing.monotonic()
    runtime.start()
    try:
        def take() -> bool:
            for state in runtime.sink.drain().accounts:
                seen.setdefault(state.account.account, set()).add(state.source)
            return len(seen) == len(ADDRESSES) and poller.answers >= 2 * len(poller.addresses)
        await wait_until(take, timeout=8, what="every address, the polled ones twice")
    finally:
        await runtime.stop()
        elapsed = timing.monotonic() - began
        await server.stop()
    assert all(seen[a] == {"websocket"} for a in ADDRESSES[:10])
    assert all(seen[a] == {"poll"} for a in ADDRESSES[10:])
    requests = server.http_requests[REST]
    assert requests <= poller.requests <= requests + 1 and poller.failures == 0  # + one cut short by the stop
    # The budget kept: never more than the bucket's burst plus its rate over the time it ran.
    assert poller.requests * 2 == poller.bucket.spent <= poller.bucket.capacity + poller.bucket.rate_per_s * elapsed
    assert poller.bucket.rate_per_s * 60 + poller.bucket.capacity <= 1_200


def test_logs_redact_watched_addresses() -> None:
    address = "0x00000000000000000000000000000000c0ffee01"
    assert address not in redact(f"watching {address}")
    assert hyperliquid.shorten(address) == "0x0000…ee01"


async def test_poller_says_a_refusal_once_and_waits(caplog: pytest.LogCaptureFixture) -> None:
    from app.feeds.metadata import HttpResponse

    accounts = hyperliquid.DESCRIPTOR.accounts
    assert accounts is not None
    calls: list[str] = []

    async def refuse(method: str, url: str, body: str, timeout_s: float) -> HttpResponse:
        calls.append(url)
        return HttpResponse(451)

    sink = FeedSink()
    poller = AccountPoller("hyperliquid", accounts, ADDRESSES[:3], sink, lambda: START_MS,
                           base_url="http://127.0.0.1:9", timing=Timing(SCALE), post=refuse)
    caplog.set_level(logging.INFO)
    task = asyncio.create_task(poller.run())
    try:
        await wait_until(lambda: bool(calls), what="a request")
        await asyncio.sleep(0.2)
        assert len(calls) == 1  # waits its 15 minutes (15 s wall at ×60), no loop
        (notice,) = sink.drain().notices
        assert "not available from your region" in notice.text
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert ADDRESSES[0] not in caplog.text


def test_the_venue_status_says_there_is_no_public_liquidation_feed() -> None:
    from app.services.venue_status import venue_record

    status = ConnectionStatus(STREAM, "hyperliquid", "partial", lambda: START_MS)
    record = venue_record("hyperliquid", [status], START_MS)
    assert record.liquidation_note == hyperliquid.LIQUIDATION_NOTE
    assert record.detail.startswith("Hyperliquid publishes no market-wide liquidation feed: ")
    assert f"{hyperliquid.LIQUIDATION_NOTE}; hyperliquid/ws: " in record.detail
