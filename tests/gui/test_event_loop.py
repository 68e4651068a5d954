"""The GUI's loop (app.ui.event_loop): qasync's, with call_soon batched. Ready callbacks run in order,
a cancelled one never, a failing one reaches the loop's exception handler without stopping the others,
and what a callback schedules runs in a later batch (so sockets and painting get their turn)."""

from __future__ import annotations

import asyncio

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
