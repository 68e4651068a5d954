"""SteadyRecords: a paced window's venue records, rebuilt at once when a connection's state or trouble
changes, else at most once per interval (rates and observed times move every tick)."""

from __future__ import annotations

from app.feeds.status import ConnectionStatus
from app.services.venue_status import SteadyRecords, VenueRecord, venue_record


def test_records_are_rebuilt_on_a_change_of_state_at_once_else_once_an_interval() -> None:
    now = [1_000_000]
    wall = [100.0]
    statuses = [ConnectionStatus("binance/forceOrder", "binance", "sampled", lambda: now[0])]
    builds: list[int] = []

    def build() -> list[VenueRecord]:
        builds.append(now[0])
        return [venue_record("binance", statuses, now[0])]

    steady = SteadyRecords(build, lambda: statuses, every_s=1.0, monotonic=lambda: wall[0])
    first = steady()
    assert first[0].state == "connecting" and len(builds) == 1
    statuses[0].frames += 10  # frames, rates: the same records until the interval has passed
    wall[0] += 0.5
    assert steady() is first and len(builds) == 1
    statuses[0].state = "live"  # a state: at once
    assert steady()[0].state == "live" and len(builds) == 2
    statuses[0].bad_frames += 1  # a bad frame: at once
    assert steady()[0].bad_frames == 1 and len(builds) == 3
    wall[0] += 1.0
    assert steady()[0].frames == 10 and len(builds) == 4  # the interval: the counts move on
    unpaced = SteadyRecords(build, lambda: statuses, every_s=0.0, monotonic=lambda: wall[0])
    unpaced()
    unpaced()
    assert len(builds) == 6  # every_s 0 (tests, headless): rebuilt at every snapshot
