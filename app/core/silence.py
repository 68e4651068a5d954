""""Possibly silent": a venue that looks live but has delivered no liquidation for a long time while
its peers report many — the failure mode of Binance's 2026-04-23 endpoint change, where the old URL
still completed the handshake and then sent nothing."""

from __future__ import annotations

from collections.abc import Mapping

SILENT_AFTER_MS = 60 * 60_000  # an hour of market time without a single liquidation
PEERS_MIN_LIQUIDATIONS = 50  # …while the other venues delivered at least this many in that hour


def possibly_silent(
    live: set[str],
    last_liquidation_ms: Mapping[str, int],
    started_ms: int,
    recent_counts: Mapping[str, int],
    now_ms: int,
) -> set[str]:
    """Venues that are live, quiet for SILENT_AFTER_MS (counting from start-up when they never spoke),
    while their peers together delivered PEERS_MIN_LIQUIDATIONS in the last SILENT_AFTER_MS."""
    flagged: set[str] = set()
    for venue in live:
        quiet_since = last_liquidation_ms.get(venue, started_ms)
        if now_ms - quiet_since < SILENT_AFTER_MS:
            continue
        peers = sum(count for other, count in recent_counts.items() if other != venue)
        if peers >= PEERS_MIN_LIQUIDATIONS:
            flagged.add(venue)
    return flagged
