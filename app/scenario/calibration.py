"""Calibration targets of the bundled 2026-01-20 scenario, as data, each with its source.

Source document: resources/docs/scenarios.md, "The bundled demo: what public feeds would have
shown" (figures reported by CoinGlass-derived press on the day, or assumed where the table says so).
The generator draws toward these numbers; tests/replay/test_scenario.py checks the bundled file
against them with the tolerances below.
"""

from __future__ import annotations

from typing import NamedTuple

SCENARIO = "2026-01-20"
SEED = 20260120

START_MS = 1_768_935_000_000  # 2026-01-20T18:50:00Z: 10 calm minutes before the cascade
WINDOW_START_MS = 1_768_935_600_000  # 2026-01-20T19:00:00Z
WINDOW_END_MS = 1_768_950_000_000  # 2026-01-20T23:00:00Z (exclusive): the sharpest 4 hours
END_MS = WINDOW_END_MS

STREAMS = ("binance/usdm/market", "bybit/linear", "bybit/inverse", "okx/public", "hyperliquid/ws",
           "bitget/public", "gate/usdt", "deribit/public", "bitmex/realtime", "bitfinex/public", "dydx/indexer",
           "htx/linear")
HTTP_STREAMS = ("hyperliquid/rest",)  # REST answers (`kind: "http"` records) the replay serves over HTTP


class Target(NamedTuple):
    value: float
    source: str


# Long liquidations per venue inside the 4 h window, in USD, as each venue's public feed carries them.
VENUE_LONG_USD: dict[str, Target] = {
    "bybit": Target(91.35e6, "reported (4 h): 'By venue, longs, 4-hour window: Bybit $91.35M'"),
    "binance": Target(
        64.08e6, "reported (4 h): 'Binance $64.08M as seen through its sampled feed' (1/symbol/s)"
    ),
    "okx": Target(30.0e6, "assumed: 'OKX ~$30M' (resources/docs/scenarios.md demo table)"),
    "bitget": Target(40.0e6, "assumed: 'Bitget ~$40M, including the single $13.52M BTCUSDT order'"),
    "gate": Target(12.0e6, "assumed: 'Gate ~$12M' (resources/docs/scenarios.md demo table)"),
    "bitmex": Target(4.0e6, "assumed: 'BitMEX ~$4M' (resources/docs/scenarios.md demo table)"),
    "deribit": Target(3.0e6, "assumed: 'Deribit ~$3M' (resources/docs/scenarios.md demo table)"),
    # aggr's further venues: no figure reported for the day; small plausible flows, below Deribit's.
    "bitfinex": Target(1.5e6, "assumed: a small flow (no figure reported for Bitfinex on the day)"),
    "dydx": Target(2.0e6, "assumed: a small flow (no figure reported for dYdX v4 on the day)"),
    "htx": Target(2.5e6, "assumed: a small flow (no figure reported for HTX on the day)"),
}

# The day's largest single liquidation, inside Bitget's BTC longs (placed on the slide into the low).
BITGET_WHALE_USD = Target(13.52e6, "reported: 'Largest single liquidation: Bitget BTCUSDT_UMCBL, $13.52M'")
BITGET_WHALE_SYMBOL = "BTCUSDT"  # the v1 name BTCUSDT_UMCBL is BTCUSDT on the v3 (UTA) feed
WHALE_TOLERANCE_USD = 100.0  # the order's amount is a whole number of 0.001 BTC lots at its price

LONG_SHARE = Target(0.92, "reported: 'Longs ~92% of the total (shorts ~8%)'")

# Share of liquidated notional by coin; "rest" = SOL, XRP, DOGE, PEPE.
COIN_SHARE: dict[str, Target] = {
    "BTC": Target(0.40, "reported split echoed: 'by coin about BTC 40%' (BTC $427M of the day's longs)"),
    "ETH": Target(0.35, "reported split echoed: 'ETH 35%' (ETH $374M of the day's longs)"),
    "rest": Target(0.25, "'the rest (SOL, XRP, DOGE, others) 25%'"),
}
# How the generator splits "rest" (assumed, not reported).
REST_SPLIT: dict[str, float] = {"SOL": 0.44, "XRP": 0.28, "DOGE": 0.18, "PEPE": 0.10}


class PricePoint(NamedTuple):
    coin: str
    start: float
    low: float
    end: float
    source: str


PRICE_PATH: dict[str, PricePoint] = {
    "BTC": PricePoint(
        "BTC", 92_500.0, 87_800.0, 89_100.0,
        "reported: 'BTC traded down to about $87,800 in late US hours, then back above $89k'; "
        "demo table: 'slides from ~$92.5k to a low near $87.8k and recovers toward $89k'",
    ),
    "ETH": PricePoint(
        "ETH", 3_200.0, 3_010.0, 3_060.0,
        "demo table: 'ETH slides from ~$3,200 to a low just above $3,000' (the watched 2,200 ETH long "
        "liquidates at $2,991.43, so the low stays above it, within ~1%)",
    ),
}

# Tolerances the test applies (stated, not reported).
VENUE_TOTAL_TOLERANCE = 0.03  # ±3% of each venue's long total
LONG_SHARE_TOLERANCE = 0.02  # ±2 points
COIN_SHARE_TOLERANCE = 0.03  # ±3 points
PRICE_LOW_TOLERANCE = 0.005  # BTC low within 0.5% of $87,800

MAX_BYTES = 10 * 1024 * 1024  # resources/docs/DESIGN.md: the bundled scenario is at most 10 MB
