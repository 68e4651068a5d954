"""The GUI's loop (app.ui.event_loop): qasync's, with call_soon batched. Ready callbacks run in order,
a cancelled one never, a failing one reaches the loop's exception handler without stopping the others,
and what a callback schedules runs in a later batch (so sockets and painting get their turn)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

from app.ui.event_loop import BatchedQEventLoop


def test_callbacks_run_in_order_in_batches_and_errors_reach_the_handler(qapp) -> None:  # type: ignore[no-untyped-def]
    loop = BatchedQEventLoop(qapp)
    errors: list[BaseException] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context["exception"]))
    order: list[object] = []
    batches: list[int] = []

    def first() -> None:
        order.append("first")
        loop.call_soon(order.append, "scheduled by first")
        batches.append(len(loop._soon))

    async def main() -> str:
        loop.call_soon(first)
        loop.call_soon(order.append, 2).cancel()
        loop.call_soon(lambda: 1 / 0)
        loop.call_soon(order.append, 3)
        future = loop.create_future()
        loop.call_soon(future.set_result, "done")
        result = await future
        await asyncio.sleep(0.01)  # a delayed callback: qasync's own timer
        return result

    try:
        assert loop.run_until_complete(main()) == "done"
    finally:
        loop.close()
    assert order == ["first", 3, "scheduled by first"]
    assert batches and batches[0] >= 1
    assert len(errors) == 1 and isinstance(errors[0], ZeroDivisionError)


class _Counting(asyncio.Protocol):
    def __init__(self) -> None:
        self.reads: list[bytes] = []
        self.floors: list[float] = []
        self.loop: BatchedQEventLoop | None = None

    def data_received(self, data: bytes) -> None:
        self.reads.append(data)
        assert self.loop is not None
        self.floors.append(self.loop.read_floor)


def _one_socket(qapp, pacing_s: float = 0.04, protocol: _Counting | None = None):  # type: ignore[no-untyped-def]
    """A paced loop with one connected socket pair and a counting protocol on our end."""
    loop = BatchedQEventLoop(qapp)
    loop.read_pacing_s = pacing_s
    ours, theirs = socket.socketpair()
    protocol = protocol or _Counting()
    protocol.loop = loop
    return loop, ours, theirs, protocol


async def _until(predicate, timeout_s: float) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.005)


def _run(loop: BatchedQEventLoop, main, theirs: socket.socket) -> None:  # type: ignore[no-untyped-def]
    try:
        loop.run_until_complete(main())
    finally:
        theirs.close()
        loop.close()


def _paced_reads(qapp, pacing_s: float, chunks: int, every_s: float):  # type: ignore[no-untyped-def]
    """A socket written `chunks` times, `every_s` apart; what the loop's reader saw."""
    loop, ours, theirs, protocol = _one_socket(qapp, pacing_s)
    written: list[float] = []

    async def main() -> None:
        transport, _ = await loop.create_connection(lambda: protocol, sock=ours)
        for i in range(chunks):
            written.append(time.perf_counter())
            theirs.send(b"%04d" % i)
            await asyncio.sleep(every_s)
        await asyncio.sleep(pacing_s * 2 + 0.05)  # the last chunk is read at the next opening at the latest
        transport.close()

    _run(loop, main, theirs)
    return protocol, written


