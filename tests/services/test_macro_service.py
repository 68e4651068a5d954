from __future__ import annotations

from datetime import UTC, datetime

from app.services.macro import MacroService, local_zone_name

USER_ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:user\r\n"
    "BEGIN:VEVENT\r\nUID:desk-call@user\r\nSUMMARY:Desk call\r\nDTSTART:20260301T090000\r\n"
    "DTEND:20260301T093000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_a_user_calendar_with_floating_times_is_read_in_the_local_zone(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    assert local_zone_name() == "America/New_York"
    path = tmp_path / "mine.ics"
    path.write_text(USER_ICS)
    service = MacroService.load(None, path)
    event = next(e for e in service.calendar.events if e.uid == "desk-call@user")
    assert datetime.fromtimestamp(event.start_ms / 1000, tz=UTC) == datetime(2026, 3, 1, 14, 0, tzinfo=UTC)


def test_unknown_zone_falls_back_to_utc(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Not/AZone")
    assert local_zone_name() != "Not/AZone"  # the machine's /etc/localtime zone, else UTC


def test_the_poll_status_in_the_cache_is_the_services_source_and_sets_its_freshness(tmp_path) -> None:
    from app.feeds.mof_poller import MofCache

    assert MacroService.load(None).source == "bundled"
    MofCache(tmp_path).store_poll_status("unreachable", "jgbcme.csv: failed network: refused", 0)
    service = MacroService.load(tmp_path)
    now = int(datetime(2026, 12, 4, 3, tzinfo=UTC).timestamp() * 1000)
    fresh = service.freshness(now)
    assert (fresh.stale, fresh.age_days, fresh.source) == (True, 218, "unreachable")
    assert fresh.label == "last MOF close 2026-04-30 · 7 months old · source unreachable"
    assert not service.freshness(int(datetime(2026, 1, 20, 9, tzinfo=UTC).timestamp() * 1000)).stale


def test_an_unreachable_source_reaches_the_window_once_as_a_message_and_a_lasting_notice() -> None:
    from app.core.macro.jgb import parse_mof_csv
    from app.services.session import DemoSession

    session = DemoSession()
    history = parse_mof_csv("Interest Rate\r\nDate,10Y\r\n2026/1/9,2.1\r\n2026/1/13,2.2\r\n")
    calendar = MacroService.read_calendar()
    session._report_macro(MacroService(history, calendar, tenors=["10Y"], source="unreachable",
                                       source_detail="jgbcme.csv: failed network: timed out"))
    session._report_macro(MacroService(history, calendar, tenors=["10Y"], source="unreachable"))  # no repeat
    snapshot = session.snapshot()  # the demo's clock: 2026-01-20, a week after the last close
    assert [m.notice for m in snapshot.messages] == ["macro"]
    text = snapshot.messages[0].text
    assert "last MOF close 2026-01-13" in text and "source unreachable" in text and "timed out" in text
    assert [n.code for n in snapshot.notices] == ["macro"]
