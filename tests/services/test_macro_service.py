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
