"""REST market data of the bundled scenario: open interest and candles, as `kind: "http"` answers.

The stress table's pollers ask the replay's HTTP side exactly what they ask live (app/feeds/open_interest.py,
app/feeds/candles.py): per venue, its own OI endpoint for each symbol it polls, and OKX daily (`1Dutc`) and
hourly candles for each coin. Answers are seeded and printed with fixed decimals (byte-identical).

All levels are ASSUMED (nothing here was reported for the day; resources/docs/scenarios.md says so):
- Open interest at 18:50 UTC per venue and symbol (`OI_USD`): plausible shares of a ~$40B BTC perp market
  for the three polled venues (Binance $7.5B, Bybit $4.8B + $0.9B inverse, OKX $2.6B + $0.7B inverse),
  ETH about 0.65× BTC, the rest smaller. During the cascade each coin's OI falls with its price, by up to
  `OI_DROP` (7%) at its low: positions closed by liquidation leave the OI. One answer every 5 minutes.
- Daily closes of the 99 days before 2026-01-20: a seeded walk back from the scenario's price, drifting
  down over the last 12 days so the majors' daily RSI sits below 50 ("majors' daily RSI below 50"), with
  2026-01-20 as the still-open candle. Hourly candles of the 30 hours before 18:50 for the 24 h change.
"""

from __future__ import annotations

import itertools
import math
import random

import msgspec

from app.core.instruments import load_bundled
from app.core.rsi import DAILY_CANDLES, DAY_MS, HOUR_MS, HOURLY_CANDLES
from app.core.venues import binance_market, bybit_market, okx_market
from app.scenario.calibration import END_MS, START_MS
from app.scenario.prices import CASCADE_OFFSET_S

Http = tuple[int, str, str, str, str, str]  # (epoch ms, stream, method, path, request, answer)

OKX_REST = "okx/rest"
BYBIT_REST = "bybit/rest"
BINANCE_REST = "binance/rest"
HTTP_STREAMS = (BINANCE_REST, BYBIT_REST, OKX_REST)
OI_EVERY_MS = 5 * 60_000
OI_DROP = 0.07
COINS = ("BTC", "ETH", "SOL", "XRP", "DOGE", "PEPE")

# OI in USD at 18:50 UTC (assumed; see the module docstring).
OI_USD: dict[tuple[str, str], float] = {
    ("binance", "BTCUSDT"): 7.5e9, ("binance", "ETHUSDT"): 5.2e9, ("binance", "SOLUSDT"): 1.2e9,
    ("binance", "XRPUSDT"): 0.9e9, ("binance", "DOGEUSDT"): 0.55e9, ("binance", "1000PEPEUSDT"): 0.25e9,
    ("bybit", "BTCUSDT"): 4.8e9, ("bybit", "ETHUSDT"): 2.9e9, ("bybit", "SOLUSDT"): 0.7e9,
    ("bybit", "XRPUSDT"): 0.5e9, ("bybit", "DOGEUSDT"): 0.3e9, ("bybit", "1000PEPEUSDT"): 0.15e9,
    ("bybit", "BTCUSD"): 0.9e9, ("bybit", "ETHUSD"): 0.4e9,
    ("okx", "BTC-USDT-SWAP"): 2.6e9, ("okx", "ETH-USDT-SWAP"): 1.8e9, ("okx", "SOL-USDT-SWAP"): 0.35e9,
    ("okx", "XRP-USDT-SWAP"): 0.2e9, ("okx", "DOGE-USDT-SWAP"): 0.12e9, ("okx", "PEPE-USDT-SWAP"): 0.06e9,
    ("okx", "BTC-USD-SWAP"): 0.7e9, ("okx", "ETH-USD-SWAP"): 0.35e9, ("okx", "SOL-USD-SWAP"): 0.04e9,
    ("okx", "XRP-USD-SWAP"): 0.03e9, ("okx", "DOGE-USD-SWAP"): 0.02e9,
}
DAILY_SIGMA = {"BTC": 0.022, "ETH": 0.03, "SOL": 0.04, "XRP": 0.04, "DOGE": 0.045, "PEPE": 0.055}
DOWN_DAYS = 12
DOWN_DRIFT = -0.008
UP_DRIFT = 0.0015
DAY_SO_FAR = 0.018  # 2026-01-20 00:00 → 18:50: down ~1.8% before the cascade (assumed)

