"""Alert path: fan-out, cooldown dedupe on market time, log, and event reminders once per event."""

from __future__ import annotations

from datetime import UTC, datetime

from app.core.macro.calendar import load_calendar, utc_ms
from app.resources import resource_path
from app.services.alerts import Alert, AlertDispatcher, EventAlertScheduler, RecordingNotifier

MINUTE = 60_000


def alert(key: str, at_ms: int) -> Alert:
    return Alert(key=key, title="t", body="b", level="warning", market_ms=at_ms)


def test_fan_out_and_log() -> None:
    first, second = RecordingNotifier(), RecordingNotifier()
    dispatcher = AlertDispatcher([first, second])
    assert dispatcher.dispatch(alert("a", 0))
    assert first.alerts == second.alerts == [alert("a", 0)]
    assert list(dispatcher.log) == [alert("a", 0)]


def test_cooldown_per_key_on_market_time() -> None:
    sink = RecordingNotifier()
    dispatcher = AlertDispatcher([sink], cooldown_ms=10 * MINUTE)
    assert dispatcher.dispatch(alert("a", 0))
    assert not dispatcher.dispatch(alert("a", 9 * MINUTE))
    assert dispatcher.dispatch(alert("b", 9 * MINUTE))  # other keys are independent
    assert dispatcher.dispatch(alert("a", 10 * MINUTE))
    assert [a.key for a in sink.alerts] == ["a", "b", "a"]
    assert dispatcher.suppressed == 1


def test_broken_notifier_does_not_stop_others(caplog) -> None:  # type: ignore[no-untyped-def]
    class Broken:
        def notify(self, alert: Alert) -> None:
            raise RuntimeError("no D-Bus")

    sink = RecordingNotifier()
    dispatcher = AlertDispatcher([Broken(), sink])
    assert dispatcher.dispatch(alert("a", 0))
    assert len(sink.alerts) == 1
    assert "failed" in caplog.text


def test_log_is_bounded() -> None:
    dispatcher = AlertDispatcher(log_size=3, cooldown_ms=0)
    for i in range(5):
        dispatcher.dispatch(alert(f"k{i}", i))
    assert [a.key for a in dispatcher.log] == ["k2", "k3", "k4"]


def test_event_alert_n_minutes_before_once_per_event() -> None:
    events = load_calendar(resource_path("macro", "events.ics").read_bytes()).events
    sink = RecordingNotifier()
    scheduler = EventAlertScheduler(AlertDispatcher([sink]), events, lead_minutes=15)
    fomc_start = utc_ms(datetime(2026, 1, 28, 19, 0, tzinfo=UTC))  # 14:00 New York
    assert scheduler.tick(fomc_start - 16 * MINUTE) == []
    raised = scheduler.tick(fomc_start - 15 * MINUTE)
    assert [a.title for a in raised] == ["FOMC decision (meeting Jan 27-28)"]
    assert raised[0].body == "starts in 15m 00s"
    for minutes in (14, 5, 1):
        assert scheduler.tick(fomc_start - minutes * MINUTE) == []
    assert scheduler.tick(fomc_start + MINUTE) == []  # under way: not announced again
    assert len(sink.alerts) == 1


def test_only_high_impact_and_not_after_start() -> None:
    events = load_calendar(resource_path("macro", "events.ics").read_bytes()).events
    sink = RecordingNotifier()
    scheduler = EventAlertScheduler(AlertDispatcher([sink]), events, lead_minutes=60)
    davos = next(e for e in events if e.kind == "wef")  # medium impact
    assert davos.uid not in {e.uid for e in scheduler.events}
    boj = next(e for e in events if e.kind == "boj")
    assert scheduler.tick(boj.start_ms + MINUTE) == []  # started already: missed, not announced late
    late_start = EventAlertScheduler(AlertDispatcher([sink]), events, lead_minutes=60)
    assert [a.title for a in late_start.tick(boj.start_ms - 10 * MINUTE)] == [boj.title]
