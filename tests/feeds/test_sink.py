from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.events import Liquidation, MarkPrice, OpenInterest, Unconvertible, VenueNotice
from app.feeds.sink import FeedSink


def liq(n: int, venue: str = "bybit") -> Liquidation:
    return Liquidation(venue, "BTCUSDT", "BTC", "linear_perp", "long", 100.0, 1.0, 100.0, n, "all", str(n))


def mark(price: float, venue: str = "bybit", symbol: str = "BTCUSDT") -> MarkPrice:
    return MarkPrice(venue, symbol, "BTC", price, 0)


def test_drain_takes_everything_exactly_once() -> None:
    sink = FeedSink()
    sink.offer("bybit", [liq(1), liq(2), VenueNotice("bybit", "error", "x", "bad")])
    first = sink.drain()
    assert [e.id for e in first.liquidations] == ["1", "2"]
    assert len(first.notices) == 1
    second = sink.drain()
    assert second.liquidations == [] and second.notices == [] and second.marks == []


def test_marks_and_open_interest_conflate_latest_wins() -> None:
    sink = FeedSink()
    sink.offer("bybit", [mark(1.0), mark(2.0), mark(5.0, symbol="ETHUSDT")])
    sink.offer("okx", [mark(3.0, venue="okx"), OpenInterest("okx", "BTC-USDT-SWAP", "BTC", 1, 2, 3),
                       OpenInterest("okx", "BTC-USDT-SWAP", "BTC", 4, 5, 6)])
    drained = sink.drain()
    assert sorted((m.venue, m.symbol, m.price) for m in drained.marks) == [
        ("bybit", "BTCUSDT", 2.0), ("bybit", "ETHUSDT", 5.0), ("okx", "BTCUSDT", 3.0)]
    assert [oi.base_qty for oi in drained.open_interest] == [4]


def test_unconvertible_reported_once_per_symbol() -> None:
    sink = FeedSink()
    for _ in range(3):
        sink.offer("okx", [Unconvertible("okx", "NEW-USDT-SWAP", "no ctVal")])
    sink.offer("okx", [Unconvertible("okx", "OTHER-USDT-SWAP", "no ctVal")])
    assert [n.symbol for n in sink.drain().notices] == ["NEW-USDT-SWAP", "OTHER-USDT-SWAP"]  # type: ignore[union-attr]
    sink.offer("okx", [Unconvertible("okx", "NEW-USDT-SWAP", "no ctVal")])
    assert sink.drain().notices == []


def test_overflow_is_counted_per_venue_never_silent() -> None:
    sink = FeedSink(liquidation_capacity=3)
    assert sink.offer("bybit", [liq(i) for i in range(5)]) == 2
    assert sink.offer("okx", [liq(9, "okx")]) == 1
    drained = sink.drain()
    assert len(drained.liquidations) == 3
    assert drained.overflow == {"bybit": 2, "okx": 1}
    assert sink.drain().overflow == {}
    assert sink.overflow_total == {"bybit": 2, "okx": 1}


def test_notices_are_bounded_and_the_loss_counted() -> None:
    sink = FeedSink(notice_capacity=2)
    sink.offer("bybit", [VenueNotice("bybit", "info", str(i), "x") for i in range(5)])
    assert [n.code for n in sink.drain().notices] == ["3", "4"]  # type: ignore[union-attr]
    assert sink.notices_dropped == 3


@settings(deadline=None, max_examples=200)
@given(st.lists(st.one_of(st.integers(0, 6), st.just(-1)), max_size=60), st.integers(1, 8))
def test_every_liquidation_is_drained_once_or_counted_as_overflow(steps: list[int], capacity: int) -> None:
    sink = FeedSink(liquidation_capacity=capacity)
    offered = 0
    seen: list[str] = []
    dropped = 0
    for step in steps:
        if step < 0:
            drained = sink.drain()
            seen += [e.id for e in drained.liquidations]
            dropped += sum(drained.overflow.values())
        else:
            sink.offer("bybit", [liq(offered + i) for i in range(step)])
            offered += step
    drained = sink.drain()
    seen += [e.id for e in drained.liquidations]
    dropped += sum(drained.overflow.values())
    assert len(seen) == len(set(seen))
    assert len(seen) + dropped == offered


def test_account_states_conflate_to_the_latest_per_account() -> None:
    from app.core.events import AccountState
    from app.core.positions.model import Account, Position

    sink = FeedSink()
    account = Account(venue="hyperliquid", account="0xabc")
    old = AccountState(account, (Position("hyperliquid", "0xabc", "ETH", "ETH", "long", 1.0, 3000.0),), 1, "poll")
    new = AccountState(account, (), 2, "websocket")
    other = AccountState(Account(venue="hyperliquid", account="0xdef"), (), 3, "poll")
    sink.offer("hyperliquid", [old, other, new])
    drained = sink.drain()
    assert sorted(state.ts_ms for state in drained.accounts) == [2, 3]
    assert sink.drain().accounts == []


def test_unconvertible_events_are_counted_every_time_and_shown_in_the_venue_detail() -> None:
    from app.feeds.status import ConnectionStatus
    from app.services.venue_status import venue_record

    sink = FeedSink()
    for _ in range(3):
        sink.offer("okx", [Unconvertible("okx", "NEW-USDT-SWAP", "no ctVal")])
    assert sink.unconvertible_total == {"okx": 3} and len(sink.drain().notices) == 1
    status = ConnectionStatus("okx/public", "okx", "partial", lambda: 0)
    record = venue_record("okx", [status], 0, sink.unconvertible_total["okx"])
    assert "3 events not converted (instrument unknown to every source)" in record.detail


def test_arrivals_are_dated_by_the_arrival_clock() -> None:
    """The GUI's loop dates paced reads from when their bytes could first have waited (app.ui.event_loop)."""
    sink = FeedSink()
    moments = iter([10.0, 10.0005, 12.0])
    sink.arrival_clock = lambda: next(moments)
    sink.offer("bybit", [liq(1)])
    sink.offer("bybit", [liq(2), liq(3)])  # within a millisecond: one entry
    sink.offer("bybit", [mark(1.0)])  # marks are not timed
    sink.offer("bybit", [liq(4)])
    assert sink.drain().arrivals == [[10.0, 3], [12.0, 1]]
