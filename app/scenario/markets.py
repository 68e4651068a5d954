"""The instruments the scenario trades, per venue: symbols, contract sizes, ticks and lots.

Every symbol here is in the bundled instrument snapshot (resources/instruments-majors.json) with the
same contract size, so every generated frame converts offline; tests/feeds/test_scenario.py checks
that. Ticks and lots the snapshot leaves null (Bybit/OKX SOL) are the venues' usual values.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple


class Market(NamedTuple):
    venue: str
    stream: str
    symbol: str
    coin: str
    inverse: bool
    contract_size: float  # base per unit (linear) or USD per contract (inverse)
    tick: str  # price tick as the venue prints it: sets the decimals of every price
    lot: str  # size step in the venue's size unit
    share: float  # this market's share of its coin's liquidations on the venue


@cache
def decimals(step: str) -> int:
    return len(step.split(".")[1]) if "." in step else 0


BINANCE = "binance/usdm/market"
BYBIT_LINEAR = "bybit/linear"
BYBIT_INVERSE = "bybit/inverse"
OKX = "okx/public"
BITGET = "bitget/public"
GATE = "gate/usdt"
DERIBIT = "deribit/public"
BITMEX = "bitmex/realtime"
BITFINEX = "bitfinex/public"
DYDX = "dydx/indexer"
HTX = "htx/linear"

MARKETS: tuple[Market, ...] = (
    Market("binance", BINANCE, "BTCUSDT", "BTC", False, 1.0, "0.1", "0.001", 1.0),
    Market("binance", BINANCE, "ETHUSDT", "ETH", False, 1.0, "0.01", "0.001", 1.0),
    Market("binance", BINANCE, "SOLUSDT", "SOL", False, 1.0, "0.01", "0.01", 1.0),
    Market("binance", BINANCE, "XRPUSDT", "XRP", False, 1.0, "0.0001", "0.1", 1.0),
    Market("binance", BINANCE, "DOGEUSDT", "DOGE", False, 1.0, "0.00001", "1", 1.0),
    Market("binance", BINANCE, "1000PEPEUSDT", "PEPE", False, 1000.0, "0.0000001", "1", 1.0),
    Market("bybit", BYBIT_LINEAR, "BTCUSDT", "BTC", False, 1.0, "0.1", "0.001", 0.88),
    Market("bybit", BYBIT_LINEAR, "ETHUSDT", "ETH", False, 1.0, "0.01", "0.01", 0.9),
    Market("bybit", BYBIT_LINEAR, "SOLUSDT", "SOL", False, 1.0, "0.01", "0.1", 1.0),
    Market("bybit", BYBIT_LINEAR, "XRPUSDT", "XRP", False, 1.0, "0.0001", "1", 1.0),
    Market("bybit", BYBIT_LINEAR, "DOGEUSDT", "DOGE", False, 1.0, "0.00001", "1", 1.0),
    Market("bybit", BYBIT_INVERSE, "BTCUSD", "BTC", True, 1.0, "0.1", "1", 0.12),
    Market("bybit", BYBIT_INVERSE, "ETHUSD", "ETH", True, 1.0, "0.01", "1", 0.1),
    Market("okx", OKX, "BTC-USDT-SWAP", "BTC", False, 0.01, "0.1", "0.1", 0.85),
    Market("okx", OKX, "ETH-USDT-SWAP", "ETH", False, 0.1, "0.01", "0.1", 0.88),
    Market("okx", OKX, "SOL-USDT-SWAP", "SOL", False, 1.0, "0.01", "0.1", 1.0),
    Market("okx", OKX, "XRP-USDT-SWAP", "XRP", False, 100.0, "0.0001", "0.1", 1.0),
    Market("okx", OKX, "DOGE-USDT-SWAP", "DOGE", False, 1000.0, "0.00001", "0.1", 1.0),
    Market("okx", OKX, "PEPE-USDT-SWAP", "PEPE", False, 10_000_000.0, "0.0000000001", "0.1", 1.0),
    Market("okx", OKX, "BTC-USD-SWAP", "BTC", True, 100.0, "0.1", "1", 0.15),
    Market("okx", OKX, "ETH-USD-SWAP", "ETH", True, 10.0, "0.01", "1", 0.12),
    # Later venues (liquidations only; app/scenario/venues.py). Bitget amounts are quote (USDT), so only
    # coin and kind matter; Deribit perpetual amounts are USD (multiples of the contract size).
    Market("bitget", BITGET, "BTCUSDT", "BTC", False, 1.0, "0.1", "0.001", 1.0),
    Market("bitget", BITGET, "ETHUSDT", "ETH", False, 1.0, "0.01", "0.01", 1.0),
    Market("bitget", BITGET, "SOLUSDT", "SOL", False, 1.0, "0.01", "0.1", 1.0),
    Market("bitget", BITGET, "XRPUSDT", "XRP", False, 1.0, "0.0001", "1", 1.0),
    Market("bitget", BITGET, "DOGEUSDT", "DOGE", False, 1.0, "0.00001", "1", 1.0),
    Market("gate", GATE, "BTC_USDT", "BTC", False, 0.0001, "0.1", "1", 1.0),
    Market("gate", GATE, "ETH_USDT", "ETH", False, 0.01, "0.01", "1", 1.0),
    Market("gate", GATE, "XRP_USDT", "XRP", False, 10.0, "0.0001", "1", 1.0),
    Market("gate", GATE, "DOGE_USDT", "DOGE", False, 10.0, "0.00001", "1", 1.0),
    Market("deribit", DERIBIT, "BTC-PERPETUAL", "BTC", True, 10.0, "0.5", "10", 1.0),
    Market("deribit", DERIBIT, "ETH-PERPETUAL", "ETH", True, 1.0, "0.05", "1", 1.0),
    Market("bitmex", BITMEX, "XBTUSD", "BTC", True, 1.0, "0.1", "100", 0.7),
    Market("bitmex", BITMEX, "XBTUSDT", "BTC", False, 0.000001, "0.1", "100", 0.3),
    Market("bitmex", BITMEX, "ETHUSDT", "ETH", False, 0.00001, "0.01", "1000", 1.0),
    Market("bitmex", BITMEX, "XRPUSDT", "XRP", False, 0.01, "0.0001", "100", 1.0),
    Market("bitmex", BITMEX, "DOGEUSDT", "DOGE", False, 0.01, "0.00001", "1000", 1.0),
    # Small venues (app/scenario/venues.py): Bitfinex amounts and dYdX sizes are base coins; HTX volumes are
    # contracts of 0.001 BTC, 0.01 ETH, 10 XRP, 100 DOGE (its SOL contract size is not in the snapshot).
    Market("bitfinex", BITFINEX, "tBTCF0:USTF0", "BTC", False, 1.0, "1", "0.0001", 1.0),
    Market("bitfinex", BITFINEX, "tETHF0:USTF0", "ETH", False, 1.0, "0.1", "0.001", 1.0),
    Market("bitfinex", BITFINEX, "tSOLF0:USTF0", "SOL", False, 1.0, "0.01", "0.01", 1.0),
    Market("bitfinex", BITFINEX, "tXRPF0:USTF0", "XRP", False, 1.0, "0.0001", "1", 1.0),
    Market("bitfinex", BITFINEX, "tDOGEF0:USTF0", "DOGE", False, 1.0, "0.00001", "1", 1.0),
    Market("dydx", DYDX, "BTC-USD", "BTC", False, 1.0, "1", "0.0001", 1.0),
    Market("dydx", DYDX, "ETH-USD", "ETH", False, 1.0, "0.1", "0.001", 1.0),
    Market("dydx", DYDX, "SOL-USD", "SOL", False, 1.0, "0.01", "0.01", 1.0),
    Market("dydx", DYDX, "XRP-USD", "XRP", False, 1.0, "0.00001", "1", 1.0),
    Market("dydx", DYDX, "DOGE-USD", "DOGE", False, 1.0, "0.00001", "10", 1.0),
    Market("htx", HTX, "BTC-USDT", "BTC", False, 0.001, "0.1", "1", 1.0),
    Market("htx", HTX, "ETH-USDT", "ETH", False, 0.01, "0.01", "1", 1.0),
    Market("htx", HTX, "XRP-USDT", "XRP", False, 10.0, "0.00001", "1", 1.0),
    Market("htx", HTX, "DOGE-USDT", "DOGE", False, 100.0, "0.000001", "1", 1.0),
)

VENUES: tuple[str, ...] = ("binance", "bybit", "okx")  # the first three: marks and liquidations (wire.py)
LATER_VENUES: tuple[str, ...] = ("bitget", "gate", "deribit", "bitmex", "bitfinex", "dydx", "htx")
"""Liquidations only (venues.py); the last three are the small flows of aggr's further venues."""


def markets_of(venue: str) -> tuple[Market, ...]:
    return tuple(m for m in MARKETS if m.venue == venue)
