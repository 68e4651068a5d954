from __future__ import annotations

import pytest

from app.feeds.status import ConnectionStatus
from app.services.venue_status import venue_record


class Clock:
    def __init__(self) -> None:
        self.now = 1_000

    def __call__(self) -> int:
        return self.now


def test_gaps_open_on_loss_and_close_on_the_next_live() -> None:
    clock = Clock()
    status = ConnectionStatus("bybit/linear", "bybit", "all", clock)
    clock.now = 1_200
    status.connect_failed("offline", "refused")
    assert status.gaps == [(1_000, None)]  # could not connect from the start: missed since created
    clock.now = 1_500
    status.live()
    assert status.gaps == [(1_000, 1_500)]
    clock.now = 2_000
    status.lost("offline", "closed")
    clock.now = 2_500
    status.lost("stalled")  # still the same gap
    clock.now = 3_000
    status.live()
    assert status.gaps == [(1_000, 1_500), (2_000, 3_000)]
    assert status.reconnects == 1
    assert status.last_loss == "closed" and status.last_error is None
    assert status.state == "live"


def test_frames_bad_frames_lag_and_overflow() -> None:
    status = ConnectionStatus("okx/public", "okx", "partial", Clock())
    for lag in (10, 30, 20):
        status.frame(5_000)
        status.lag(5_000, 5_000 - lag)
    status.bad_frame("truncated")
    status.record_overflow(3, 5_000)
    status.record_overflow(2, 5_400)  # same burst: merged
    snap = status
    assert (snap.frames, snap.bad_frames, snap.last_bad_reason) == (3, 1, "truncated")
    assert snap.median_lag_ms() == 20
    assert snap.overflow == 5 and snap.gaps == [(5_000, 5_400)]
    assert snap.last_frame_ms == 5_000


def test_rate_is_rolling_and_read_time_only() -> None:
    ticks = iter([0.0, 2.0, 4.0])
    status = ConnectionStatus("s", "bybit", "all", Clock(), monotonic=lambda: next(ticks))
    assert status.msgs_per_s() == 0.0
    for _ in range(100):
        status.frame(1)
    assert status.msgs_per_s() == pytest.approx(50.0)
    for _ in range(300):
        status.frame(1)
    assert status.msgs_per_s() == pytest.approx(100.0)


def test_venue_record_takes_the_worst_state_and_sums() -> None:
    linear = ConnectionStatus("bybit/linear", "bybit", "all", Clock(), monotonic=lambda: 0.0)
    inverse = ConnectionStatus("bybit/inverse", "bybit", "all", Clock(), monotonic=lambda: 0.0)
    linear.live()
    linear.frame(7)
    inverse.live()
    inverse.lost("stalled")
    inverse.bad_frame("x")
    view = venue_record("bybit", [linear, inverse], now_ms=10)
    assert view.state == "stalled"
    assert (view.frames, view.bad_frames, view.gaps) == (1, 1, 1)
    assert "bybit/linear: live" in view.detail and "bybit/inverse: stalled" in view.detail
    with pytest.raises(ValueError):
        venue_record("okx", [linear], now_ms=10)


def test_a_gap_starts_when_data_last_arrived_not_when_the_loss_was_noticed() -> None:
    now = [1_000]
    status = ConnectionStatus("bybit/linear", "bybit", "all", clock=lambda: now[0])
    status.live()
    status.frame(1_500)
    now[0] = 31_500  # the stall detector notices 30 s later (or a laptop wakes hours later)
    status.lost("stalled", "no traffic for 30 s")
    now[0] = 32_000
    status.live()
    assert status.gaps == [(1_500, 32_000)]
    now[0] = 40_000  # connected, nothing arrived, then lost: the gap starts at the reconnect
    status.lost("offline", "reset")
    assert status.gaps[-1] == (32_000, None)


def test_an_overflow_while_disconnected_does_not_hide_the_open_gap() -> None:
    now = [1_000]
    status = ConnectionStatus("bybit/linear", "bybit", "all", clock=lambda: now[0])
    status.live()
    status.frame(1_500)
    now[0] = 2_000
    status.lost("offline", "reset")
    status.record_overflow(3, at_ms=2_100)  # frames of the closing socket still draining into a full sink
    now[0] = 5_000
    status.live()
    assert status.gaps == [(1_500, 5_000)]
    assert status.overflow == 3


def test_the_venue_detail_keeps_why_the_connection_was_last_lost() -> None:
    clock = Clock()
    status = ConnectionStatus("okx/public", "okx", "partial", clock)
    status.live()
    status.lost("stalled", "no traffic for 30 s")
    status.connect_failed("offline", "ConnectionRefusedError")  # a failed retry is not the loss
    status.live()
    view = venue_record("okx", [status], clock.now)
    assert view.state == "live" and "last error" not in view.detail
    assert "last disconnect: okx/public no traffic for 30 s" in view.detail


def test_failed_rotations_are_shown_in_the_status_tooltip() -> None:
    from app.services.venue_status import venue_record
    from app.ui.status_bar import venue_status_tooltip

    status = ConnectionStatus("binance/usdm/market", "binance", "sampled", lambda: 0)
    status.live()
    status.rotation_failed("HTTP 503 on handshake")
    status.rotation_failed("no answer to the websocket handshake (timed out)")
    tooltip = venue_status_tooltip(venue_record("binance", [status], 0))
    assert ("binance/usdm/market rotation failed 2×, the current connection kept "
            "(last: no answer to the websocket handshake (timed out))") in tooltip
    assert status.state == "live"
