"""Liquidations / open interest, per coin and market-wide, for each rolling window (pure).

- Numerator and denominator over the SAME (venue, coin) pairs: a venue counts for a coin only when it
  has both a public liquidation feed for it and a known open interest at the window's start. Venues with
  liquidations but no OI (or OI but no liquidation feed, e.g. Hyperliquid) are left out of both sides and
  listed, so the ratio is never liquidations of eight venues over the OI of three.
- OI is taken at the window's START (the latest sample at or before it): OI falls during a cascade, so
  today's OI would overstate the ratio. When the history does not reach back that far (the app started
  later), the earliest sample is used and `oi_from_ms` says when it is from.
- Beside the ratio: the weakest completeness of its venues (`all` > `aggregated` > `sampled` >
  `partial`), so a ratio built on a sampled feed says so.

`OiHistory` keeps a small bounded history of OI samples per (venue, symbol); it sums a coin's symbols on
a venue (BTCUSDT + BTCUSD inverse) at a moment. Time is market time (the MarketClock), never read here.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping

import msgspec

from app.core.events import Completeness, OpenInterest

MAX_SAMPLES = 2_000
"""Per (venue, symbol): at one poll a minute, a day and a half."""
KEEP_MS = 25 * 3_600_000
"""Samples older than the longest window (24 h) plus one hour are dropped, except the newest such one
(the value at a 24 h window's start)."""
SPACING_MS = 60_000
"""Samples closer than this to the one before the newest replace the newest (a websocket's OI at 1 Hz
keeps one sample a minute plus the latest), so the bounded history always spans a day."""
COMPLETENESS_RANK: dict[str, int] = {"all": 3, "aggregated": 2, "sampled": 1, "partial": 0}


def weakest(values: Iterable[str]) -> Completeness | None:
    ranked = sorted(set(values), key=lambda c: COMPLETENESS_RANK.get(c, -1))
    return ranked[0] if ranked else None  # type: ignore[return-value]


class OiPoint(msgspec.Struct, frozen=True, gc=False):
    usd: float
    ts_ms: int  # when the sample was taken (the OI's own time)


class _Series:
    __slots__ = ("coin", "times", "usd")

    def __init__(self, coin: str) -> None:
        self.coin = coin
        self.times: list[int] = []
        self.usd: list[float] = []


class OiHistory:
    """Open interest samples per (venue, symbol), oldest first, bounded in count and age."""

    def __init__(self, max_samples: int = MAX_SAMPLES, keep_ms: int = KEEP_MS, spacing_ms: int = SPACING_MS) -> None:
        self.max_samples = max_samples
        self.keep_ms = keep_ms
        self.spacing_ms = spacing_ms
        self._series: dict[tuple[str, str], _Series] = {}

    def add(self, oi: OpenInterest) -> None:
        series = self._series.get((oi.venue, oi.symbol))
        if series is None:
            series = self._series[(oi.venue, oi.symbol)] = _Series(oi.coin)
        if series.times and oi.ts_ms <= series.times[-1]:
            if oi.ts_ms == series.times[-1]:
                series.usd[-1] = oi.usd  # the same sample again (a re-poll inside the venue's cadence)
                return
            index = bisect.bisect_right(series.times, oi.ts_ms)  # late: filed by its own time
            series.times.insert(index, oi.ts_ms)
            series.usd.insert(index, oi.usd)
        elif len(series.times) >= 2 and oi.ts_ms - series.times[-2] < self.spacing_ms:
            series.times[-1] = oi.ts_ms  # the newest moves on; the one-a-minute samples stay
            series.usd[-1] = oi.usd
        else:
            series.times.append(oi.ts_ms)
            series.usd.append(oi.usd)
        self._trim(series)

    def _trim(self, series: _Series) -> None:
        cutoff = series.times[-1] - self.keep_ms
        drop = max(0, bisect.bisect_left(series.times, cutoff) - 1)  # keep one sample at/before the cutoff
        drop = max(drop, len(series.times) - self.max_samples)
        if drop:
            del series.times[:drop]
            del series.usd[:drop]

    def samples(self) -> int:
        return sum(len(s.times) for s in self._series.values())

    def venues(self) -> set[str]:
        return {venue for venue, _ in self._series}

    def latest(self, venue: str, coin: str) -> OiPoint | None:
        """The venue's current OI of a coin: its symbols' latest samples summed, timed by the oldest."""
        points = [OiPoint(s.usd[-1], s.times[-1]) for (v, _), s in self._series.items()
                  if v == venue and s.coin == coin and s.times]
        return _sum(points, oldest=True)

    def at(self, venue: str, coin: str, at_ms: int) -> OiPoint | None:
        """The venue's OI of a coin at `at_ms`: per symbol the latest sample at or before it, else the
        earliest sample (then `ts_ms` > at_ms says the history does not reach back that far)."""
        points = []
        for (v, _), s in self._series.items():
            if v != venue or s.coin != coin or not s.times:
                continue
            index = bisect.bisect_right(s.times, at_ms) - 1
            index = max(index, 0)
            points.append(OiPoint(s.usd[index], s.times[index]))
        return _sum(points, oldest=False)

    def pairs(self) -> set[tuple[str, str]]:
        return {(venue, s.coin) for (venue, _), s in self._series.items() if s.times}


def _sum(points: list[OiPoint], oldest: bool) -> OiPoint | None:
    """The parts summed, timed by the oldest part (`latest`: a figure is as old as its oldest input) or
    the newest (`at`: a part whose history starts after the moment makes the whole later)."""
    if not points:
        return None
    times = [p.ts_ms for p in points]
    return OiPoint(sum(p.usd for p in points), min(times) if oldest else max(times))


class LiqOi(msgspec.Struct, frozen=True, gc=False):
    """One coin's (or the market's: coin "") ratio for one window."""

    coin: str
    window_ms: int
    liquidations_usd: float  # over `venues` only
    oi_usd: float  # at the window's start, over `venues`
    ratio: float | None  # liquidations / OI; None without OI
    venues: tuple[str, ...]  # the venues on both sides
    left_out: tuple[str, ...]  # venues with liquidations for it but no OI (or the reverse)
    completeness: Completeness | None  # the weakest of `venues`
    oi_from_ms: int | None  # the oldest OI sample used; > window start: the history starts later


def liq_oi(
    window_ms: int,
    now_ms: int,
    liquidations: Mapping[tuple[str, str], float],
    history: OiHistory,
    completeness: Mapping[str, str],
    coins: Iterable[str] | None = None,
) -> tuple[dict[str, LiqOi], LiqOi]:
    """Per coin and market-wide ratios for the window [now − window_ms, now).

    `liquidations[(venue, coin)]`: the window's liquidated USD (the aggregator's view), for venues with
    a public liquidation feed. `completeness[venue]`: the venue's feed. `coins`: those to report
    (default: every coin with liquidations or OI)."""
    start = now_ms - window_ms
    oi_pairs = history.pairs()
    wanted = set(coins) if coins is not None else {c for _, c in liquidations} | {c for _, c in oi_pairs}
    per_coin: dict[str, LiqOi] = {}
    all_liq = all_oi = 0.0
    all_venues: set[str] = set()
    all_out: set[str] = set()
    all_from: list[int] = []
    for coin in sorted(wanted):
        liq_venues = {v for (v, c) in liquidations if c == coin}
        oi_venues = {v for (v, c) in oi_pairs if c == coin}
        both = sorted(liq_venues & oi_venues)
        liq = sum(liquidations[(v, coin)] for v in both)
        points = [p for v in both if (p := history.at(v, coin, start)) is not None]
        oi = sum(p.usd for p in points)
        oi_from = max((p.ts_ms for p in points), default=None)
        left_out = tuple(sorted(liq_venues ^ oi_venues))
        per_coin[coin] = LiqOi(coin, window_ms, liq, oi, liq / oi if oi > 0 else None, tuple(both), left_out,
                               weakest(completeness.get(v, "partial") for v in both), oi_from)
        all_liq += liq
        all_oi += oi
        all_venues.update(both)
        all_out.update(left_out)
        if oi_from is not None:
            all_from.append(oi_from)
    market = LiqOi("", window_ms, all_liq, all_oi, all_liq / all_oi if all_oi > 0 else None,
                   tuple(sorted(all_venues)), tuple(sorted(all_out - all_venues)),
                   weakest(completeness.get(v, "partial") for v in all_venues), max(all_from, default=None))
    return per_coin, market
