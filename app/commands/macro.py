"""`cascade macro [--date YYYY-MM-DD] [--json]`: what the macro strip shows for a date, without Qt.

It is the strip's own service (app.services.macro.MacroService): the bundled MOF snapshot merged with
the profile's poller cache (never the network), the bundled calendar overlaid by the calendar the user
imported (floating times in the user's zone), and the same staleness rule (app.core.macro.freshness):
a close more than 3 business days behind the Tokyo date is reported stale with its age, and the last
poll's outcome says whether MOF could be reached ("source_status": ok | unreachable | bundled).
"Now" for the countdowns is the end of the requested date's Tokyo close (15:00 JST) when --date is
given, so `--date 2026-01-20` shows the strip as it stood on that day; without --date it is the
current wall time and today's UTC date.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from app.core.macro.calendar import countdown_text
from app.core.macro.jgb import DEFAULT_STRIP_TENORS, TenorReading
from app.services.macro import MacroService, market_date


def _profile(profile: str) -> tuple[Path, Path | None]:
    """The profile's MOF cache and the calendar its user imported, read without changing anything."""
    from app.store.paths import profile_paths
    from app.store.settings import read_settings

    paths = profile_paths(profile)
    settings = read_settings(paths.settings_file)
    calendar = settings.user_calendar_path if settings is not None else None
    return paths.cache_dir / "mof", Path(calendar) if calendar else None


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def _reading_json(reading: TenorReading) -> dict[str, object]:
    return {
        "tenor": reading.tenor,
        "level": _number(reading.level),
        "change_bp": reading.change_bp,
        "record": reading.record,
        "highest_since": reading.highest_since.isoformat() if reading.highest_since else None,
        "big_move": reading.big_move,
        "data_date": reading.data_date.isoformat() if reading.data_date else None,
        "previous_date": reading.previous_date.isoformat() if reading.previous_date else None,
        "sparkline": [_number(v) for v in reading.sparkline],
    }


def _event_json(event, now_ms: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "title": event.title,
        "kind": event.kind,
        "impact": event.impact,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "all_day": event.all_day,
        "tz": event.tz,
        "starts_in_ms": event.start_ms - now_ms,
        "countdown": countdown_text(event.start_ms - now_ms),
        "source_url": event.source_url,
    }


def load_service(tenors: list[str], threshold_bp: float, profile: str) -> tuple[MacroService, list[str]]:
    """The strip's service for this profile, and warnings (a user calendar that no longer reads)."""
    cache_dir, user_calendar = _profile(profile)
    warnings: list[str] = []
    try:
        service = MacroService.load(cache_dir, user_calendar, tenors=tenors, threshold_bp=threshold_bp)
    except (OSError, ValueError) as error:
        if user_calendar is None:
            raise
        warnings.append(f"your calendar {user_calendar} could not be read ({error}); using the bundled one")
        service = MacroService.load(cache_dir, None, tenors=tenors, threshold_bp=threshold_bp)
    unknown = [tenor for tenor in tenors if tenor not in service.history.tenors]
    if unknown or not tenors:
        raise ValueError(f"no {', '.join(unknown) or 'tenor'} series (have {', '.join(service.history.tenors)})")
    return service, warnings


def build_report(on: date, now_ms: int, tenors: list[str], threshold_bp: float, profile: str) -> dict[str, object]:
    service, warnings = load_service(tenors, threshold_bp, profile)
    if market_date(now_ms) != on:
        raise ValueError(f"now ({now_ms}) is not on {on.isoformat()}")
    readings = service.readings(now_ms)
    fresh = service.freshness(now_ms)
    calendar = service.calendar
    data_date = fresh.data_date
    current, coming = service.events(now_ms, 5)
    return {
        "date": on.isoformat(),
        "source": f"MOF close, {data_date.isoformat()}" if data_date else "no MOF close on or before this date",
        "data_date": data_date.isoformat() if data_date else None,
        "stale": fresh.stale,
        "age_days": fresh.age_days,
        "business_days_behind": fresh.business_days_behind,
        "source_status": fresh.source,
        "source_detail": fresh.detail,
        "freshness": fresh.label,
        "threshold_bp": threshold_bp,
        "tenors": {r.tenor: _reading_json(r) for r in readings},
        "calendar_as_of": calendar.as_of.isoformat() if calendar.as_of else None,
        "now_ms": now_ms,
        "in_progress": [_event_json(e, now_ms) for e in current],
        "next_events": [_event_json(e, now_ms) for e in coming],
        "warnings": warnings,
    }


def _text_report(report: dict[str, object]) -> str:
    lines = [f"JGB yields for {report['date']} ({report['source']}; official closes, not intraday)"]
    if report["stale"] or report["source_status"] == "unreachable":
        lines.append(f"  STALE: {report['freshness']}" if report["stale"] else f"  NOTE: {report['freshness']}")
        if report["stale"]:
            lines.append(f"  (the changes below are those of {report['data_date']}, not of {report['date']})")
    for tenor, reading in report["tenors"].items():  # type: ignore[union-attr]
        if reading["level"] is None:
            lines.append(f"  {tenor:>4}  no value")
            continue
        change = f"{reading['change_bp']:+.1f}bp" if reading["change_bp"] is not None else "   n/a"
        flags = []
        if reading["record"]:
            flags.append("RECORD close")
        elif reading["highest_since"]:
            flags.append(f"highest since {reading['highest_since']}")
        if reading["big_move"]:
            flags.append(f"move > {report['threshold_bp']:g}bp")
        lines.append(f"  {tenor:>4}  {reading['level']:.3f}%  {change:>8}  {'; '.join(flags)}".rstrip())
    lines.append(f"Events (calendar as of {report['calendar_as_of']}):")
    for event in report["in_progress"]:  # type: ignore[union-attr]
        lines.append(f"  IN PROGRESS  {event['title']}")
    for event in report["next_events"]:  # type: ignore[union-attr]
        lines.append(f"  in {event['countdown']:>9}  {event['title']} [{event['impact']}]")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cascade macro", description="The macro strip's figures, headless.")
    parser.add_argument("--date", type=date.fromisoformat, help="YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--tenors", default=",".join(DEFAULT_STRIP_TENORS), help="comma-separated, e.g. 10Y,30Y")
    parser.add_argument("--threshold-bp", type=float, default=10.0, help="big-move flag threshold (default 10)")
    parser.add_argument("--profile", default="default", help="profile whose MOF cache to read")
    options = parser.parse_args(argv)
    if options.date is None:
        now_ms = int(time.time() * 1000)
        on = datetime.fromtimestamp(now_ms / 1000, UTC).date()
    else:
        on = options.date
        close = datetime(on.year, on.month, on.day, 15, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
        now_ms = int(close.timestamp() * 1000)
    tenors = [t.strip().upper() for t in options.tenors.split(",") if t.strip()]
    try:
        report = build_report(on, now_ms, tenors, options.threshold_bp, options.profile)
    except ValueError as error:
        print(f"cascade macro: {error}", file=sys.stderr)
        return 2
    for warning in report["warnings"]:  # type: ignore[attr-defined]
        print(f"cascade macro: {warning}", file=sys.stderr)
    print(json.dumps(report) if options.json else _text_report(report))
    return 0
