"""Fault tests against the real replay server on 127.0.0.1, transport timers scaled ×60."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from pathlib import Path

import pytest

from app.core.events import Liquidation, VenueNotice
from app.core.timing import Timing
from app.core.venues import bybit
from app.feeds.client import run_connection
from app.feeds.sink import FeedSink
from app.feeds.status import ConnectionStatus
from app.replay.server import ReplayServer
from app.services.venue_status import venue_record
from tests.feeds.conftest import SCALE, STREAM, FrameCounter, bybit_spec, running_pair, wait_until

pytestmark = pytest.mark.timeout(15)


def _liquidations(sink: FeedSink) -> list[Liquidation]:
    return [e for e in sink.drain().liquidations]


async def test_drop_mid_stream_reconnects_resubscribes_and_loses_nothing_it_received(recording: Path) -> None:
    async with running_pair(recording) as pair:
        await wait_until(lambda: pair.counter.liquidation_frames >= 80, what="frames before the drop")
        assert pair.server.drop(STREAM) == 1
        await wait_until(lambda: pair.status.reconnects == 1 and pair.status.state == "live", what="reconnect")
        received_before_reconnect = pair.counter.liquidation_frames
        await wait_until(lambda: pair.counter.liquidation_frames > received_before_reconnect + 50,
                         what="frames after resubscribing")
        events = _liquidations(pair.sink)
        # every liquidation frame received was processed exactly once: one event each, no duplicates
        assert len(events) == pair.counter.liquidation_frames
        assert len({e.id for e in events}) == len(events)
        assert pair.status.bad_frames == 0
        # the disconnect is a gap in market time, closed when the connection came back
        snapshot = pair.status
        assert snapshot.reconnects == 1
        assert len(snapshot.gaps) == 1
        start, end = snapshot.gaps[0]
        assert end is not None and start <= end
        assert snapshot.state == "live"


async def test_server_stall_is_detected_and_the_client_reconnects(recording: Path) -> None:
    async with running_pair(recording) as pair:
        await wait_until(lambda: pair.counter.liquidation_frames >= 20)
        pair.server.stall(STREAM, 45.0)  # 45 s of venue silence; the client's stall timeout is 30 s
        # Counted, not sampled: the "stalled" state lasts only until the quick reconnect.
        await wait_until(lambda: pair.status.stalls >= 1, what="stall detected")
        assert "no traffic" in (pair.status.last_stall or "")
        await wait_until(lambda: pair.status.reconnects >= 1 and pair.status.state == "live", what="reconnect")
        after = pair.counter.liquidation_frames
        await wait_until(lambda: pair.counter.liquidation_frames > after + 10, what="frames after the stall")
        assert pair.status.gaps[0][1] is not None
        assert len(_liquidations(pair.sink)) == pair.counter.liquidation_frames


async def test_malformed_frames_are_counted_and_later_frames_still_processed(recording: Path) -> None:
    async with running_pair(recording) as pair:
        await wait_until(lambda: pair.counter.liquidation_frames >= 20)
        assert pair.server.garbage(STREAM, 5) == 1
        await wait_until(lambda: pair.status.bad_frames == 5, what="bad frames counted")
        before = pair.counter.liquidation_frames
        await wait_until(lambda: pair.counter.liquidation_frames > before + 20, what="good frames after garbage")
        assert pair.status.reconnects == 0
        assert pair.status.last_bad_reason
        assert len(_liquidations(pair.sink)) == pair.counter.liquidation_frames


async def test_a_parser_bug_is_logged_counted_and_the_connection_kept(
    recording: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0

    def buggy(frame, received_ms, instruments=None, state=None):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 10:
            raise KeyError("a parser bug")
        return bybit.parse(frame, received_ms, instruments, state)

    with caplog.at_level(logging.ERROR, logger="app.feeds.client"):
        async with running_pair(recording, parse=buggy) as pair:
            await wait_until(lambda: calls >= 40)
            assert pair.status.bad_frames == 1
            assert "KeyError" in (pair.status.last_bad_reason or "")
            assert pair.status.reconnects == 0
    assert any(r.exc_info for r in caplog.records), "the bug is logged with its traceback"


async def test_error_ack_becomes_a_venue_notice(recording: Path) -> None:
    timing = Timing(SCALE)
    server = ReplayServer(recording, timing=timing)
    await server.start(autoplay=False)
    server.error_ack(STREAM)
    sink = FeedSink()
    spec = bybit_spec(server.endpoints()[STREAM])
    status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, server.market_ms)
    task = asyncio.create_task(run_connection(spec, sink, status, timing, server.market_ms))
    try:
        await wait_until(lambda: status.frames >= 1, what="the ack")
        notices = sink.drain().notices
        assert len(notices) == 1 and isinstance(notices[0], VenueNotice)
        assert notices[0].venue == "bybit" and notices[0].level == "error"
        assert "handler not found" in notices[0].text
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _run_briefly(url: str, seconds: float) -> ConnectionStatus:
    timing = Timing(SCALE)
    spec = bybit_spec(url)
    status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, lambda: 0)
    task = asyncio.create_task(run_connection(spec, FeedSink(), status, timing, lambda: 0))
    await asyncio.sleep(seconds)
    task.cancel()
    async with asyncio.timeout(1.0):  # cancelling never hangs
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return status


async def test_closed_port_is_offline_and_retried_with_backoff() -> None:
    status = await _run_briefly(f"ws://127.0.0.1:{_closed_port()}/{STREAM}", 1.0)
    assert status.state == "offline"
    assert "Error" in (status.last_error or "")
    # backoff ×60: 1 s, 2 s, 4 s, 8 s … of transport time → a handful of attempts in 1 s, not thousands
    assert 2 <= status.connect_failures <= 12
    assert status.gaps == [(0, None)]  # never connected: missed from the start, still open


async def test_listener_that_never_answers_the_handshake_is_offline_within_the_open_timeout() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # accepts TCP in the backlog, never speaks websocket
        port = listener.getsockname()[1]
        status = await _run_briefly(f"ws://127.0.0.1:{port}/{STREAM}", 0.6)  # open timeout 10 s/60
    assert status.state == "offline"
    assert "timed out" in (status.last_error or "")
    assert status.connect_failures >= 1


async def test_geo_refusal_is_refused_and_retried_only_slowly(recording: Path) -> None:
    server = ReplayServer(recording, timing=Timing(SCALE))
    await server.start(autoplay=False)
    server.refuse(STREAM, 451)
    try:
        status = await _run_briefly(server.endpoints()[STREAM], 0.6)
    finally:
        await server.stop()
    assert status.state == "refused"
    assert "not available from your region" in (status.last_error or "")
    assert status.connect_failures == 1


async def test_sink_overflow_is_counted_per_venue_and_recorded_as_a_gap(recording: Path) -> None:
    async with running_pair(recording, capacity=25) as pair:
        await wait_until(lambda: pair.counter.liquidation_frames >= 60)
        received = pair.counter.liquidation_frames
        kept = len(pair.sink.drain().liquidations)
    assert kept == 25
    assert pair.sink.overflow_total["bybit"] >= received - 25
    assert pair.status.overflow == pair.sink.overflow_total["bybit"]
    assert pair.status.gaps and pair.status.gaps[0][1] is not None


async def test_client_pings_on_schedule_and_survives_the_venue_deadline(recording: Path) -> None:
    # Bybit deadline 60 s (1 s real at ×60); the client pings every 20 s (0.33 s real).
    async with running_pair(recording, heartbeat_deadline_s={"bybit": 60.0}) as pair:
        await asyncio.sleep(1.5)
        assert pair.server.heartbeats[STREAM] >= 3
        assert pair.status.reconnects == 0


async def test_server_drops_a_client_that_does_not_ping(recording: Path) -> None:
    # No heartbeat, and a stall timeout long enough that the client never leaves on its own.
    async with running_pair(recording, heartbeat_deadline_s={"bybit": 30.0}, heartbeat=None,
                            stall_after_s=600.0) as pair:
        await wait_until(lambda: pair.status.reconnects >= 1, timeout=3.0, what="server cut the silent client")
        assert pair.server.heartbeats.get(STREAM, 0) == 0
        assert pair.status.gaps


def test_frame_counter_ignores_acks() -> None:
    counter = FrameCounter(bybit.parse)
    counter('{"success":true,"ret_msg":"pong","conn_id":"c","req_id":"","op":"ping"}', 0)
    assert counter.liquidation_frames == 0


async def test_a_wall_clock_jump_sleep_resume_reconnects_and_records_a_gap(
    recording: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import time

    jump = 0.0
    with caplog.at_level(logging.INFO, logger="app.feeds.client"):
        async with running_pair(recording, wall=lambda: time.time() + jump) as pair:
            await wait_until(lambda: pair.counter.liquidation_frames >= 20)
            jump = 3_600.0  # the laptop slept for an hour
            await wait_until(lambda: pair.status.reconnects == 1 and pair.status.state == "live", what="reconnect")
            assert len(pair.status.gaps) == 1 and pair.status.gaps[0][1] is not None
    assert any("clock jumped +3600 s" in r.getMessage() for r in caplog.records)


async def test_retry_now_ends_the_wait_after_a_refusal_at_once(recording: Path) -> None:
    """A refused connection waits 15 min (15 s here at ×60) before trying again; retry_now() makes it
    try at once, and once the venue stops refusing it goes live."""
    server = ReplayServer(recording, timing=Timing(SCALE))
    await server.start(autoplay=False)
    server.refuse(STREAM, 451)
    spec = bybit_spec(server.endpoints()[STREAM])
    status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, lambda: 0)
    task = asyncio.create_task(run_connection(spec, FeedSink(), status, Timing(SCALE), lambda: 0))
    try:
        await wait_until(lambda: status.state == "refused", what="refused")
        await asyncio.sleep(0.3)
        assert status.connect_failures == 1  # waiting, not hammering
        assert status.retry_now()
        await wait_until(lambda: status.connect_failures == 2, what="a second attempt at once")
        assert status.state == "refused"
        server.refuse(STREAM, None)
        assert status.retry_now()
        await wait_until(lambda: status.state == "live", what="live after the retry")
        assert not status.retry_now()  # nothing to wake when not refused
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop()


async def test_a_refused_subscription_is_a_gap_and_is_retried(recording: Path) -> None:
    # Regression: the error ack used to be only a notice while the connection stayed "live" with
    # nothing subscribed, so everything the venue sent was missed without a gap.
    timing = Timing(SCALE)
    server = ReplayServer(recording, timing=timing)
    await server.start(autoplay=False)
    server.error_ack(STREAM)
    sink = FeedSink()
    counter = FrameCounter(bybit.parse)
    spec = bybit_spec(server.endpoints()[STREAM], counter)
    status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, server.market_ms)
    task = asyncio.create_task(run_connection(spec, sink, status, timing, server.market_ms))
    try:
        await wait_until(lambda: status.reconnects == 1 and status.state == "live", what="resubscribed")
        server.play()
        await wait_until(lambda: counter.liquidation_frames >= 10, what="frames after resubscribing")
        assert "refused the subscription: error:handler not found" in (status.last_loss or "")
        assert len(status.gaps) == 1 and status.gaps[0][1] is not None
        assert [n.text for n in sink.drain().notices if isinstance(n, VenueNotice)] == [
            "error:handler not found,topic:allLiquidation.BTCUSDT"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop()


@pytest.mark.parametrize("url", ["stream.bybit.com/v5/public/linear", "http://127.0.0.1:9/x", "ws://:80/x",
                                 "ws://127.0.0.1:99999/x"])
async def test_an_invalid_endpoint_url_is_offline_with_the_reason_not_a_crash_loop(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Regression: websockets raised InvalidURI/ValueError out of the task, the supervisor restarted it
    # forever and the venue showed "connecting" with no reason.
    with caplog.at_level(logging.ERROR):
        status = await _run_briefly(url, 0.3)
    assert status.state == "offline"
    assert (status.last_error or "").startswith(f"invalid endpoint URL {url!r}")
    assert status.connect_failures == 1  # said once: no retry can fix a URL
    assert status.gaps == [(0, None)]
    assert not any("crashed" in r.getMessage() for r in caplog.records)


async def test_the_same_refusal_twice_keeps_the_connection_and_says_what_is_not_received(recording: Path) -> None:
    # A topic the venue does not serve is refused on every subscribe: after one retry the session is
    # kept (the rest of the subscription flows) instead of reconnecting forever.
    timing = Timing(SCALE)
    server = ReplayServer(recording, timing=timing)
    await server.start(autoplay=False)
    server.error_ack(STREAM)
    server.error_ack(STREAM)
    sink = FeedSink()
    spec = bybit_spec(server.endpoints()[STREAM])
    status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, server.market_ms)
    task = asyncio.create_task(run_connection(spec, sink, status, timing, server.market_ms))
    try:
        await wait_until(lambda: status.refused_subscription is not None, what="the second refusal")
        assert status.state == "live" and status.reconnects == 1 and len(status.gaps) == 1
        view = venue_record("bybit", [status], server.market_ms())
        assert "subscription refused, not received: error:handler not found" in view.detail
        assert len(sink.drain().notices) == 2  # each refusal is a notice
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.stop()


async def test_a_burst_is_handed_over_in_steps_that_let_the_loop_run(tmp_path: Path) -> None:
    """websockets hands queued frames to the receive loop without suspending: a burst read at once must
    still reach the parser in steps of at most YIELD_EVERY frames, with the loop's other work between."""
    from collections import Counter

    from app.feeds.client import YIELD_EVERY
    from tests.feeds.conftest import write_recording

    turns = 0

    async def turning() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    seen_at: list[int] = []

    def parse(frame, received_ms, instruments=None, state=None):  # type: ignore[no-untyped-def]
        if frame.startswith('{"topic":"allLiquidation'):
            seen_at.append(turns)
        return bybit.parse(frame, received_ms, instruments, state)

    ticker = asyncio.create_task(turning())
    try:
        async with running_pair(write_recording(tmp_path / "burst.jsonl.gz", 600, 0), parse=parse) as pair:
            await wait_until(lambda: len(seen_at) == 600, what="the burst")
            assert len(_liquidations(pair.sink)) == 600
    finally:
        ticker.cancel()
    assert max(Counter(seen_at).values()) <= YIELD_EVERY
