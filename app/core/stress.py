"""Market stress: rolling liquidation totals over 5 min / 1 h / 4 h / 12 h / 24 h (issue 12).

Pure and Qt-free: no clock reads (the caller passes market time), no I/O.

How it works
------------
Time is cut into buckets of `bucket_ms` (10 s by default) kept in a ring of `longest window /
bucket_ms` slots, so memory is bounded however long it runs (`retained_buckets` <= ring size). Each
bucket holds, per (venue, coin, side) cell, a count and a USD sum, plus its largest single
liquidation (never one whose completeness is ``aggregated``: such a record may sum several orders).
Each window keeps running sums of the same cells over the buckets it covers: an event adds to its
bucket and to the windows covering it (O(1) per event, one cell per window); when the head bucket
moves on, the buckets leaving a window are subtracted once (O(1) amortised per bucket of time).
The largest per window is cached and only re-found (a scan of that window's buckets) after the
bucket that held it expired.

Window semantics (at bucket resolution): with head bucket ``h = now_ms // bucket_ms`` a window of
``n = span_ms // bucket_ms`` buckets covers the events with ``h - n < ts_ms // bucket_ms <= h``,
i.e. ``ts_ms >= (h - n + 1) * bucket_ms``: the last ``span_ms`` ending at the end of the current
bucket. `in_window` states this once; tests re-scan with it.

Time: the head follows market time (`advance(now_ms)`, the `MarketClock` in the app; the last
event in `cascade summarize`). Late events are filed by their own ``ts_ms``; an event older than
the longest window is counted in `too_old`, not added. An event ahead of the last `advance` by more
than `future_ms` (a venue's broken timestamp) is counted in `too_new`, not added, so it cannot
expire every window at once; within that tolerance it moves the head on.

API (stable; other modules build on it)::

    agg = StressAggregator()              # WINDOWS_MS, 10 s buckets
    agg.advance(now_ms)                   # market time moved on (idempotent, never goes back)
    agg.add(liq) / agg.add_many(liqs)     # file liquidations by ts_ms
    agg.window("1h") -> WindowStats       # immutable totals of one window
    agg.view(...) -> StressView           # every window, rates, coverage, a cumulative series
    agg.series("24h", points) -> CumulativeSeries
    agg.by_venue_coin("1h") -> {(venue, coin): SideSplit}   # on demand (e.g. liq / OI per venue set)
    agg.recent_rate_per_s(60_000), agg.rate_per_s("1h")
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import msgspec

from app.core.coverage import observed_ms
from app.core.events import Liquidation

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
WINDOWS_MS: dict[str, int] = {
    "5m": 5 * MINUTE_MS,
    "1h": HOUR_MS,
    "4h": 4 * HOUR_MS,
    "12h": 12 * HOUR_MS,
    "24h": 24 * HOUR_MS,
}
"""The rolling windows, shortest first (names are what the UI and `--window` show)."""
SELECTABLE_WINDOWS: tuple[str, ...] = ("1h", "4h", "12h", "24h")
"""What the panes' window selector offers."""
BUCKET_MS = 10_000
FUTURE_MS = 5 * MINUTE_MS
"""An event this far ahead of market time is a broken timestamp: counted (`too_new`), not added."""
RECENT_RATE_MS = MINUTE_MS
"""The short span whose rate is compared with the trailing hour's for a spike."""


def parse_window(text: str) -> int:
    """`"24h"`, `"90m"`, `"1d"`, `"300s"` -> ms. Raises ValueError on anything else."""
    text = text.strip().lower()
    units = {"s": 1_000, "m": MINUTE_MS, "h": HOUR_MS, "d": 24 * HOUR_MS}
    if len(text) < 2 or text[-1] not in units:
        raise ValueError(f"not a window: {text!r} (e.g. 24h, 4h, 90m)")
    try:
        number = float(text[:-1])
    except ValueError:
        raise ValueError(f"not a window: {text!r} (e.g. 24h, 4h, 90m)") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"not a window: {text!r} (must be positive)")
    return int(number * units[text[-1]])