def test_paced_reads_take_what_arrived_meanwhile_in_one_read_and_lose_nothing(qapp) -> None:  # type: ignore[no-untyped-def]
    pacing_s, chunks, every_s = 0.1, 40, 0.005
    protocol, written = _paced_reads(qapp, pacing_s, chunks, every_s)
    assert b"".join(protocol.reads) == b"".join(b"%04d" % i for i in range(chunks))  # all, in order, once
    elapsed = written[-1] - written[0] + pacing_s * 2
    # after each read every socket waits for the gate: at most one read per opening, plus the first
    assert len(protocol.reads) <= 2 + elapsed / pacing_s
    assert len(protocol.reads) < chunks / 2
    # bytes that waited behind the closed gate are dated from its closing, never from their read
    # (each chunk is 4 bytes: a read's first chunk is its offset / 4; each later read's chunks were written
    # while the gate was closed, after the read before it)
    offsets = [sum(len(read) for read in protocol.reads[:i]) // 4 for i in range(len(protocol.reads))]
    assert len(offsets) > 1
    assert all(floor <= written[first] for floor, first in zip(protocol.floors[1:], offsets[1:], strict=True))


def test_unpaced_reads_follow_each_write(qapp) -> None:  # type: ignore[no-untyped-def]
    protocol, _ = _paced_reads(qapp, 0.0, 10, 0.03)
    assert len(protocol.reads) == 10  # 30 ms apart: each write is its own read
    assert b"".join(protocol.reads) == b"".join(b"%04d" % i for i in range(10))


def test_a_socket_with_more_waiting_is_read_on_without_waiting_for_the_gate(qapp) -> None:  # type: ignore[no-untyped-def]
    loop = BatchedQEventLoop(qapp)
    loop.read_pacing_s = 0.5
    opened: list[float] = []
    original = loop._open_gate
    loop._open_gate = lambda: (opened.append(time.perf_counter()), original())  # type: ignore[method-assign]
    ours, theirs = socket.socketpair()
    theirs.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    protocol = _Counting()
    protocol.loop = loop
    payload = bytes(range(256)) * 4096  # 1 MiB: several reads of asyncio's 256 KiB

    async def main() -> None:
        transport, _ = await loop.create_connection(lambda: protocol, sock=ours)
        theirs.sendall(payload[:1024])
        await asyncio.sleep(0.05)  # a first small read closes the gate
        view = memoryview(payload)[1024:]
        while view:
            sent = theirs.send(view)
            view = view[sent:]
            await asyncio.sleep(0)
        async with asyncio.timeout(5):
            while sum(map(len, protocol.reads)) < len(payload):
                await asyncio.sleep(0.01)
        transport.close()

    try:
        loop.run_until_complete(main())
    finally:
        theirs.close()
        loop.close()
    assert b"".join(protocol.reads) == payload
    # it waited for one opening, then was read on and on: 256 KiB a read, no further opening between
    assert len(protocol.reads) >= 4 and len(opened) == 1


class _Handled(_Counting):
    """Like _Counting, and each read also handled by a task (a receive loop), as websocket frames are."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.handled: list[bytes] = []

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self.queue.put_nowait(data)

    async def receive(self) -> None:
        while True:
            self.handled.append(await self.queue.get())


def test_pumped_reads_happen_at_the_pumps_and_are_handled_before_the_pump_returns(qapp) -> None:  # type: ignore[no-untyped-def]
    loop, ours, theirs, protocol = _one_socket(qapp, protocol=_Handled())
    written: list[float] = []
    seen_at_pump: list[tuple[int, int]] = []  # (chunks written so far, chunks handled when the pump returned)

    async def main() -> None:
        transport, _ = await loop.create_connection(lambda: protocol, sock=ours)
        receiver = asyncio.ensure_future(protocol.receive())

        async def pump() -> None:  # as the window's timer does: from a callback, not from inside a task
            done = loop.create_future()

            def run() -> None:
                loop.pump_reads()
                seen_at_pump.append((len(written), sum(len(chunk) for chunk in protocol.handled) // 4))
                done.set_result(None)

            loop.call_soon(run)
            await done

        await pump()  # the window starts pumping: the gate is now the pumps'
        seen_at_pump.clear()
        for _ in range(8):
            for _ in range(3):
                written.append(time.perf_counter())
                theirs.send(b"%04d" % (len(written) - 1))
                await asyncio.sleep(0.02)  # 60 ms between pumps: the gate's own 40 ms would have opened
            await pump()
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await receiver
        transport.close()

    _run(loop, main, theirs)
    assert b"".join(protocol.reads) == b"".join(b"%04d" % i for i in range(len(written)))  # all, in order, once
    assert len(protocol.reads) == 8  # one read a pump, none between them
    assert all(handled == written_so_far for written_so_far, handled in seen_at_pump)  # in the sink for the tick
    # a pump's bytes are dated from the pump before it (the gate's closing), never after their write
    assert all(floor <= written[3 * i] for i, floor in enumerate(protocol.floors))


def test_when_the_pumps_stop_the_gate_opens_on_its_own(qapp) -> None:  # type: ignore[no-untyped-def]
    from app.ui.event_loop import PUMP_STALE_S

    loop, ours, theirs, protocol = _one_socket(qapp)
    read_after: list[float] = []

    async def main() -> None:
        transport, _ = await loop.create_connection(lambda: protocol, sock=ours)
        loop.pump_reads()  # one pump, then none (a window that closed without saying so)
        sent = time.perf_counter()
        theirs.send(b"late")
        await _until(lambda: protocol.reads, PUMP_STALE_S * 4)
        read_after.append(time.perf_counter() - sent)
        theirs.send(b"more")  # back on the gate's own timer: read within its pacing
        await _until(lambda: len(protocol.reads) >= 2, PUMP_STALE_S)
        transport.close()

    _run(loop, main, theirs)
    assert protocol.reads == [b"late", b"more"]
    assert read_after[0] <= PUMP_STALE_S * 2


def test_stop_pumping_opens_the_gate_at_once(qapp) -> None:  # type: ignore[no-untyped-def]
    loop, ours, theirs, protocol = _one_socket(qapp)
    waited: list[float] = []

    async def main() -> None:
        transport, _ = await loop.create_connection(lambda: protocol, sock=ours)
        loop.pump_reads()
        loop.stop_pumping()  # the window closes: closing handshakes must not wait for the watchdog
        sent = time.perf_counter()
        theirs.send(b"bye")
        await _until(lambda: protocol.reads, 1)
        waited.append(time.perf_counter() - sent)
        transport.close()

    _run(loop, main, theirs)
    assert protocol.reads == [b"bye"] and waited[0] < 0.2


def test_under_load_the_pumps_hand_the_gate_back_to_its_timer(qapp) -> None:  # type: ignore[no-untyped-def]
    """More than a pump's budget waiting: the rest is read as without pumps (nothing held until the next
    pump, which would let the kernel's buffers fill at a high rate)."""
    loop = BatchedQEventLoop(qapp)
    loop.read_pacing_s = 0.04
    pairs = [socket.socketpair() for _ in range(4)]
    protocols = [_Counting() for _ in pairs]
    slow_s = 0.004  # each read costs this: two reads exhaust a pump's budget

    def slow(protocol: _Counting, data: bytes) -> None:
        _Counting.data_received(protocol, data)
        time.sleep(slow_s)

    for protocol in protocols:
        protocol.loop = loop
        protocol.data_received = lambda data, _p=protocol: slow(_p, data)  # type: ignore[method-assign]

    transports: list[asyncio.BaseTransport] = []

    async def main() -> None:
        for (ours, _), protocol in zip(pairs, protocols, strict=True):
            transports.append((await loop.create_connection(lambda _p=protocol: _p, sock=ours))[0])
        loop.pump_reads()
        for _, theirs in pairs:
            theirs.send(b"data")
        await asyncio.sleep(0.01)
        loop.pump_reads()  # reads one or two, hands the rest to their notifiers
        await _until(lambda: all(protocol.reads for protocol in protocols), 1)  # no further pump: read anyway
        for _, theirs in pairs:  # and the gate runs on its own timer now: no pump needed
            theirs.send(b"next")
        await _until(lambda: all(len(protocol.reads) == 2 for protocol in protocols), 1)
        for transport in transports:
            transport.close()

    try:
        loop.run_until_complete(main())
    finally:
        for ours, theirs in pairs:
            ours.close()
            theirs.close()
        loop.close()
    assert all(protocol.reads == [b"data", b"next"] for protocol in protocols)
