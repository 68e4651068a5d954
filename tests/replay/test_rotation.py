"""Make-before-break rotation before a venue's hard connection limit, against the real replay server on
127.0.0.1. Transport time is scaled ×60, so a 24 s lifetime rotates every 0.4 wall seconds."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.events import Event, Liquidation
from app.core.timing import Timing
from app.core.venues import binance, bybit
from app.core.venues.protocol import ConnectionSpec
from app.feeds import client
from app.feeds.client import OverlapIds, run_connection
from app.feeds.sink import FeedSink
from app.feeds.status import ConnectionStatus
from app.replay.recording import RecordingWriter, read_recording
from app.replay.server import ReplayServer
from app.services.venue_status import venue_record
from tests.feeds.conftest import SCALE, START_MS, bybit_liquidation, wait_until

pytestmark = pytest.mark.timeout(15)

LIFETIME_S = 24.0  # transport seconds: 0.4 s of wall time at ×60
BINANCE = binance.STREAM
BYBIT = "bybit/linear"


def binance_liquidation(n: int, ts_ms: int) -> str:
    """A Binance forceOrder frame whose quantity encodes `n`, so every frame is a distinct event."""
    qty = f"{0.001 * (n + 1):.3f}"
    order = {"s": "BTCUSDT", "S": "SELL" if n % 2 else "BUY", "o": "LIMIT", "f": "IOC", "q": qty,
             "p": "90000.5", "ap": "90000.5", "X": "FILLED", "l": qty, "z": qty, "T": ts_ms}
    return json.dumps({"stream": "!forceOrder@arr", "data": {"e": "forceOrder", "E": ts_ms, "o": order}},
                      separators=(",", ":"))


FRAMES: dict[str, Callable[[int, int], str]] = {BYBIT: bybit_liquidation, BINANCE: binance_liquidation}
PARSERS = {BYBIT: bybit.parse, BINANCE: binance.parse}


def write_dense_recording(path: Path, stream: str, count: int, every_ms: int = 1, per_ms: int = 1) -> Path:
    with RecordingWriter(path, {"scenario": "test", "start_ms": START_MS, "streams": [stream]}) as writer:
        for n in range(count):
            offset = 50 + n // per_ms * every_ms
            writer.write(offset, stream, FRAMES[stream](n, START_MS + offset))
    return path


def recorded_ids(path: Path) -> list[str]:
    """The liquidation ids of every frame in a recording, as the client's parser makes them."""
    _, records = read_recording(path)
    ids: list[str] = []
    for record in records:
        parse = PARSERS[record.stream]
        ids.extend(e.id for e in parse(record.frame, 0) if isinstance(e, Liquidation))
    return ids


@dataclass
class LiquidationCounter:
    """Wraps a parser to count the liquidations it returned, on every socket, before the dedup."""

    parse: Callable[..., list[Event]]
    parsed: int = 0

    def __call__(self, frame, received_ms, instruments=None, state=None):  # type: ignore[no-untyped-def]
        events = self.parse(frame, received_ms, instruments, state)
        self.parsed += sum(1 for e in events if type(e) is Liquidation)
        return events


def spec_for(stream: str, url: str, counter: LiquidationCounter, **changes: object) -> ConnectionSpec:
    if stream == BYBIT:
        spec = bybit.connections({BYBIT: url}, symbols=["BTCUSDT"])[0]
    else:
        spec = binance.connections({BINANCE: url})[0]
    return msgspec.structs.replace(spec, parse=counter, max_lifetime_s=LIFETIME_S, **changes)


@dataclass
class Rig:
    server: ReplayServer
    sink: FeedSink
    status: ConnectionStatus
    counter: LiquidationCounter
    stream: str
    peak_clients: int = 0

    def clients(self) -> int:
        return self.server.clients(self.stream)


@contextlib.asynccontextmanager
async def rotating(recording: Path, stream: str, **spec_changes: object) -> AsyncIterator[Rig]:
    """Server + client with a short lifetime; playback starts once the subscription is acknowledged,
    so the client hears every recorded frame. Tracks the most server-side clients seen at once."""
    timing = Timing(SCALE)
    server = ReplayServer(recording, timing=timing)
    await server.start(autoplay=False)
    counter = LiquidationCounter(PARSERS[stream])
    spec = spec_for(stream, server.endpoints()[stream], counter, **spec_changes)
    sink = FeedSink()
    status = ConnectionStatus(spec.stream, spec.venue, spec.completeness, server.market_ms)
    rig = Rig(server, sink, status, counter, stream)

    async def watch_clients() -> None:
        while True:
            rig.peak_clients = max(rig.peak_clients, rig.clients())
            await asyncio.sleep(0.002)

    task = asyncio.create_task(run_connection(spec, sink, status, timing, server.market_ms))
    watcher = asyncio.create_task(watch_clients())
    try:
        await wait_until(lambda: status.frames >= 1, what="subscription acknowledged")
        server.play()
        yield rig
    finally:
        for running in (task, watcher):
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
        await server.stop()