def window_name(span_ms: int) -> str:
    """The short name of a span: 86_400_000 -> "24h", 300_000 -> "5m"."""
    for name, span in WINDOWS_MS.items():
        if span == span_ms:
            return name
    if span_ms % HOUR_MS == 0:
        return f"{span_ms // HOUR_MS}h"
    if span_ms % MINUTE_MS == 0:
        return f"{span_ms // MINUTE_MS}m"
    return f"{span_ms // 1000}s"


def in_window(ts_ms: int, now_ms: int, span_ms: int, bucket_ms: int = BUCKET_MS) -> bool:
    """Whether an event at `ts_ms` is inside the window of `span_ms` at market time `now_ms` (at
    bucket resolution, as the aggregator files it)."""
    head = now_ms // bucket_ms
    return head - span_ms // bucket_ms < ts_ms // bucket_ms <= head


# --- immutable results ----------------------------------------------------------------------------


class SideSplit(msgspec.Struct, frozen=True, gc=False):
    """Long and short liquidations (the side of the liquidated position): USD and count."""

    long_usd: float = 0.0
    short_usd: float = 0.0
    long_count: int = 0
    short_count: int = 0

    @property
    def total_usd(self) -> float:
        return self.long_usd + self.short_usd

    @property
    def count(self) -> int:
        return self.long_count + self.short_count

    @property
    def long_share(self) -> float | None:
        """Longs' share of the USD total (0-1); None when nothing was liquidated."""
        total = self.total_usd
        return self.long_usd / total if total > 0 else None


class Largest(msgspec.Struct, frozen=True, gc=False):
    """The largest single liquidation of a window (never an `aggregated` record)."""

    venue: str
    symbol: str
    coin: str
    side: str
    notional_usd: float
    ts_ms: int


class WindowStats(msgspec.Struct, frozen=True, gc=False):
    """One window's totals at `end_ms`: overall, by venue and by coin (each split long/short)."""

    name: str
    span_ms: int
    start_ms: int  # first ms covered (bucket resolution)
    end_ms: int  # market time of the figures
    totals: SideSplit
    by_venue: dict[str, SideSplit]
    by_coin: dict[str, SideSplit]
    largest: Largest | None
    rate_per_s: float  # liquidations per second over the window (or the part of it seen so far)


class CumulativeSeries(msgspec.Struct, frozen=True, gc=False):
    """Cumulative long and short USD over a window, one point per step (end of each step, ms)."""

    window: str
    t_ms: tuple[int, ...]
    long_usd: tuple[float, ...]
    short_usd: tuple[float, ...]


class StressView(msgspec.Struct, frozen=True, gc=False):
    """Everything the stress panes paint, built once per tick (immutable).

    `coverage[window][venue]`: observed ms of the venue inside that window (gaps excluded);
    `completeness[venue]`: the venue's label (all / sampled / aggregated / partial)."""

    now_ms: int
    selected: str  # the window the panes show (one selector shared by them)
    windows: dict[str, WindowStats]
    recent_rate_per_s: float  # over the last RECENT_RATE_MS
    trailing_hour_rate_per_s: float
    too_old: int = 0
    too_new: int = 0
    coverage: dict[str, dict[str, int]] = {}
    completeness: dict[str, str] = {}
    series: CumulativeSeries | None = None  # of the selected window

    @property
    def current(self) -> WindowStats:
        return self.windows[self.selected]


def window_coverage(start_ms: int, now_ms: int, first_live_ms: int | None,
                    gaps: Iterable[tuple[int, int | None]]) -> int:
    """Observed ms of one venue inside [start_ms, now_ms): listened to since `first_live_ms`, minus
    its gaps (the existing gap record, see app.core.coverage)."""
    if first_live_ms is None:
        return 0
    return observed_ms(max(first_live_ms, start_ms), now_ms, gaps)


