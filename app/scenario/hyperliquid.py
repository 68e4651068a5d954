"""The scenario's Hyperliquid stream (resources/docs/scenarios.md: "Hyperliquid contributes marks and open
interest only — and one watched synthetic address"): `activeAssetCtx` marks for BTC, ETH and SOL every
second following the shared price paths, and the watched address's `clearinghouseState` every
STATE_EVERY_S seconds, both as websocket frames and as `POST /info` answers (`kind: "http"`).

The address is obviously synthetic (WHALE), no real person's. It holds 2,200 ETH long, cross at 25x
(ETH's maintenance leverage 50), entered at ENTRY; its cross wallet is set so that the account value at
mark 3,031.82 is 220,477 USDC (resources/docs/margin.md §4), which puts the liquidation price at
$2,991.43 whatever the mark: account value − maintenance = 0 at p = (Q·E − W) / (Q·(1 − 1/50)).
No random draws: every number follows from the paths, so the other venues' frames are unchanged.
"""

from __future__ import annotations

import math

import msgspec

from app.scenario.calibration import START_MS
from app.scenario.frames import fmt_fixed, fmt_step
from app.scenario.prices import CASCADE_OFFSET_S, DURATION_S

VENUE = "hyperliquid"
STREAM = "hyperliquid/ws"
REST_STREAM = "hyperliquid/rest"
INFO_PATH = "/info"
WHALE = "0x00000000000000000000000000000000c0ffee01"
WATCHED = {VENUE: [WHALE]}

# (coin, price step as Hyperliquid prints it at these levels (5 significant figures), open interest in
# coins at 19:00, the previous day's price)
COINS: tuple[tuple[str, str, float, float], ...] = (
    ("BTC", "1", 31_250.0, 93_480.0),
    ("ETH", "0.1", 702_500.0, 3_252.6),
    ("SOL", "0.01", 3_180_000.0, 136.41),
)
MARK_PHASE_MS = 400  # marks land 0.4 s into each second
STATE_EVERY_S = 5
STATE_PHASE_MS = 700

WHALE_SIZE = 2_200.0
ENTRY = 3_180.0
LEVERAGE = 25
MAINTENANCE_LEVERAGE = 2 * LEVERAGE  # resources/docs/margin.md §4: 2 × max leverage (ETH 25x)
REPORTED_MARK = 3_031.82
REPORTED_ACCOUNT_VALUE = 220_477.0
WALLET = REPORTED_ACCOUNT_VALUE - WHALE_SIZE * (REPORTED_MARK - ENTRY)  # the cross wallet (raw USD + entry)
LIQUIDATION_PX = (WHALE_SIZE * ENTRY - WALLET) / (WHALE_SIZE * (1.0 - 1.0 / MAINTENANCE_LEVERAGE))

_encode = msgspec.json.Encoder().encode


def _dumps(obj: object) -> str:
    return _encode(obj).decode()


def _price(value: float, step: str) -> str:
    text = fmt_step(value, step)
    return text if "." in text else f"{text}.0"  # Hyperliquid prints "69172.0"


def _funding(path: list[float], t: int) -> float:
    """Hourly funding: +0.00125% drifting below zero as longs are flushed (the 8 h rate / 8)."""
    move = math.log(path[t] / path[CASCADE_OFFSET_S])
    return max(-0.0003, min(0.0001, 0.0001 * (1.0 + 25.0 * move))) / 8.0