_encode = msgspec.json.Encoder().encode


def _dumps(obj: object) -> str:
    return _encode(obj).decode()


def _sig(value: float, digits: int = 6) -> str:
    """A price printed with `digits` significant figures (fixed text on every platform)."""
    if value <= 0:
        return "0"
    places = max(0, digits - 1 - math.floor(math.log10(value)))
    return f"{value:.{places}f}"


def _price(paths: dict[str, list[float]], coin: str, at_ms: int) -> float:
    path = paths[coin]
    return path[min(len(path) - 1, max(0, (at_ms - START_MS) // 1000))]


def _stress(paths: dict[str, list[float]], coin: str, at_ms: int) -> float:
    """0 before the cascade, 1 at the coin's low: how far its price has fallen of its whole fall."""
    path = paths[coin]
    start, low = path[CASCADE_OFFSET_S], min(path)
    now = _price(paths, coin, at_ms)
    return 0.0 if start <= low else min(1.2, max(0.0, (start - now) / (start - low)))


def _oi_answers(paths: dict[str, list[float]], seed: int) -> list[Http]:
    instruments = load_bundled()
    rng = random.Random(f"{seed}:market:oi")
    polled = [(venue, stream, market, symbol)
              for venue, stream, market in (("binance", BINANCE_REST, binance_market.MARKET),
                                            ("bybit", BYBIT_REST, bybit_market.MARKET),
                                            ("okx", OKX_REST, okx_market.MARKET))
              for symbol in (market.oi_symbols(instruments) if market.oi_symbols else [])]
    out: list[Http] = []
    for at_ms in range(START_MS, END_MS, OI_EVERY_MS):
        for venue, stream, market, symbol in polled:
            instrument = instruments.get(venue, symbol)
            if instrument is None or instrument.coin not in paths or (venue, symbol) not in OI_USD:
                continue
            coin = instrument.coin
            usd = OI_USD[(venue, symbol)] * (1 - OI_DROP * _stress(paths, coin, at_ms)) * (1 + rng.gauss(0, 0.001))
            price = _price(paths, coin, at_ms)  # per coin
            coins = usd / price
            assert market.oi_path is not None
            path = market.oi_path(symbol, instruments)
            if venue == "okx":
                size = instrument.contract_size or 1.0
                contracts = usd / size if instrument.contract_unit == "usd" else coins / size
                body = {"code": "0", "msg": "", "data": [{
                    "instType": "SWAP", "instId": symbol, "oi": f"{contracts:.1f}", "oiCcy": f"{coins:.4f}",
                    "oiUsd": f"{usd:.2f}", "ts": str(at_ms)}]}
            elif venue == "bybit":
                inverse = instrument.kind.startswith("inverse")
                units = usd if inverse else coins / (1000.0 if symbol.startswith("1000") else 1.0)
                text = f"{units:.0f}" if inverse else f"{units:.3f}"
                two = f"{2 * units:.0f}" if inverse else f"{2 * units:.3f}"
                body = {"retCode": 0, "retMsg": "OK", "result": {
                    "symbol": symbol, "category": "inverse" if inverse else "linear",
                    "list": [{"openInterest": two, "singleOpenInterest": text, "timestamp": str(at_ms)}],
                    "nextPageCursor": ""}, "retExtInfo": {}, "time": at_ms + 120}
            else:
                units = coins / (1000.0 if symbol.startswith("1000") else 1.0)
                body = {"openInterest": f"{units:.3f}", "symbol": symbol, "time": at_ms}
            out.append((at_ms, stream, "GET", path, "", _dumps(body)))
    return out


def _candle_row(ts: int, o: float, h: float, low: float, c: float, confirm: str) -> list[str]:
    return [str(ts), _sig(o), _sig(h), _sig(low), _sig(c), "0", "0", "0", confirm]


def _candle_answers(paths: dict[str, list[float]], seed: int) -> list[Http]:
    instruments = load_bundled()
    assert okx_market.MARKET.candles_path is not None and okx_market.MARKET.candle_symbol is not None
    out: list[Http] = []
    today = START_MS - START_MS % DAY_MS
    for coin in COINS:
        symbol = okx_market.MARKET.candle_symbol(coin, instruments)
        if symbol is None or coin not in paths:
            continue
        rng = random.Random(f"{seed}:market:candles:{coin}")
        sigma = DAILY_SIGMA[coin]
        start_price = paths[coin][0]
        closes = [start_price * (1 + DAY_SO_FAR) * math.exp(rng.gauss(0, sigma / 4))]  # 2026-01-19's close
        for back in range(DAILY_CANDLES - 2):  # walk back day by day
            drift = DOWN_DRIFT if back < DOWN_DAYS else UP_DRIFT
            closes.append(closes[-1] / math.exp(rng.gauss(drift, sigma)))
        closes.reverse()  # oldest first; closes[-1] is 2026-01-19
        rows = []
        for i, close in enumerate(closes):
            open_ = closes[i - 1] if i else close / math.exp(rng.gauss(UP_DRIFT, sigma))
            ts = today - (len(closes) - i) * DAY_MS
            high = max(open_, close) * (1 + abs(rng.gauss(0, sigma / 2)))
            low = min(open_, close) * (1 - abs(rng.gauss(0, sigma / 2)))
            rows.append(_candle_row(ts, open_, high, low, close, "1"))
        rows.append(_candle_row(today, closes[-1], max(closes[-1], start_price) * 1.004,
                                min(closes[-1], start_price) * 0.996, start_price, "0"))
        rows.reverse()  # OKX lists newest first
        daily = _dumps({"code": "0", "msg": "", "data": rows})
        out.append((START_MS, OKX_REST, "GET", okx_market.MARKET.candles_path(symbol, "1d", DAILY_CANDLES), "", daily))
        # Hourly: a path through 2026-01-19's close at midnight to the scenario's price at 18:50.
        first = START_MS - START_MS % HOUR_MS - (HOURLY_CANDLES - 1) * HOUR_MS
        anchors = [(first, closes[-1] * math.exp(rng.gauss(0, sigma / 2))), (today, closes[-1]),
                   (START_MS, start_price)]
        prices = []
        for k in range(HOURLY_CANDLES + 1):
            t = first + k * HOUR_MS
            t = min(t, START_MS)
            (t0, p0), (t1, p1) = next(((a, b) for a, b in itertools.pairwise(anchors)
                                       if a[0] <= t <= b[0]), (anchors[-2], anchors[-1]))
            share = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
            noise = 0.0 if t in (first, today, START_MS) else rng.gauss(0, sigma / 6)
            prices.append(math.exp(math.log(p0) + (math.log(p1) - math.log(p0)) * share + noise))
        hourly = []
        for k in range(HOURLY_CANDLES):
            o, c = prices[k], prices[k + 1]
            closed = k < HOURLY_CANDLES - 1
            hourly.append(_candle_row(first + k * HOUR_MS, o, max(o, c) * (1 + abs(rng.gauss(0, sigma / 10))),
                                      min(o, c) * (1 - abs(rng.gauss(0, sigma / 10))), c, "1" if closed else "0"))
        hourly.reverse()
        out.append((START_MS, OKX_REST, "GET", okx_market.MARKET.candles_path(symbol, "1h", HOURLY_CANDLES), "",
                    _dumps({"code": "0", "msg": "", "data": hourly})))
    return out


def answers(paths: dict[str, list[float]], seed: int) -> list[Http]:
    """Every REST answer of the recording, in time order (stable within one moment)."""
    out = _candle_answers(paths, seed) + _oi_answers(paths, seed)
    out.sort(key=lambda answer: answer[0])
    return out