# --- the aggregator -------------------------------------------------------------------------------

_Cell = list  # [count, usd]: mutable, for speed
_Key = tuple[str, str, bool]  # (venue, coin, long?)


class _Bucket:
    __slots__ = ("cells", "count", "index", "largest", "long_usd", "short_usd")

    def __init__(self, index: int) -> None:
        self.index = index
        self.cells: dict[_Key, _Cell] = {}
        self.count = 0
        self.long_usd = 0.0
        self.short_usd = 0.0
        self.largest: Liquidation | None = None


class _Window:
    """Running sums per venue and per coin ([long usd, short usd, long count, short count] each), so
    reading a window costs its venues and coins, not every (venue, coin) pair."""

    __slots__ = ("coins", "count", "largest", "largest_valid", "n", "name", "pairs", "span_ms", "totals", "venues")

    def __init__(self, name: str, span_ms: int, n: int) -> None:
        self.name = name
        self.span_ms = span_ms
        self.n = n
        self.clear()

    def clear(self) -> None:
        self.venues: dict[str, list[float]] = {}
        self.coins: dict[str, list[float]] = {}
        self.pairs: dict[tuple[str, str], list[float]] = {}  # (venue, coin)
        self.totals: list[float] = [0.0, 0.0, 0, 0]
        self.count = 0
        self.largest: Liquidation | None = None
        self.largest_valid = True


@dataclass(slots=True)
class _SeriesMemo:
    """The last series built (StressAggregator.series): its steps until `last_start` are complete."""

    window: str
    points: int
    first: int
    step: int
    last_start: int
    t: list[int]
    longs: list[float]
    shorts: list[float]


