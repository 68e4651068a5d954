"""`cascade macro [--date YYYY-MM-DD] [--json]`: what the macro strip shows for a date, without Qt.

Data: the bundled MOF snapshot merged with the poller's cache (never the network); events: the
bundled calendar. "Now" for the countdowns is the end of the requested date's Tokyo close (15:00
JST) when --date is given, so `--date 2026-01-20` shows the strip as it stood on that day; without
--date it is the current wall time and today's UTC date.
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

from app.core.macro.calendar import countdown_text, in_progress, load_calendar, next_events
from app.core.macro.jgb import DEFAULT_STRIP_TENORS, TenorReading, strip_view
from app.feeds.mof_poller import load_history
from app.resources import resource_path


def _cache_dir(profile: str) -> Path | None:
    try:
        from app.store.paths import profile_paths
    except ImportError:  # the store layer is optional for this read-only command
        return None
    return profile_paths(profile).cache_dir / "mof"


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


def build_report(on: date, now_ms: int, tenors: list[str], threshold_bp: float, profile: str) -> dict[str, object]:
    history = load_history(_cache_dir(profile))
    readings = strip_view(history, on, tenors, threshold_bp)
    calendar = load_calendar(resource_path("macro", "events.ics").read_bytes())
    data_date = next((r.data_date for r in readings if r.data_date), None)
    return {
        "date": on.isoformat(),
        "source": f"MOF close, {data_date.isoformat()}" if data_date else "no MOF close on or before this date",
        "data_date": data_date.isoformat() if data_date else None,
        "threshold_bp": threshold_bp,
        "tenors": {r.tenor: _reading_json(r) for r in readings},
        "calendar_as_of": calendar.as_of.isoformat() if calendar.as_of else None,
        "now_ms": now_ms,
        "in_progress": [_event_json(e, now_ms) for e in in_progress(calendar.events, now_ms)],
        "next_events": [_event_json(e, now_ms) for e in next_events(calendar.events, now_ms, 5)],
    }


def _text_report(report: dict[str, object]) -> str:
    lines = [f"JGB yields for {report['date']} ({report['source']}; official closes, not intraday)"]
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
    print(json.dumps(report) if options.json else _text_report(report))
    return 0
