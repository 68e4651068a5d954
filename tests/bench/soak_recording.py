"""A 24 h-equivalent soak recording (issue 14 item 5), generated into a temp dir by the bench, never bundled.

The bundled 2026-01-20 scenario (resources/scenarios/2026-01-20.jsonl.gz: 4 h 10 min of event time, every
venue, liquidations and marks mixed, ~346k frames) is laid end to end in laps until `hours` of event time
are covered (24 h: 5.76 laps, ~2.0 M frames, ~23 frames per scenario second). Each lap is re-stamped so
the day is one continuous, distinct stream:

- every exchange timestamp moves by the lap's offset (epoch ms and epoch s numbers, ISO-8601 strings),
  with the day anchored at `start_ms` (the bench passes "now", so the app sees today's dates);
- every venue-given id is made distinct per lap (UUIDs: BitMEX order ids, dYdX trade ids; Deribit trade
  ids; Bitfinex position ids); venues without ids (Binance, Bybit, OKX, Gate, HTX, Bitget) get theirs
  from the app's parsers over the fields, which include the shifted timestamp;
- a lap after the first skips the scenario's first second (subscription snapshots).

Compression, and why this one: a quiet day is ~200 frames/s, 17 M frames — mostly marks, about 1 Hz per
symbol per venue, each replacing the last (a mark is state, not history: the app keeps the latest per
symbol). Liquidations are what the app accumulates (tape, SeenIds, stress buckets, history, alerts), and
here they come at the scenario's own density, a cascade's (heavier than a quiet day's 1-3/s): each lap
is a cascade evening. So this day thins the marks ~10x and keeps a busy day's liquidations; played at
×180 (24 h in 8 wall minutes) it is ~4,200 frames/s, within what the app sustains (tests/bench
bench_app.py rates), and every time-based structure sees 24 h of event time pass.

    python tests/bench/soak_recording.py --out /tmp/soak.jsonl.gz [--hours 24] [--verify]
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.replay.recording import Record, RecordingWriter, read_recording  # noqa: E402
from app.resources import resource_path  # noqa: E402

BUNDLED = resource_path("scenarios", "2026-01-20.jsonl.gz")
HOUR_MS = 3_600_000
SPAN_MS = 400 * 24 * HOUR_MS
"""Numbers within this of the scenario's start are timestamps (the REST candles reach 100 days back)."""

