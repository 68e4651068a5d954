"""Seeded generator of the 2025-10-10 stress profile (resources/docs/scenarios.md "2025-10-10/11" and
"Replay profiles to support"): ~500 liquidations/s market-wide with bursts ×5, 85% longs, on every
liquidation feed (Binance sampled to one order per symbol per second, as it publishes), with the marks
of the bundled 2026-01-20 scenario over the same minutes. For the benchmarks (tests/bench/bench_app.py);
never bundled.

    python -m app.scenario.stress_profile --out /tmp/p.jsonl.gz [--seconds 60] [--lead 5]

The liquidations are printed by the same wire printers as the bundled scenario (wire.py, venues.py), on
its price paths, from the start of its cascade (19:00 UTC); only their rate and shape differ. The
recording's clock starts `lead` seconds before the first frame (time for the app to connect).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from app.replay.recording import RecordingWriter, read_recording
from app.replay.server import frame_topic
from app.resources import resource_path
from app.scenario import venues as later
from app.scenario.calibration import SEED, START_MS
from app.scenario.markets import markets_of
from app.scenario.plan import MEDIAN_ORDER_USD, Liq, coin_share, order_sizes, sample_binance
from app.scenario.prices import CASCADE_OFFSET_S, price_paths
from app.scenario.wire import Frame, liquidation_frames, to_fill

BASE_RATE = 500
"""Liquidations per second market-wide outside bursts (the 2025-10-10 peak: ~500 accounts/s)."""
BURST = 5
LONG_SHARE = 0.85
VENUE_SHARE = {"bybit": 0.30, "binance": 0.20, "okx": 0.15, "bitget": 0.08, "gate": 0.07, "bitmex": 0.06,
               "htx": 0.05, "bitfinex": 0.03, "dydx": 0.03, "deribit": 0.03}
MARK_TOPICS = ("tickers", "markPrice", "activeAssetCtx", "mark-price", "clearinghouseState")
"""The bundled scenario's non-liquidation topics: its marks (and the watched address), kept as they are."""
WINDOW_START_MS = START_MS + CASCADE_OFFSET_S * 1000


def burst_seconds(seconds: int, rng: random.Random) -> list[bool]:
    """Seconds inside a burst: one starts with probability 4% a second and lasts 3-8 s (~20% of time)."""
    out: list[bool] = []
    left = 0
    for _ in range(seconds):
        if left == 0 and rng.random() < 0.04:
            left = rng.randint(3, 8)
        out.append(left > 0)
        left = max(0, left - 1)
    return out


def plan(seconds: int, seed: int = SEED, base_rate: int = BASE_RATE) -> list[Liq]:
    rng = random.Random(f"{seed}:stress-profile")
    bursts = burst_seconds(seconds, rng)
    names = list(VENUE_SHARE)
    weights = list(VENUE_SHARE.values())
    markets = {venue: markets_of(venue) for venue in names}
    shares = {venue: [coin_share(venue, m.coin) * m.share for m in markets[venue]] for venue in names}
    out: list[Liq] = []
    for t in range(seconds):
        count = base_rate * (BURST if bursts[t] else 1)
        for venue in rng.choices(names, weights, k=count):
            market = rng.choices(markets[venue], shares[venue])[0]
            size = order_sizes(rng, MEDIAN_ORDER_USD[market.coin], 1)[0]
            out.append(Liq(market, WINDOW_START_MS + t * 1000 + rng.randrange(1000), rng.random() < LONG_SHARE,
                           size))
    return out


