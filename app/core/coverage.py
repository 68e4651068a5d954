"""Observed coverage: how much of a period a venue was actually being listened to. What was sent
while we were disconnected is lost, so totals say how long they cover ("3h 12m observed")."""

from __future__ import annotations

from collections.abc import Iterable


def observed_ms(start_ms: int | None, now_ms: int, gaps: Iterable[tuple[int, int | None]]) -> int:
    """Time from `start_ms` (first live connection; None = never) to `now_ms` minus the union of the
    gaps (an open gap runs to now), clipped to that period."""
    if start_ms is None or now_ms <= start_ms:
        return 0
    missed = 0
    cursor = start_ms
    for gap_start, gap_end in sorted((max(s, start_ms), min(now_ms if e is None else e, now_ms)) for s, e in gaps):
        begin = max(gap_start, cursor)
        if gap_end <= begin:
            continue
        missed += gap_end - begin
        cursor = gap_end
    return now_ms - start_ms - missed