_NUMBER = re.compile(r"(?<![\w.])(\d{13}|\d{10})(?![\w.])")
_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d{1,6}))?Z")
_UUID = re.compile(r"([0-9a-f]{8})(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
_DERIBIT_ID = re.compile(r'("trade_id":"(?:[A-Z]+-)?)(\d+)"')
_BITFINEX_POS = re.compile(r'(\["pos",)(\d+),')


class Restamp:
    """Rewrites one recorded frame's text for a lap: timestamps shifted, ids made distinct."""

    def __init__(self, scenario_start_ms: int, shift_ms: int, lap: int) -> None:
        self.lo_ms, self.hi_ms = scenario_start_ms - SPAN_MS, scenario_start_ms + SPAN_MS
        self.shift_ms, self.lap = shift_ms, lap

    def _number(self, m: re.Match[str]) -> str:
        text = m.group(1)
        value = int(text)
        if len(text) == 13 and self.lo_ms <= value <= self.hi_ms:
            return str(value + self.shift_ms)
        if len(text) == 10 and self.lo_ms // 1000 <= value <= self.hi_ms // 1000:
            return str(value + self.shift_ms // 1000)
        return text

    def _iso(self, m: re.Match[str]) -> str:
        text = m.group(0)
        fraction = m.group(1)
        parsed = datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        micros = int((fraction or "0").ljust(6, "0"))
        moved = parsed + timedelta(microseconds=micros, milliseconds=self.shift_ms)
        head = moved.strftime("%Y-%m-%dT%H:%M:%S")
        if fraction is None:
            return head + "Z"
        return f"{head}.{moved.microsecond:06d}"[: len(head) + 1 + len(fraction)] + "Z"

    def _uuid(self, m: re.Match[str]) -> str:
        return f"{(int(m.group(1), 16) + self.lap * 0x9E3779B1) % (1 << 32):08x}{m.group(2)}"

    def __call__(self, text: str) -> str:
        text = _NUMBER.sub(self._number, text)
        text = _ISO.sub(self._iso, text)
        if self.lap:
            text = _UUID.sub(self._uuid, text)
            text = _DERIBIT_ID.sub(lambda m: f'{m.group(1)}{int(m.group(2)) + self.lap * 10**10}"', text)
            text = _BITFINEX_POS.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + self.lap * 10**10},", text)
        return text


def frames(records: list[Record], scenario_start_ms: int, lap_ms: int, start_ms: int, hours: float,
           lead_ms: int) -> Iterator[tuple[int, Record, str]]:
    """(offset after the recording's start, record, restamped text) of every websocket frame of the day."""
    day_ms = int(hours * HOUR_MS)
    for lap in range(math.ceil(day_ms / lap_ms)):
        restamp = Restamp(scenario_start_ms, start_ms - scenario_start_ms + lap * lap_ms, lap)
        for record in records:
            if lap and record.offset_ms < 1000:
                continue
            at = lap * lap_ms + record.offset_ms
            if at >= day_ms:
                return
            yield lead_ms + at, record, restamp(record.frame)


def write(out: Path, start_ms: int, hours: float = 24.0, lead_s: float = 6.0) -> dict[str, Any]:
    """The day as a recording at `out` whose clock starts `lead_s` before `start_ms` (the day's first
    event). Returns {"frames", "hours", "laps", "start_ms", "end_ms"}."""
    meta, records = read_recording(BUNDLED)
    scenario_start = int(meta["start_ms"])
    lap_ms = int(meta["end_ms"]) - scenario_start
    http: list[Record] = []
    ws: list[Record] = []
    for record in records:
        (http if record.kind == "http" else ws).append(record)
    lead_ms = int(lead_s * 1000)
    day_ms = int(hours * HOUR_MS)
    first = start_ms - lead_ms
    info = {"scenario": f"soak day ({hours:g} h of the 2026-01-20 scenario in laps)", "start_ms": first,
            "end_ms": start_ms + day_ms, "window_ms": [start_ms, start_ms + day_ms],
            "generator": "tests/bench/soak_recording.py", "synthetic": True}
    count = 0
    shift0 = Restamp(scenario_start, start_ms - scenario_start, 0)
    with RecordingWriter(out, {**meta, **info}) as writer:
        for record in http:  # every REST answer at once, stamped at the day's start
            writer.write_http(0, record.stream, record.method or "GET", record.path or "/", shift0(record.body or ""),
                              request=record.request)
        for offset, record, text in frames(ws, scenario_start, lap_ms, start_ms, hours, lead_ms):
            writer.write(offset, record.stream, text)
            count += 1
    return {"frames": count, "hours": hours, "laps": day_ms / lap_ms, "start_ms": start_ms,
            "end_ms": start_ms + day_ms}


def verify(path: Path) -> dict[str, int]:
    """Parse every frame with the app's own parsers: liquidations, distinct ids, timestamps in order per lap."""
    from app.core.errors import BadFrame
    from app.core.events import Liquidation
    from app.core.venues import registry

    meta, records = read_recording(path)
    ids: set[tuple[str, str]] = set()
    liquidations = 0
    lo, hi = int(meta["window_ms"][0]), int(meta["window_ms"][1])
    outside = 0
    for record in records:
        if record.kind != "ws":
            continue
        venue = record.stream.split("/", 1)[0]
        descriptor = registry.by_name(venue)
        try:
            events = descriptor.parse(record.frame, meta["start_ms"] + record.offset_ms)
        except BadFrame:
            continue
        for event in events:
            if isinstance(event, Liquidation):
                liquidations += 1
                ids.add((event.venue, event.id))
                outside += not lo - 60_000 <= event.ts_ms <= hi + 60_000
    return {"liquidations": liquidations, "distinct_ids": len(ids), "outside_day": outside}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--verify", action="store_true", help="parse it back: liquidations and distinct ids")
    options = parser.parse_args(argv)
    t0 = time.perf_counter()
    print(write(options.out, int(time.time()) * 1000, options.hours), f"{time.perf_counter() - t0:.1f} s")
    if options.verify:
        print(verify(options.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
