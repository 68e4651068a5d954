from __future__ import annotations

from app.core.events import Liquidation
from app.core.tape import Tape, TapeFilter


def liq(ts: int, usd: float = 1000.0, venue: str = "bybit", side: str = "long") -> Liquidation:
    return Liquidation(venue, "BTCUSDT", "BTC", "linear_perp", side, 100.0, usd / 100.0, usd, ts, "all",  # type: ignore[arg-type]
                       f"id{ts}")


def test_update_inserts_newest_first_and_trims_bottom() -> None:
    tape = Tape(max_rows=3)
    tape.push([liq(1), liq(2)])
    first = tape.take_update()
    assert first is not None
    assert [x.ts_ms for x in first.inserted] == [2, 1]
    assert first.removed_from_bottom == 0
    tape.push([liq(3), liq(4)])
    second = tape.take_update()
    assert second is not None
    assert [x.ts_ms for x in second.inserted] == [4, 3]
    assert second.removed_from_bottom == 1
    assert tape.shown == 3
    assert tape.take_update() is None


def test_pause_holds_rows_and_counts_them_for_the_badge() -> None:
    tape = Tape(max_rows=2)
    tape.paused = True
    tape.push([liq(i) for i in range(5)])
    assert tape.take_update() is None
    assert tape.new_count == 5  # all arrivals counted, even those that can never be shown
    tape.paused = False
    update = tape.take_update()
    assert update is not None
    assert [x.ts_ms for x in update.inserted] == [4, 3]
    assert tape.new_count == 0


def test_min_size_filter_and_refilter_from_recent_history() -> None:
    tape = Tape(max_rows=10, tape_filter=TapeFilter(min_usd=5_000))
    tape.push([liq(1, 1_000), liq(2, 10_000), liq(3, 50_000)])
    update = tape.take_update()
    assert update is not None and [x.ts_ms for x in update.inserted] == [3, 2]
    rows = tape.refilter(TapeFilter(min_usd=0))
    assert [x.ts_ms for x in rows] == [3, 2, 1]
    assert tape.shown == 3


def test_venue_filter() -> None:
    tape = Tape(tape_filter=TapeFilter(venues=frozenset({"okx"})))
    tape.push([liq(1, venue="bybit"), liq(2, venue="okx")])
    update = tape.take_update()
    assert update is not None and [x.venue for x in update.inserted] == ["okx"]