@pytest.mark.parametrize("slow_close", [False, True], ids=["prompt-close", "slow-close"])
@pytest.mark.parametrize("stream", [BYBIT, BINANCE])
async def test_rotations_are_seamless_every_liquidation_once_old_socket_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stream: str, slow_close: bool
) -> None:
    if slow_close:
        # On loopback the ack reaches the new socket within a fraction of a ms, so the overlap may see
        # no frame at all; holding each old socket open 30 ms more makes both deliver for certain.
        close_leg = client._Session._close_leg

        async def slow(self: client._Session, leg: client._Leg) -> None:
            await asyncio.sleep(0.03)
            await close_leg(self, leg)

        monkeypatch.setattr(client._Session, "_close_leg", slow)
    # 3 frames per ms for 2 s: the few ms two sockets overlap see frames on both.
    recording = write_dense_recording(tmp_path / "dense.jsonl.gz", stream, count=6_000, per_ms=3)
    expected = recorded_ids(recording)
    assert len(set(expected)) == len(expected) == 6_000
    async with rotating(recording, stream, stall_after_s=600.0) as rig:
        await wait_until(lambda: rig.server.finished, timeout=8.0, what="playback finished")
        await wait_until(lambda: rig.sink.pending() >= len(expected), what="every frame delivered")
        await wait_until(lambda: rig.clients() == 1, what="the last old socket closed")
        await asyncio.sleep(0.05)  # a straggling duplicate would land now
        ids = [e.id for e in rig.sink.drain().liquidations]
        status = rig.status
        removed = rig.counter.parsed - len(ids)
        print(f"\n{stream}: {status.rotations} rotations, {rig.counter.parsed} liquidations parsed,"
              f" {removed} overlap duplicates removed, peak clients {rig.peak_clients}")
    assert status.rotations >= 3
    assert status.reconnects == 0
    assert status.gaps == []
    assert status.state == "live"
    assert status.bad_frames == 0
    assert rig.status.rotation_failures == 0
    # exactly once: every recorded liquidation, no duplicate, nothing extra
    assert sorted(ids) == sorted(expected)
    assert rig.peak_clients <= 2  # never more than the old and the new socket
    if slow_close:  # both sockets delivered the same frames for a while: all removed above
        assert rig.peak_clients == 2
        assert removed >= status.rotations * 30


async def test_a_refused_new_connection_keeps_the_old_one_until_it_works_again(tmp_path: Path) -> None:
    recording = write_dense_recording(tmp_path / "slow.jsonl.gz", BYBIT, count=400, every_ms=10)
    async with rotating(recording, BYBIT) as rig:
        rig.server.refuse(BYBIT, 503)
        await wait_until(lambda: rig.status.rotation_failures >= 2, what="rotation attempts refused")
        assert "503" in (rig.status.last_rotation_failure or "")
        before = rig.counter.parsed
        await wait_until(lambda: rig.counter.parsed > before + 10, what="the old socket still delivers")
        assert rig.status.rotations == 0
        assert rig.status.reconnects == 0 and rig.status.connect_failures == 0
        assert rig.status.state == "live" and rig.status.gaps == []
        assert rig.clients() == 1
        rig.server.refuse(BYBIT, None)
        await wait_until(lambda: rig.status.rotations >= 1, what="rotation once the venue accepts again")
        await wait_until(lambda: rig.clients() == 1, what="old socket closed")
        assert rig.status.reconnects == 0 and rig.status.gaps == []
        ids = [e.id for e in rig.sink.drain().liquidations]
        assert len(ids) == len(set(ids)), "no liquidation counted twice"


async def test_old_socket_lost_while_the_new_one_fails_is_a_normal_reconnect_with_a_gap(tmp_path: Path) -> None:
    recording = write_dense_recording(tmp_path / "slow.jsonl.gz", BYBIT, count=400, every_ms=10)
    async with rotating(recording, BYBIT) as rig:
        rig.server.refuse(BYBIT, 503)
        await wait_until(lambda: rig.status.rotation_failures >= 1, what="rotation refused")
        assert rig.server.drop(BYBIT) == 1  # the venue cuts the old one meanwhile
        await wait_until(lambda: rig.status.connect_failures >= 1, what="reconnect attempts refused")
        assert rig.status.state == "offline"
        assert len(rig.status.gaps) == 1 and rig.status.gaps[0][1] is None
        rig.server.refuse(BYBIT, None)
        await wait_until(lambda: rig.status.reconnects == 1 and rig.status.state == "live", what="reconnected")
        assert rig.status.gaps[0][1] is not None
        assert rig.status.rotations == 0


