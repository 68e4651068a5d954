"""Seeded generator of the bundled 2026-01-20 demo scenario.

    python -m app.scenario.generator [--out PATH]

writes resources/scenarios/2026-01-20.jsonl.gz (the recording format of app.replay.recording):
10 calm minutes from 18:50 UTC, then the sharp 4 hours 19:00-23:00 UTC, for Binance USDⓈ-M,
Bybit (linear, inverse) and OKX (SWAP), the liquidation feeds of Bitget, Gate, Deribit and BitMEX and
small flows on Bitfinex, dYdX and HTX (venues.py), plus Hyperliquid marks and one watched synthetic address
(hyperliquid.py: websocket frames and `POST /info` answers). Same seed, same bytes: every random draw comes from a named
`random.Random` substream and every number is printed from integer tick/lot counts.

How it works: prices.py draws the per-second price paths, plan.py the liquidations (time, market,
side, USD), wire.py prints them and the marks as each venue's frames; this module orders them and
writes the recording with app.replay.recording.RecordingWriter.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from app.replay.recording import RecordingWriter
from app.resources import resource_path
from app.scenario import hyperliquid, market_data, venues
from app.scenario.calibration import (
    HTTP_STREAMS,
    SCENARIO,
    SEED,
    START_MS,
    STREAMS,
    WINDOW_END_MS,
    WINDOW_START_MS,
)
from app.scenario.markets import VENUES
from app.scenario.plan import plan_calm, plan_cascade, sample_binance, stress
from app.scenario.prices import price_paths
from app.scenario.wire import liquidation_frames, mark_frames, to_fill


def default_out() -> Path:
    return resource_path("scenarios", f"{SCENARIO}.jsonl.gz")


# --- the whole recording --------------------------------------------------------------------------

def generate(seed: int = SEED) -> Iterator[tuple[int, str, str]]:
    """(offset_ms, stream, frame) of every websocket frame of the recording, in wire order."""
    for at_ms, stream, text, _ in _timeline(seed):
        if text is not None:
            yield at_ms - START_MS, stream, text


def _timeline(seed: int) -> Iterator[tuple[int, str, str | None, tuple[str, str, str, str] | None]]:
    """(epoch ms, stream, ws frame, None) and (epoch ms, stream, None, (method, path, request, answer)),
    in time order up to the scenario's end."""
    paths = price_paths(seed)
    long_w, short_w = stress(paths["BTC"], random.Random(f"{seed}:stress"))
    weights = {True: long_w, False: short_w}
    liqs = plan_calm(seed)
    for venue in VENUES:
        liqs += plan_cascade(venue, weights, seed)
    binance = sample_binance([x for x in liqs if x.market.venue == "binance"])
    others = sorted((x for x in liqs if x.market.venue != "binance"),
                    key=lambda x: (x.ts_ms, x.market.stream, x.market.symbol))
    price_rng = random.Random(f"{seed}:prices")
    fills = [to_fill(x, paths, price_rng) for x in binance + others]
    hl_frames, hl_http = hyperliquid.frames(paths)
    wire = mark_frames(paths) + liquidation_frames(fills, random.Random(f"{seed}:wire")) + hl_frames
    wire += venues.frames(paths, weights, seed)  # own substreams: the frames above stay byte-identical
    wire.sort(key=lambda f: (f[0], f[1]))  # stable: the other venues' frames keep their order
    # REST answers (Hyperliquid info, then open interest and candles: market_data.py), in time order.
    answers = iter(sorted(hl_http + market_data.answers(paths, seed), key=lambda answer: answer[0]))
    pending = next(answers, None)
    for at_ms, _, stream, text in wire:
        if at_ms >= WINDOW_END_MS:  # nothing after the scenario's end
            break
        while pending is not None and pending[0] <= at_ms:
            yield pending[0], pending[1], None, pending[2:]
            pending = next(answers, None)
        yield at_ms, stream, text, None


def write(out: Path, seed: int = SEED) -> None:
    meta = {
        "scenario": SCENARIO, "start_ms": START_MS, "end_ms": WINDOW_END_MS, "streams": list(STREAMS),
        "window_ms": [WINDOW_START_MS, WINDOW_END_MS], "seed": seed, "synthetic": True,
        "generator": "python -m app.scenario.generator",
        "http_streams": [*HTTP_STREAMS, *market_data.HTTP_STREAMS], "watched_accounts": hyperliquid.WATCHED,
        "description": "Calibrated reconstruction of what public Binance, Bybit, OKX, Bitget, Gate, Deribit, "
                       "BitMEX, Bitfinex, dYdX and HTX feeds would have carried on 2026-01-20 18:50-23:00 UTC (see "
                       "resources/docs/scenarios.md), with Hyperliquid marks and one watched synthetic address.",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with RecordingWriter(tmp, meta) as writer:
        for at_ms, stream, text, http in _timeline(seed):
            if text is not None:
                writer.write(at_ms - START_MS, stream, text)
            else:
                assert http is not None
                method, path, request, answer = http
                writer.write_http(at_ms - START_MS, stream, method, path, answer, request=request)
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.scenario.generator",
                                     description="Write the bundled 2026-01-20 demo scenario.")
    parser.add_argument("--out", type=Path, default=None, help="output path (default: the bundled file)")
    args = parser.parse_args(argv)
    out = args.out or default_out()
    started = time.perf_counter()
    write(out)
    print(f"wrote {out} ({out.stat().st_size:,} bytes) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
