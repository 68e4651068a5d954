"""`cascade summarize RECORDING [--window 24h] [--json]`: the headline figures of a recording, as the
summary pane shows them, without Qt.

The recording (app/replay/recording.py: gzip JSON lines) is read as fast as it can be, every websocket
frame through its venue's own parser (the connection specs the app builds for the recording's streams,
with the watched accounts its meta names) and every liquidation into the same core aggregator the app
uses (app.core.stress.StressAggregator); the window is measured back from the recording's last
liquidation. Headline lines come from app.services.stress.headline, the summary pane's builder.

Coverage: a recording keeps no gap record (nor the pings that keep a quiet connection alive), so a
venue counts as observed from the first frame of its streams (the latest-starting one) to the window's
end.

`--json` keys: count, total_usd, long_share (0-1 or null), by_venue and by_coin (each entry
long_usd, short_usd, long_count, short_count, count), largest (venue, symbol, notional_usd, ts_ms, or
null), completeness (per venue), coverage (observed ms per venue). A missing or unreadable recording:
one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.core.errors import BadFrame
from app.core.events import Liquidation
from app.core.stress import (
    BUCKET_MS,
    SideSplit,
    StressAggregator,
    WindowStats,
    parse_window,
    window_coverage,
    window_name,
)
from app.core.venues import registry

EXIT_BAD_INPUT = 2


class SummaryError(Exception):
    """The recording cannot be summarised (missing, not a recording, damaged): one line for the user."""


class Summary:
    """The figures of one window of a recording (what --json prints)."""

    def __init__(self, stats: WindowStats, completeness: dict[str, str], coverage: dict[str, int],
                 bad_frames: int, frames: int) -> None:
        self.stats = stats
        self.completeness = completeness
        self.coverage = coverage
        self.bad_frames = bad_frames
        self.frames = frames

    def to_json(self) -> dict[str, Any]:
        stats = self.stats
        largest = stats.largest
        return {
            "count": stats.totals.count,
            "total_usd": stats.totals.total_usd,
            "long_share": stats.totals.long_share,
            "by_venue": {venue: _split(split) for venue, split in stats.by_venue.items()},
            "by_coin": {coin: _split(split) for coin, split in stats.by_coin.items()},
            "largest": None if largest is None else {"venue": largest.venue, "symbol": largest.symbol,
                                                     "notional_usd": largest.notional_usd, "ts_ms": largest.ts_ms},
            "completeness": dict(self.completeness),
            "coverage": dict(self.coverage),
        }


def _split(split: SideSplit) -> dict[str, float | int]:
    return {"long_usd": split.long_usd, "short_usd": split.short_usd, "long_count": split.long_count,
            "short_count": split.short_count, "count": split.count}


def _bucket_for(span_ms: int) -> int:
    for bucket in (BUCKET_MS, 1_000):
        if span_ms % bucket == 0:
            return bucket
    raise SummaryError(f"window of {span_ms} ms is not a whole number of seconds")


def summarize(path: str, span_ms: int = 24 * 3_600_000) -> Summary:
    """Replay `path` through the venue parsers into a StressAggregator with one window of `span_ms`."""
    from app.core.instruments import load_bundled
    from app.replay.recording import RecordingError, read_recording
    from app.services.runtime import connection_specs, recorded_venues

    name = window_name(span_ms)
    try:
        meta, records = read_recording(path)
    except FileNotFoundError:
        raise SummaryError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SummaryError(f"{path}: is a directory, not a recording") from None
    except (RecordingError, OSError) as exc:
        raise SummaryError(str(exc).splitlines()[0] if str(exc) else f"{path}: not a readable recording") from None
    streams = [str(s) for s in meta.get("streams") or ()]
    watched_meta = meta.get("watched_accounts")
    watched = {str(v): [str(a) for a in addresses] for v, addresses in watched_meta.items()
               if isinstance(addresses, list)} if isinstance(watched_meta, dict) else {}
    instruments = load_bundled()
    venues = recorded_venues(streams)
    specs = {spec.stream: spec for spec in connection_specs(venues, None, instruments, watched=watched,
                                                            streams=streams or None)}
    states = {stream: spec.new_state() if spec.new_state is not None else None for stream, spec in specs.items()}
    start_ms = int(meta["start_ms"])
    aggregator = StressAggregator({name: span_ms}, bucket_ms=_bucket_for(span_ms))
    frames = bad = 0
    first_frame: dict[str, int] = {}
    try:
        for record in records:
            if record.kind != "ws":
                continue
            spec = specs.get(record.stream)
            if spec is None:
                continue  # a stream of a venue Cascade does not parse: not counted, not guessed
            received_ms = start_ms + record.offset_ms
            frames += 1
            if record.stream not in first_frame:
                first_frame[record.stream] = received_ms
            try:
                events = spec.parse(record.frame, received_ms, instruments, states[record.stream])
            except BadFrame:
                bad += 1
                continue
            for event in events:
                if isinstance(event, Liquidation):
                    aggregator.add(event)
    except (RecordingError, OSError, EOFError, ValueError) as exc:
        raise SummaryError(f"{path}: damaged recording ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
                           ) from None
    stats = aggregator.window(name)
    end_ms = stats.end_ms
    window_start = end_ms - span_ms
    coverage: dict[str, int] = {}
    completeness: dict[str, str] = {}
    for venue in venues:
        descriptor = registry.by_name(venue)
        if not descriptor.publishes_liquidations:
            continue
        completeness[venue] = descriptor.completeness
        observed = 0
        for stream in descriptor.streams:
            if stream not in first_frame:
                continue
            seen = window_coverage(window_start, end_ms, first_frame[stream], ())
            observed = seen if observed == 0 else min(observed, seen)
        coverage[venue] = observed
    return Summary(stats, completeness, coverage, bad, frames)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cascade summarize",
        description="The headline liquidation figures of a recording (as the summary pane shows them).")
    parser.add_argument("recording", help="a Cascade recording (.jsonl.gz), e.g. the bundled scenario")
    parser.add_argument("--window", default="24h",
                        help="span measured back from the recording's last liquidation (default 24h; e.g. 4h, 90m)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--local", action="store_true", help="times in the local zone (default UTC)")
    options = parser.parse_args(argv)
    try:
        span_ms = parse_window(options.window)
    except ValueError as exc:
        print(f"cascade summarize: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        summary = summarize(options.recording, span_ms)
    except SummaryError as exc:
        print(f"cascade summarize: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if options.json:
        print(json.dumps(summary.to_json(), indent=2))
        return 0
    from app.services.stress import headline

    for line in headline(summary.stats, summary.coverage, summary.completeness, local=options.local).lines:
        print(line)
    if summary.bad_frames:
        print(f"({summary.bad_frames} of {summary.frames} frames could not be read)")
    return 0
