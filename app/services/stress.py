"""Market stress orchestration (Qt-free): the engine's `StressAggregator` turned into one immutable
`StressView` per snapshot, the window the panes show, the coverage inputs from the connections' gap
record (and, after a live restart, the history's), and the refill from the history store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

import msgspec

from app.core.stress import SELECTABLE_WINDOWS, WINDOWS_MS, StressAggregator, StressView

CoverageInputs = dict[str, tuple[int | None, list[tuple[int, int | None]]]]
"""Per venue: (first live ms or None, its gaps): what `StressAggregator.view(coverage=...)` takes."""

REBUILD_EVERY_TICKS = 3
"""The view is rebuilt at most every this many ticks while the figures change (and at once when the
window selection changes): a few Hz is plenty for totals, and keeps a busy tick cheap."""


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

    def __init__(self, aggregator: Callable[[], StressAggregator], selected: str = "24h",
                 rebuild_every: int = REBUILD_EVERY_TICKS) -> None:
        self._aggregator = aggregator  # the engine's (replaced on a refill): read each time
        self.selected = selected if selected in WINDOWS_MS else "24h"
        self._rebuild_every = max(1, rebuild_every)
        self._view: StressView | None = None
        self._key: tuple[object, ...] | None = None
        self._ticks = 0

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
        stale = self._view is None or key != self._key
        due = self._ticks >= self._rebuild_every or self._view is None or self.selected != self._view.selected
        if force or (stale and due) or (self._view is not None and now_ms - self._view.now_ms >= 1_000 and due):
            self._view = aggregator.view(self.selected, coverage=coverage, completeness=completeness)
            self._key = key
            self._ticks = 0
        assert self._view is not None
        return self._view
