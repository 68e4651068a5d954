"""Market stress orchestration (Qt-free): the engine's `StressAggregator` turned into one immutable
`StressView` per snapshot, the window the panes show, the coverage inputs from the connections' gap
record (and, after a live restart, the history's), and the refill from the history store."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

import msgspec

from app.core.formatting import compact_usd, format_clock
from app.core.stress import (
    SELECTABLE_WINDOWS,
    WINDOWS_MS,
    Largest,
    SideSplit,
    StressAggregator,
    StressView,
    WindowStats,
)
from app.core.venues import registry

CoverageInputs = dict[str, tuple[int | None, list[tuple[int, int | None]]]]
"""Per venue: (first live ms or None, its gaps): what `StressAggregator.view(coverage=...)` takes."""

CHEAP_BUILD_S = 0.002
SLOW_REBUILD_TICKS = 5
"""A view that took longer than CHEAP_BUILD_S to build (hundreds of coins, a long series) is rebuilt at
most every SLOW_REBUILD_TICKS ticks while the figures change (2 Hz at the default 10 Hz repaint); a
cheap one every tick. A new window selection is always shown at the next tick."""


class GapSource(Protocol):
    venue: str
    first_live_ms: int | None
    gaps: list[tuple[int, int | None]]


class StoredGap(Protocol):
    venue: str
    start_ms: int
    end_ms: int


class HistoryCoverage(msgspec.Struct, frozen=True):
    """What the history says about the time before this run (a live restart's refill): observed from
    `since_ms` except the stored gaps, and not at all from `resume_ms` (the previous run's last moment,
    or the refill's time) until this run's connections went live."""

    since_ms: int
    resume_ms: int
    gaps: dict[str, tuple[tuple[int, int], ...]] = {}


def coverage_inputs(statuses: Iterable[GapSource], history: HistoryCoverage | None = None,
                    venues: Sequence[str] = ()) -> CoverageInputs:
    """Per venue: when it was first listened to and its gaps (a gap on any of its connections is a gap
    of the venue, as in the venue record). With a refill, coverage starts at the history's start."""
    out: CoverageInputs = {venue: (None, []) for venue in venues}
    for status in statuses:
        first, gaps = out.get(status.venue, (None, []))
        if status.first_live_ms is not None:
            first = status.first_live_ms if first is None else min(first, status.first_live_ms)
        out[status.venue] = (first, gaps + list(status.gaps))
    if history is not None:
        for venue in set(out) | set(history.gaps):
            first, gaps = out.get(venue, (None, []))
            stored = [(start, end) for start, end in history.gaps.get(venue, ())]
            out[venue] = (history.since_ms, [*stored, (history.resume_ms, first), *gaps])
    return out


REFILL_SLICE_MS = 3_600_000
"""The refill reads the stored liquidations an hour at a time: memory holds one slice, not a whole day."""


class LiquidationReader(Protocol):
    def liquidations_between(self, start_ms: int, end_ms: int) -> list[Any]: ...


def stored_liquidations(history: LiquidationReader, start_ms: int, end_ms: int,
                        slice_ms: int = REFILL_SLICE_MS) -> Iterator[Any]:
    """The committed liquidations of [start_ms, end_ms), oldest first, read slice by slice."""
    for begin in range(start_ms, end_ms, slice_ms):
        yield from history.liquidations_between(begin, min(begin + slice_ms, end_ms))


def load_from_history(liquidations: Iterable[object], stored_gaps: Iterable[StoredGap], since_ms: int, now_ms: int,
                      resume_ms: int | None = None) -> tuple[StressAggregator, HistoryCoverage]:
    """A fresh aggregator holding the stored liquidations of [since_ms, now_ms) (run off the loop
    thread; the engine takes it before the feeds start) and the coverage the history records."""
    aggregator = StressAggregator()
    aggregator.advance(now_ms)
    aggregator.start_at(since_ms)
    aggregator.add_many(liquidations)  # type: ignore[arg-type]
    gaps: dict[str, list[tuple[int, int]]] = {}
    for gap in stored_gaps:
        gaps.setdefault(gap.venue, []).append((gap.start_ms, gap.end_ms))
    coverage = HistoryCoverage(since_ms, now_ms if resume_ms is None else min(resume_ms, now_ms),
                               {venue: tuple(spans) for venue, spans in gaps.items()})
    return aggregator, coverage


class StressService:
    """Holds the selected window and builds the view of the engine's aggregator, cached between
    ticks when nothing changed."""

    def __init__(self, aggregator: Callable[[], StressAggregator], selected: str = "24h") -> None:
        self._aggregator = aggregator  # the engine's (replaced on a refill): read each time
        self.selected = selected if selected in WINDOWS_MS else "24h"
        self._view: StressView | None = None
        self._key: tuple[object, ...] | None = None
        self._ticks = 0
        self._rebuild_every = 1  # SLOW_REBUILD_TICKS after a slow build

    def select(self, window: str) -> None:
        if window not in SELECTABLE_WINDOWS:
            raise ValueError(f"no such window: {window!r} (one of {', '.join(SELECTABLE_WINDOWS)})")
        self.selected = window

    def view(self, now_ms: int, coverage: Mapping[str, tuple[int | None, Sequence[tuple[int, int | None]]]],
             completeness: Mapping[str, str], force: bool = False) -> StressView:
        aggregator = self._aggregator()
        aggregator.advance(now_ms)
        self._ticks += 1
        key = (id(aggregator), aggregator.version, self.selected)
        view = self._view
        first = view is None or view.selected != self.selected
        due = self._ticks >= self._rebuild_every
        changed = key != self._key or (view is not None and now_ms - view.now_ms >= 1_000)  # coverage moves
        if force or first or (due and changed):
            began = time.perf_counter()
            view = self._view = aggregator.view(self.selected, coverage=coverage, completeness=completeness)
            self._rebuild_every = SLOW_REBUILD_TICKS if time.perf_counter() - began > CHEAP_BUILD_S else 1
            self._key = key
            self._ticks = 0
        assert view is not None
        return view


# --- the headline: one builder for the summary pane and `cascade summarize` -----------------------

UNDERCOUNTING = ("sampled", "partial", "aggregated")
"""Completeness labels whose venue's totals are a lower bound (every order is not in the feed)."""


def span_text(ms: int) -> str:
    """'21 h 40 m', '4 h', '35 m', '45 s': an observed span, whole minutes above an hour."""
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} m" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} m"
    return f"{secs} s"


class Headline(msgspec.Struct, frozen=True):
    """The headline figures of one window, and their lines of text (the summary pane shows exactly
    these; `cascade summarize` prints them)."""

    window: str
    span_ms: int
    count: int
    total_usd: float
    long_usd: float
    long_share: float | None
    largest: Largest | None
    observed_ms: int | None  # the least-observed venue that was ever listened to in the window
    undercount: dict[str, tuple[str, ...]]  # label -> display names of the venues with that label
    lines: tuple[str, ...]

    @property
    def caveat(self) -> str:
        return self.lines[-1] if self.undercount else ""


def headline(stats: WindowStats, coverage: Mapping[str, int], completeness: Mapping[str, str],
             local: bool = False) -> Headline:
    """"Past 24 h: N liquidations, $X" / "longs Y%" / "largest: venue symbol $Z at HH:MM" /
    "observed 21 h 40 m of 24 h" / "sampled venues undercount: …", from one window's figures."""
    totals = stats.totals
    share = totals.long_share
    lines = [f"Past {span_text(stats.span_ms)}: {totals.count:,} liquidations, {compact_usd(totals.total_usd)}"]
    lines.append("Longs —" if share is None else
                 f"Longs {share * 100:.1f}% ({compact_usd(totals.long_usd)}) · shorts {(1 - share) * 100:.1f}% "
                 f"({compact_usd(totals.short_usd)})")
    largest = stats.largest
    if largest is not None:
        lines.append(f"Largest: {display_name(largest.venue)} {largest.symbol} {compact_usd(largest.notional_usd)} "
                     f"{largest.side} at {format_clock(largest.ts_ms, local)[:5]}{'' if local else ' UTC'}")
    else:
        lines.append("Largest: —")
    seen = [ms for ms in coverage.values() if ms > 0]
    observed = min(seen) if seen else None
    lines.append("Observed: nothing yet" if observed is None else
                 f"Observed {span_text(min(observed, stats.span_ms))} of {span_text(stats.span_ms)}")
    undercount: dict[str, list[str]] = {}
    venues = registry.publishing_liquidations(list(dict.fromkeys([*completeness, *stats.by_venue])))
    for venue in venues:
        label = completeness.get(venue) or registry_completeness(venue)
        if label in UNDERCOUNTING:
            undercount.setdefault(label, []).append(display_name(venue))
    if undercount:
        ordered = sorted(undercount.items(), key=lambda kv: UNDERCOUNTING.index(kv[0]))
        parts = [f"{label.capitalize() if i == 0 else label} venues undercount: {', '.join(names)}"
                 for i, (label, names) in enumerate(ordered)]
        lines.append(" · ".join(parts))
    return Headline(stats.name, stats.span_ms, totals.count, totals.total_usd, totals.long_usd, share, largest,
                    observed, {label: tuple(names) for label, names in undercount.items()}, tuple(lines))


def display_name(venue: str) -> str:
    descriptor = registry.find(venue)
    return descriptor.display_name if descriptor is not None else venue


def registry_completeness(venue: str) -> str:
    descriptor = registry.find(venue)
    return descriptor.completeness if descriptor is not None else ""


class BarRow(NamedTuple):
    """One bar of the per-venue or per-coin chart: long and short stacked."""

    key: str
    label: str
    long_usd: float
    short_usd: float
    count: int


def bar_rows(by: Mapping[str, SideSplit], limit: int = 8, venues: bool = False) -> list[BarRow]:
    """The largest `limit` entries by USD (venues by display name), the rest summed as "Other"."""
    ranked = sorted(by.items(), key=lambda kv: -kv[1].total_usd)
    rows = [BarRow(key, display_name(key) if venues else key, split.long_usd, split.short_usd, split.count)
            for key, split in ranked[:limit]]
    rest = ranked[limit:]
    if rest:
        rows.append(BarRow("", f"Other ({len(rest)})", sum(s.long_usd for _, s in rest),
                           sum(s.short_usd for _, s in rest), sum(s.count for _, s in rest)))
    return rows