async def test_the_stall_watchdog_follows_the_new_socket_and_rotation_resumes_after_a_reconnect(
    tmp_path: Path,
) -> None:
    recording = write_dense_recording(tmp_path / "slow.jsonl.gz", BYBIT, count=400, every_ms=10)
    async with rotating(recording, BYBIT) as rig:  # Bybit: stall after 30 s (0.5 s wall)
        await wait_until(lambda: rig.status.rotations >= 2, what="two rotations")
        rig.server.stall(BYBIT, 45.0)  # the socket now current goes silent, pongs included
        await wait_until(lambda: rig.status.stalls == 1, what="stall of the new socket detected")
        await wait_until(lambda: rig.status.reconnects == 1 and rig.status.state == "live", what="reconnected")
        rotated = rig.status.rotations
        await wait_until(lambda: rig.status.rotations > rotated, what="rotation in the new session")
        assert len(rig.status.gaps) == 1 and rig.status.gaps[0][1] is not None
        await wait_until(lambda: rig.clients() == 1, what="one socket left")


def test_binance_rotates_before_its_24h_cut_and_other_specs_do_not() -> None:
    specs = binance.connections()  # USDⓈ-M and COIN-M: both under Binance's 24 h rule
    assert [s.max_lifetime_s for s in specs] == [23.5 * 3600] * 2
    assert all(s.max_lifetime_s is None for s in bybit.connections())


def test_rotations_are_in_the_snapshot_and_the_venue_record() -> None:
    status = ConnectionStatus(BINANCE, "binance", "sampled", lambda: 1_000)
    status.live()
    status.rotated()
    status.rotated()
    status.rotation_failed("HTTP 503 on handshake")
    snapshot = status
    assert (snapshot.rotations, snapshot.reconnects, snapshot.gaps) == (2, 0, [])
    assert venue_record("binance", [status], 1_000).rotations == 2
    assert status.rotation_failures == 1


# --- the overlap dedup, alone -------------------------------------------------------------------

def _liq(event_id: str) -> Liquidation:
    return Liquidation("binance", "BTCUSDT", "BTC", "linear_perp", "long", 90_000.0, 0.01, 900.0, 0, "sampled",
                       event_id)


def _ids(events: list[Event]) -> list[str]:
    return [e.id for e in events if isinstance(e, Liquidation)]


@settings(deadline=None, max_examples=200)
@given(st.data())
def test_overlap_keeps_every_liquidation_once_whatever_the_interleaving(data: st.DataObject) -> None:
    count = data.draw(st.integers(0, 40))
    stream = [f"id{n}" for n in range(count)]
    new_from = data.draw(st.integers(0, count))  # the new socket hears stream[new_from:]
    old_until = data.draw(st.integers(new_from, count))  # the old one stream[:old_until]
    queues = {0: list(stream[:old_until]), 1: list(stream[new_from:])}
    overlap = OverlapIds()
    kept: list[str] = []
    while queues[0] or queues[1]:
        side = data.draw(st.sampled_from([s for s in (0, 1) if queues[s]]))
        kept += _ids(overlap.fresh([_liq(queues[side].pop(0))], side))
    assert sorted(kept) == sorted(stream)


def test_identical_liquidations_on_both_sockets_are_paired_not_merged() -> None:
    overlap = OverlapIds()
    a, b = _liq("same"), _liq("same")  # two real orders with identical content share an id
    assert _ids(overlap.fresh([a, b], 0)) == ["same", "same"]
    assert _ids(overlap.fresh([a], 1)) == []
    assert _ids(overlap.fresh([b], 1)) == []
    assert _ids(overlap.fresh([_liq("same")], 1)) == ["same"]  # a third copy the old socket never had


def test_overlap_memory_is_bounded() -> None:
    overlap = OverlapIds(capacity=8)
    for n in range(100):
        overlap.fresh([_liq(f"id{n}")], 0)
    assert _ids(overlap.fresh([_liq("id99")], 1)) == []  # recent: still deduplicated
    assert _ids(overlap.fresh([_liq("id0")], 1)) == ["id0"]  # long forgotten
    assert len(overlap._counts) <= 8