def mark_frame(coin: str, step: str, oi_start: float, prev_day: float, path: list[float], t: int) -> str:
    mark = path[t]
    minute = t - t % 60  # the slow figures (funding, open interest, volume) move once a minute
    move = math.log(path[minute] / path[CASCADE_OFFSET_S])
    oi = oi_start * (1.0 + 1.5 * min(move, 0.0))  # longs closed by liquidation shrink open interest
    volume_coins = oi_start * (0.9 + 0.00004 * minute)
    ctx = {
        "funding": fmt_fixed(_funding(path, minute), 10), "openInterest": fmt_fixed(oi, 4),
        "prevDayPx": _price(prev_day, step), "dayNtlVlm": fmt_fixed(volume_coins * path[minute], 2),
        "premium": fmt_fixed(-0.0001 + 0.004 * min(move, 0.0), 10), "oraclePx": _price(mark * 1.00012, step),
        "markPx": _price(mark, step), "midPx": _price(mark * 1.00001, step),
        "impactPxs": [_price(mark * 0.99995, step), _price(mark * 1.00005, step)],
        "dayBaseVlm": fmt_fixed(volume_coins, 4),
    }
    return _dumps({"channel": "activeAssetCtx", "data": {"coin": coin, "ctx": ctx}})


def _usd(value: float) -> str:
    return fmt_fixed(value, 2)


def whale_state(mark: float, at_ms: int) -> dict[str, object]:
    """The watched address's clearinghouseState at ETH mark `mark` (resources/docs/feeds.md §5.2b shape, strings)."""
    value = WHALE_SIZE * mark
    pnl = WHALE_SIZE * (mark - ENTRY)
    account_value = WALLET + pnl
    margin_used = value / LEVERAGE
    summary = {"accountValue": _usd(account_value), "totalNtlPos": _usd(value),
               "totalRawUsd": _usd(WALLET - WHALE_SIZE * ENTRY), "totalMarginUsed": _usd(margin_used)}
    position = {
        "coin": "ETH", "szi": fmt_fixed(WHALE_SIZE, 4), "leverage": {"type": "cross", "value": LEVERAGE},
        "entryPx": fmt_fixed(ENTRY, 1), "positionValue": _usd(value), "unrealizedPnl": _usd(pnl),
        "returnOnEquity": fmt_fixed(pnl / (WHALE_SIZE * ENTRY / LEVERAGE), 6),
        "liquidationPx": fmt_fixed(LIQUIDATION_PX, 2), "marginUsed": _usd(margin_used),
        "maxLeverage": LEVERAGE,
        "cumFunding": {"allTime": "-1843.22", "sinceOpen": "-612.40", "sinceChange": "-612.40"},
    }
    return {"marginSummary": summary, "crossMarginSummary": summary,
            "crossMaintenanceMarginUsed": _usd(value / MAINTENANCE_LEVERAGE),
            "withdrawable": _usd(max(0.0, account_value - margin_used)),
            "assetPositions": [{"type": "oneWay", "position": position}], "time": at_ms}


def info_request(user: str) -> str:
    return _dumps({"type": "clearinghouseState", "user": user})


Frame = tuple[int, int, str, str]
Http = tuple[int, str, str, str, str, str]  # (epoch ms, stream, method, path, request, answer)


def frames(paths: dict[str, list[float]]) -> tuple[list[Frame], list[Http]]:
    """The websocket frames (for the wire sort, tie-break orders after the other venues') and the
    `POST /info` answers of the whole recording."""
    ws: list[Frame] = []
    http: list[Http] = []
    eth_step = next(step for coin, step, _, _ in COINS if coin == "ETH")
    request = info_request(WHALE)
    for t in range(DURATION_S):
        second_ms = START_MS + t * 1000
        for coin, step, oi, prev in COINS:
            ws.append((second_ms + MARK_PHASE_MS, 4, STREAM, mark_frame(coin, step, oi, prev, paths[coin], t)))
        if t % STATE_EVERY_S == 0:
            at_ms = second_ms + STATE_PHASE_MS
            mark = float(_price(paths["ETH"][t], eth_step))  # the mark the venue printed that second
            state = whale_state(mark, at_ms)
            ws.append((at_ms, 5, STREAM, _dumps({"channel": "clearinghouseState",
                                                 "data": {"dex": "", "user": WHALE, "clearinghouseState": state}})))
            http.append((at_ms, REST_STREAM, "POST", INFO_PATH, request, _dumps(state)))
    return ws, http