def liquidation_wire(seconds: int, seed: int = SEED, base_rate: int = BASE_RATE) -> list[Frame]:
    paths = price_paths(seed)
    by_venue: dict[str, list[Liq]] = defaultdict(list)
    for liq in plan(seconds, seed, base_rate):
        by_venue[liq.market.venue].append(liq)
    for liqs in by_venue.values():
        liqs.sort(key=lambda x: (x.ts_ms, x.market.symbol, x.long))
    rng = random.Random(f"{seed}:stress-profile:wire")
    big3 = sample_binance(by_venue["binance"]) + by_venue["bybit"] + by_venue["okx"]
    wire = liquidation_frames([to_fill(x, paths, rng) for x in big3], rng)
    wire += later.bitget_frames(by_venue["bitget"], paths, rng)
    wire += later.gate_frames(sample_binance(by_venue["gate"]), paths, rng)
    wire += later.deribit_frames(by_venue["deribit"], paths, rng)
    wire += later.bitmex_frames(by_venue["bitmex"], paths, rng)
    wire += later.bitfinex_frames(by_venue["bitfinex"], paths, rng)
    wire += later.dydx_frames(by_venue["dydx"], paths, rng)
    wire += later.htx_frames(by_venue["htx"], paths, rng)
    return wire


def timeline(seconds: int, seed: int = SEED, base_rate: int = BASE_RATE,
             marks_from: Path | None = None) -> Iterator[tuple[int, str, str]]:
    """(epoch ms, stream, frame) of the profile's websocket frames in time order: the generated
    liquidations and the bundled scenario's marks over the same `seconds`."""
    end_ms = WINDOW_START_MS + seconds * 1000
    frames = [(max(at, WINDOW_START_MS), order, stream, text)  # a venue's opening frames: at the start
              for at, order, stream, text in liquidation_wire(seconds, seed, base_rate) if at < end_ms]
    _, records = read_recording(marks_from or resource_path("scenarios", "2026-01-20.jsonl.gz"))
    for record in records:
        at = START_MS + record.offset_ms
        if record.kind != "ws" or at >= end_ms:
            if at >= end_ms:
                break
            continue
        if at < WINDOW_START_MS and at >= START_MS + 1000:
            continue  # the first second (subscription snapshots) and the window only
        topic = frame_topic(record.stream.split("/", 1)[0], record.frame) or ""
        if topic.startswith(MARK_TOPICS):
            frames.append((max(at, WINDOW_START_MS), 0, record.stream, record.frame))
    frames.sort(key=lambda f: (f[0], f[1]))
    for at, _, stream, text in frames:
        yield at, stream, text


def write(out: Path, seconds: int, lead_s: float = 5.0, seed: int = SEED, base_rate: int = BASE_RATE) -> dict[str, int]:
    """The profile as a recording at `out`; returns {"frames": n, "liquidations_planned": m}."""
    meta_source, _ = read_recording(resource_path("scenarios", "2026-01-20.jsonl.gz"))
    lead_ms = int(lead_s * 1000)
    end_ms = WINDOW_START_MS + seconds * 1000
    meta = {**meta_source, "scenario": "2025-10-10 profile", "start_ms": WINDOW_START_MS - lead_ms,
            "end_ms": end_ms, "window_ms": [WINDOW_START_MS, end_ms],
            "generator": "python -m app.scenario.stress_profile",
            "description": f"2025-10-10 stress profile: ~{base_rate} liquidations/s, bursts x{BURST}"}
    frames = 0
    with RecordingWriter(out, meta) as writer:
        for at, stream, text in timeline(seconds, seed, base_rate):
            writer.write(at - WINDOW_START_MS + lead_ms, stream, text)
            frames += 1
    return {"frames": frames, "liquidations_planned": len(plan(seconds, seed, base_rate))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.scenario.stress_profile", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seconds", type=int, default=60, help="scenario seconds (default 60)")
    parser.add_argument("--lead", type=float, default=5.0, help="seconds before the first frame (default 5)")
    parser.add_argument("--rate", type=int, default=BASE_RATE, help=f"liquidations/s outside bursts ({BASE_RATE})")
    options = parser.parse_args(argv)
    print(write(options.out, options.seconds, options.lead, base_rate=options.rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