class StressAggregator:
    """Rolling liquidation totals per window; see the module docstring for the semantics."""

    def __init__(self, windows: Mapping[str, int] | None = None, bucket_ms: int = BUCKET_MS,
                 future_ms: int = FUTURE_MS) -> None:
        spans = dict(WINDOWS_MS if windows is None else windows)
        if not spans or bucket_ms <= 0:
            raise ValueError("need at least one window and a positive bucket")
        for name, span in spans.items():
            if span <= 0 or span % bucket_ms:
                raise ValueError(f"window {name} ({span} ms) is not a whole number of {bucket_ms} ms buckets")
        self.bucket_ms = bucket_ms
        self.future_ms = future_ms
        self._windows = [_Window(name, span, span // bucket_ms)
                         for name, span in sorted(spans.items(), key=lambda item: item[1])]
        self._by_name = {w.name: w for w in self._windows}
        self._size = self._windows[-1].n  # ring slots: the longest window's buckets
        self._ring: list[_Bucket | None] = [None] * self._size
        self._keys: dict[_Key, _Key] = {}  # the cells' keys, shared by every bucket (soak: bounded memory)
        self._head: int | None = None  # bucket index of market time
        self._now_ms: int | None = None  # latest market time seen (advance or an event)
        self._clock_ms: int | None = None  # latest advance(): the reference for too_new
        self._first_ms: int | None = None  # when the aggregator started seeing time (for rates)
        self.retained_buckets = 0
        self.added = 0
        self.too_old = 0
        self.too_new = 0
        self.version = 0  # bumped on every change (add or head move): for caching views
        self._series_memo: _SeriesMemo | None = None  # the last series, its complete steps reused
        self._touched: int | None = None  # the lowest bucket an event went into since the last series

    # -- properties ---------------------------------------------------------------------------

    @property
    def window_names(self) -> tuple[str, ...]:
        return tuple(w.name for w in self._windows)

    @property
    def ring_size(self) -> int:
        return self._size

    @property
    def now_ms(self) -> int | None:
        return self._now_ms

    def span_ms(self, window: str) -> int:
        return self._by_name[window].span_ms

    # -- feeding ------------------------------------------------------------------------------

    def advance(self, now_ms: int) -> None:
        """Market time is now `now_ms`: windows drop what fell out of them. Never goes back."""
        self._clock_ms = now_ms if self._clock_ms is None else max(self._clock_ms, now_ms)
        self._move_to(now_ms)

    def start_at(self, ms: int) -> None:
        """Rates count time from here (a refill's start) rather than from the first event seen."""
        self._first_ms = ms if self._first_ms is None else min(self._first_ms, ms)

    def add_many(self, liquidations: Iterable[Liquidation]) -> None:
        add = self.add
        for liq in liquidations:
            add(liq)

    def add(self, liq: Liquidation) -> None:
        ts = liq.ts_ms
        bucket_ms = self.bucket_ms
        b = ts // bucket_ms
        head = self._head
        if head is None or b > head:
            if self._clock_ms is not None and ts > self._clock_ms + self.future_ms:
                self.too_new += 1
                return
            self._move_to(ts)
            head = b
        elif b <= head - self._size:
            self.too_old += 1
            return
        elif ts > self._now_ms:  # type: ignore[operator]
            self._now_ms = ts
        slot = b % self._size
        bucket = self._ring[slot]
        if bucket is None:
            bucket = self._ring[slot] = _Bucket(b)
            self.retained_buckets += 1
        usd = liq.notional_usd
        venue = liq.venue
        coin = liq.coin
        long = liq.side == "long"
        key = (venue, coin, long)
        cell = bucket.cells.get(key)
        if cell is None:  # one key tuple per (venue, coin, side) for every bucket: 8,640 buckets hold a day
            bucket.cells[self._keys.setdefault(key, key)] = [1, usd]
        else:
            cell[0] += 1
            cell[1] += usd
        bucket.count += 1
        if long:
            bucket.long_usd += usd
        else:
            bucket.short_usd += usd
        single = liq.completeness != "aggregated"
        if single and (bucket.largest is None or usd > bucket.largest.notional_usd):
            bucket.largest = liq
        if b != head:
            self._add_late(liq, b, head, venue, coin, long, usd, single)
        touched = self._touched
        if touched is None or b < touched:
            self._touched = b
        self.added += 1
        self.version += 1

    def _add_late(self, liq: Liquidation, b: int, head: int, venue: str, coin: str, long: bool, usd: float,
                  single: bool) -> None:
        """An event for a bucket already folded into the windows: added to those still covering it."""
        usd_at = 0 if long else 1
        count_at = usd_at + 2
        for window in self._windows:
            if b <= head - window.n:
                continue  # too late for this (shorter) window
            acc = window.venues.get(venue)
            if acc is None:
                acc = window.venues[venue] = [0.0, 0.0, 0, 0]
            acc[usd_at] += usd
            acc[count_at] += 1
            acc = window.coins.get(coin)
            if acc is None:
                acc = window.coins[coin] = [0.0, 0.0, 0, 0]
            acc[usd_at] += usd
            acc[count_at] += 1
            acc = window.pairs.get((venue, coin))
            if acc is None:
                acc = window.pairs[(venue, coin)] = [0.0, 0.0, 0, 0]
            acc[usd_at] += usd
            acc[count_at] += 1
            acc = window.totals
            acc[usd_at] += usd
            acc[count_at] += 1
            window.count += 1
            if single and window.largest_valid and (window.largest is None or usd > window.largest.notional_usd):
                window.largest = liq

    def _fold(self, bucket: _Bucket) -> None:
        """The head bucket is complete (time moved on): its sums join every window, once."""
        for window in self._windows:
            venues = window.venues
            coins = window.coins
            pairs = window.pairs
            totals = window.totals
            for (venue, coin, long), (count, usd) in bucket.cells.items():
                usd_at = 0 if long else 1
                count_at = usd_at + 2
                for table, key in ((venues, venue), (coins, coin), (pairs, (venue, coin))):
                    acc = table.get(key)  # type: ignore[attr-defined]
                    if acc is None:
                        acc = table[key] = [0.0, 0.0, 0, 0]
                    acc[usd_at] += usd
                    acc[count_at] += count
                totals[usd_at] += usd
                totals[count_at] += count
            window.count += bucket.count
            largest = bucket.largest
            if largest is not None and window.largest_valid and (
                    window.largest is None or largest.notional_usd > window.largest.notional_usd):
                window.largest = largest

    def _move_to(self, ms: int) -> None:
        if self._now_ms is None or ms > self._now_ms:
            self._now_ms = ms
        if self._first_ms is None:
            self._first_ms = ms
        new_head = ms // self.bucket_ms
        old = self._head
        if old is None:
            self._head = new_head
            self.version += 1
            return
        if new_head <= old:
            return
        ring = self._ring
        size = self._size
        current = ring[old % size]
        if current is not None and current.index == old:
            self._fold(current)
        for window in self._windows:
            n = window.n
            if new_head - n >= old:  # everything it held has left
                window.clear()
                continue
            for index in range(old - n + 1, new_head - n + 1):
                bucket = ring[index % size]
                if bucket is not None and bucket.index == index:
                    self._subtract(window, bucket)
        if new_head - size >= old:
            self._ring = [None] * size
            self.retained_buckets = 0
            self._series_memo = None
        else:
            for index in range(old - size + 1, new_head - size + 1):
                slot = index % size
                bucket = ring[slot]
                if bucket is not None and bucket.index == index:
                    ring[slot] = None
                    self.retained_buckets -= 1
        self._head = new_head
        self.version += 1

    @staticmethod
    def _subtract(window: _Window, bucket: _Bucket) -> None:
        venues = window.venues
        coins = window.coins
        pairs = window.pairs
        totals = window.totals
        for (venue, coin, long), (count, usd) in bucket.cells.items():
            usd_at = 0 if long else 1
            count_at = usd_at + 2
            for table, key in ((venues, venue), (coins, coin), (pairs, (venue, coin))):
                acc = table[key]  # type: ignore[index]
                acc[count_at] -= count
                if acc[count_at] <= 0:
                    acc[count_at] = 0
                    acc[usd_at] = 0.0  # exactly zero again: no float residue kept
                    if acc[2 + (1 - usd_at)] <= 0:
                        del table[key]  # type: ignore[attr-defined]
                else:
                    acc[usd_at] -= usd
            totals[count_at] -= count
            if totals[count_at] <= 0:
                totals[count_at] = 0
                totals[usd_at] = 0.0
            else:
                totals[usd_at] -= usd
        window.count -= bucket.count
        if bucket.largest is not None and bucket.largest is window.largest:
            window.largest_valid = False

    # -- reading ------------------------------------------------------------------------------

    def _buckets(self, n: int) -> list[_Bucket]:
        """The live buckets of the last `n`, oldest first."""
        head = self._head
        if head is None:
            return []
        ring = self._ring
        size = self._size
        out = []
        for index in range(head - min(n, size) + 1, head + 1):
            bucket = ring[index % size]
            if bucket is not None and bucket.index == index:
                out.append(bucket)
        return out

    def _current(self) -> _Bucket | None:
        """The head bucket (events of the current `bucket_ms`), not yet folded into the windows."""
        if self._head is None:
            return None
        bucket = self._ring[self._head % self._size]
        return bucket if bucket is not None and bucket.index == self._head else None

    def _largest(self, window: _Window) -> Liquidation | None:
        current = self._current()
        if not window.largest_valid:
            best: Liquidation | None = None
            for bucket in self._buckets(window.n):
                if bucket is current:
                    continue
                if bucket.largest is not None and (best is None or bucket.largest.notional_usd > best.notional_usd):
                    best = bucket.largest
            window.largest = best
            window.largest_valid = True
        best = window.largest
        if current is not None and current.largest is not None and (
                best is None or current.largest.notional_usd > best.notional_usd):
            return current.largest
        return best

    def _elapsed_ms(self, span_ms: int) -> int:
        if self._first_ms is None or self._head is None:
            return span_ms
        seen = (self._head + 1) * self.bucket_ms - self._first_ms
        return max(1_000, min(span_ms, seen))

    def rate_per_s(self, window: str) -> float:
        """Liquidations per second over the window (over the part of it seen so far, when younger)."""
        w = self._by_name[window]
        return self.count(window) / (self._elapsed_ms(w.span_ms) / 1000)

    def recent_rate_per_s(self, span_ms: int = RECENT_RATE_MS) -> float:
        """Liquidations per second over the last `span_ms` (rounded up to whole buckets)."""
        n = max(1, -(-span_ms // self.bucket_ms))
        count = sum(bucket.count for bucket in self._buckets(n))
        return count / (self._elapsed_ms(n * self.bucket_ms) / 1000)

    def count(self, window: str) -> int:
        current = self._current()
        return self._by_name[window].count + (current.count if current is not None else 0)

    def window(self, name: str) -> WindowStats:
        w = self._by_name[name]
        current = self._current()
        if current is None:
            by_venue, by_coin, total = w.venues, w.coins, w.totals
        else:  # the head bucket is not folded in yet: add it here
            by_venue = {key: list(acc) for key, acc in w.venues.items()}
            by_coin = {key: list(acc) for key, acc in w.coins.items()}
            total = list(w.totals)
            for (venue, coin, long), (count, usd) in current.cells.items():
                usd_at = 0 if long else 1
                for table, key in ((by_venue, venue), (by_coin, coin)):
                    acc = table.get(key)
                    if acc is None:
                        acc = table[key] = [0.0, 0.0, 0, 0]
                    acc[usd_at] += usd
                    acc[usd_at + 2] += count
                total[usd_at] += usd
                total[usd_at + 2] += count
        largest = self._largest(w)
        head = self._head if self._head is not None else 0
        now = self._now_ms if self._now_ms is not None else 0

        def split(acc: Sequence[float]) -> SideSplit:
            return SideSplit(acc[0], acc[1], int(acc[2]), int(acc[3]))

        return WindowStats(
            name=w.name,
            span_ms=w.span_ms,
            start_ms=(head - w.n + 1) * self.bucket_ms,
            end_ms=now,
            totals=split(total),
            by_venue={key: split(acc) for key, acc in sorted(by_venue.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))},
            by_coin={key: split(acc) for key, acc in sorted(by_coin.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))},
            largest=None if largest is None else Largest(largest.venue, largest.symbol, largest.coin, largest.side,
                                                         largest.notional_usd, largest.ts_ms),
            rate_per_s=self.rate_per_s(name),
        )

    def by_venue_coin(self, window: str) -> dict[tuple[str, str], SideSplit]:
        """The window's totals per (venue, coin): for ratios whose numerator and denominator must cover
        the same venues (liquidations / open interest). Costs the number of pairs: call it when needed."""
        w = self._by_name[window]
        pairs = {key: list(acc) for key, acc in w.pairs.items()}
        current = self._current()
        if current is not None:
            for (venue, coin, long), (count, usd) in current.cells.items():
                acc = pairs.get((venue, coin))
                if acc is None:
                    acc = pairs[(venue, coin)] = [0.0, 0.0, 0, 0]
                usd_at = 0 if long else 1
                acc[usd_at] += usd
                acc[usd_at + 2] += count
        return {key: SideSplit(acc[0], acc[1], int(acc[2]), int(acc[3])) for key, acc in pairs.items()}

    def series(self, window: str, points: int = 480) -> CumulativeSeries:
        """Cumulative long and short USD across the window from its first liquidation to now, at most
        `points` steps (buckets merged); empty when the window holds nothing.

        Built again each second for the chart, over up to a day of buckets (8,640: ~1.2 ms): the steps
        before the one holding the lowest bucket an event went into since the last call, and before the
        last (partial) step, are reused when the window, the first bucket and the step are the same."""
        w = self._by_name[window]
        head = self._head
        touched, self._touched = self._touched, None
        memo, self._series_memo = self._series_memo, None
        if head is None:
            return CumulativeSeries(window, (), (), ())
        ring = self._ring
        size = self._size
        lowest = head - w.n + 1
        same = memo is not None and memo.window == window and memo.points == points
        first = lowest
        if same and (touched is None or touched >= memo.first):  # type: ignore[union-attr]
            first = max(lowest, memo.first)  # type: ignore[union-attr]  # (nothing earlier filled since)
        while first <= head and (ring[first % size] is None or ring[first % size].index != first):  # type: ignore[union-attr]
            first += 1  # from the window's first liquidation: no flat run before it
        if first > head:
            return CumulativeSeries(window, (), (), ())
        step = max(1, -(-(head - first + 1) // max(1, points)))
        t: list[int] = []
        longs: list[float] = []
        shorts: list[float] = []
        cum_long = cum_short = 0.0
        begin = first
        if same and memo.first == first and memo.step == step:  # type: ignore[union-attr]
            redo = memo.last_start if touched is None else min(touched, memo.last_start)  # type: ignore[union-attr]
            kept = max(0, (redo - first) // step)
            t, longs, shorts = memo.t[:kept], memo.longs[:kept], memo.shorts[:kept]  # type: ignore[union-attr]
            if kept:
                cum_long, cum_short = longs[-1], shorts[-1]
            begin = first + kept * step
        last_start = begin
        for start in range(begin, head + 1, step):
            last_start = start
            for index in range(start, min(start + step, head + 1)):
                bucket = ring[index % size]
                if bucket is not None and bucket.index == index:
                    cum_long += bucket.long_usd
                    cum_short += bucket.short_usd
            t.append(min(start + step, head + 1) * self.bucket_ms)
            longs.append(cum_long)
            shorts.append(cum_short)
        self._series_memo = _SeriesMemo(window, points, first, step, last_start, t, longs, shorts)
        return CumulativeSeries(window, tuple(t), tuple(longs), tuple(shorts))

    def view(self, selected: str = "24h", *, coverage: Mapping[str, tuple[int | None, Sequence[tuple[int, int | None]]]]
             | None = None, completeness: Mapping[str, str] | None = None, series_points: int | None = 480,
             now_ms: int | None = None) -> StressView:
        """Every window's figures. `coverage`: per venue (first live ms or None, its gaps) -> observed
        ms per window; `series_points`: None = no cumulative series (cheaper)."""
        if now_ms is not None:
            self.advance(now_ms)
        windows = {w.name: self.window(w.name) for w in self._windows}
        now = self._now_ms if self._now_ms is not None else 0
        cover: dict[str, dict[str, int]] = {}
        if coverage:
            for name, stats in windows.items():
                start = now - stats.span_ms  # the span itself: "observed 21 h 40 m of 24 h"
                cover[name] = {venue: window_coverage(start, now, first, gaps)
                               for venue, (first, gaps) in coverage.items()}
        selected = selected if selected in windows else self._windows[-1].name
        return StressView(
            now_ms=now,
            selected=selected,
            windows=windows,
            recent_rate_per_s=self.recent_rate_per_s(),
            trailing_hour_rate_per_s=self.rate_per_s("1h") if "1h" in windows else 0.0,
            too_old=self.too_old,
            too_new=self.too_new,
            coverage=cover,
            completeness=dict(completeness or {}),
            series=None if series_points is None else self.series(selected, series_points),
        )
