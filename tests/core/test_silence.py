from __future__ import annotations

from app.core.silence import PEERS_MIN_LIQUIDATIONS, SILENT_AFTER_MS, possibly_silent

T0 = 1_768_935_000_000


def test_live_but_quiet_venue_is_flagged_only_while_peers_are_busy() -> None:
    now = T0 + SILENT_AFTER_MS + 1
    busy = {"bybit": PEERS_MIN_LIQUIDATIONS, "okx": 3, "binance": 0}
    assert possibly_silent({"binance", "bybit", "okx"}, {"bybit": now - 1_000, "okx": now - 5_000}, T0, busy,
                           now) == {"binance"}
    calm = {"bybit": 10, "okx": 3, "binance": 0}
    assert possibly_silent({"binance", "bybit"}, {"bybit": now}, T0, calm, now) == set()


def test_not_flagged_before_an_hour_or_when_not_live() -> None:
    now = T0 + SILENT_AFTER_MS - 1
    counts = {"bybit": 500}
    assert possibly_silent({"binance"}, {}, T0, counts, now) == set()
    later = T0 + 2 * SILENT_AFTER_MS
    assert possibly_silent(set(), {}, T0, counts, later) == set()
    assert possibly_silent({"binance"}, {"binance": later - 10}, T0, counts, later) == set()
