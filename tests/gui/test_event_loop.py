"""The GUI's loop (app.ui.event_loop): qasync's, with call_soon batched. Ready callbacks run in order,
a cancelled one never, a failing one reaches the loop's exception handler without stopping the others,
and what a callback schedules runs in a later batch (so sockets and painting get their turn)."""

from __future__ import annotations

import asyncio
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


def _paced_reads(qapp, pacing_s: float, chunks: int, every_s: float):  # type: ignore[no-untyped-def]
    """A socket written `chunks` times, `every_s` apart; what the loop's reader saw."""
    loop = BatchedQEventLoop(qapp)
    loop.read_pacing_s = pacing_s
    ours, theirs = socket.socketpair()
    written: list[float] = []
    protocol = _Counting()
    protocol.loop = loop

    async def main() -> None:
        transport, _ = await loop.create_connection(lambda: protocol, sock=ours)
        for i in range(chunks):
            written.append(time.perf_counter())
            theirs.send(b"%04d" % i)
            await asyncio.sleep(every_s)
        await asyncio.sleep(pacing_s * 2 + 0.05)  # the last chunk is read at the next opening at the latest
        transport.close()

    try:
        loop.run_until_complete(main())
    finally:
        theirs.close()
        loop.close()
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
