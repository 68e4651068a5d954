"""Per-second reference price paths of the scenario (one float per second from START_MS).

BTC follows a hand-placed skeleton (reported shape: ~$92.5k at 19:00, low near $87.8k in late US
hours, back above $89k at 23:00) plus seeded noise pinned to zero at every skeleton point (a Brownian
bridge), so the reported levels hold exactly while the tape in between looks alive. The other coins
move in sympathy: their log return is a multiple (beta) of BTC's skeleton return plus part of BTC's
noise plus their own bridge noise.
"""

from __future__ import annotations

import itertools
import math
import random
from typing import NamedTuple

from app.scenario.calibration import END_MS, PRICE_PATH, SEED, START_MS, WINDOW_START_MS

DURATION_S = (END_MS - START_MS) // 1000
CASCADE_OFFSET_S = (WINDOW_START_MS - START_MS) // 1000

# (minutes after 18:50 UTC, BTC price): a slide in legs with relief bounces, the low at 22:05.
BTC_SKELETON: tuple[tuple[int, float], ...] = (
    (0, 92_650.0), (5, 92_580.0), (10, PRICE_PATH["BTC"].start), (22, 92_380.0), (35, 91_650.0),
    (48, 91_950.0), (70, 90_900.0), (82, 91_150.0), (105, 90_100.0), (118, 90_350.0),
    (140, 89_300.0), (152, 89_550.0), (172, 88_600.0), (185, 88_850.0), (195, PRICE_PATH["BTC"].low),
    (203, 88_350.0), (212, 88_150.0), (228, 88_800.0), (240, 88_650.0), (250, PRICE_PATH["BTC"].end),
)


class Sympathy(NamedTuple):
    start: float  # price at 19:00 UTC
    beta: float  # multiple of BTC's log return
    noise: float  # own noise, log per sqrt(second)


_BTC_DROP = math.log(PRICE_PATH["BTC"].low / PRICE_PATH["BTC"].start)
SYMPATHY: dict[str, Sympathy] = {
    # ETH's beta puts its low exactly at the calibrated level when BTC bottoms.
    "ETH": Sympathy(PRICE_PATH["ETH"].start, math.log(PRICE_PATH["ETH"].low / PRICE_PATH["ETH"].start)
                    / _BTC_DROP, 0.00004),
    "SOL": Sympathy(133.0, 1.45, 0.00007),
    "XRP": Sympathy(1.98, 1.35, 0.00007),
    "DOGE": Sympathy(0.128, 1.6, 0.00008),
    "PEPE": Sympathy(0.0000052, 1.8, 0.0001),
}
BTC_NOISE = 0.00005


def _skeleton_log() -> list[float]:
    """ln(BTC) per second, linear in log space between skeleton points."""
    out = [0.0] * (DURATION_S + 1)
    for (m0, p0), (m1, p1) in itertools.pairwise(BTC_SKELETON):
        t0, t1 = m0 * 60, m1 * 60
        a, b = math.log(p0), math.log(p1)
        for t in range(t0, t1 + 1):
            out[t] = a + (b - a) * (t - t0) / (t1 - t0)
    return out


def _bridge_noise(rng: random.Random, sigma: float) -> list[float]:
    """Random walk per second, pinned to 0 at every skeleton point (Brownian bridge per segment)."""
    out = [0.0] * (DURATION_S + 1)
    for (m0, _), (m1, _) in itertools.pairwise(BTC_SKELETON):
        t0, t1 = m0 * 60, m1 * 60
        walk = [0.0]
        for _ in range(t1 - t0):
            walk.append(walk[-1] + rng.gauss(0.0, sigma))
        end = walk[-1]
        n = t1 - t0
        for i in range(n + 1):
            out[t0 + i] = walk[i] - end * i / n
    return out


def price_paths(seed: int = SEED) -> dict[str, list[float]]:
    """{coin: [price at START_MS + 1000*t for t in 0..DURATION_S]}."""
    skeleton = _skeleton_log()
    ref = skeleton[CASCADE_OFFSET_S]
    btc_noise = _bridge_noise(random.Random(f"{seed}:noise:BTC"), BTC_NOISE)
    paths = {"BTC": [math.exp(s + n) for s, n in zip(skeleton, btc_noise, strict=True)]}
    for coin, sym in SYMPATHY.items():
        own = _bridge_noise(random.Random(f"{seed}:noise:{coin}"), sym.noise)
        base = math.log(sym.start)
        paths[coin] = [
            math.exp(base + sym.beta * (s - ref) + 0.8 * sym.beta * bn + on)
            for s, bn, on in zip(skeleton, btc_noise, own, strict=True)
        ]
    return paths
