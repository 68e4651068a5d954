"""Bybit's public risk-limit table: `GET /v5/market/risk-limit?category=linear&symbol=BTCUSDT`
(`result.list[]`: `riskLimitValue` = the tier's cap in USDT, `maintenanceMargin` rate, `mmDeduction`,
`maxLeverage`), parsed into the bundled-tier rows (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from app.core.errors import BadFrame
from app.core.venues.bybit import VENUE
from app.core.venues.tier_tables import PublicTiers, TierRow, TierTable, checked, decode, num

BASE_URL = "https://api.bybit.com"
PATH = "/v5/market/risk-limit"


def url(base: str, symbol: str) -> str:
    return f"{base.rstrip('/')}{PATH}?category=linear&symbol={quote(symbol)}"


def parse(payload: bytes | str, symbol: str) -> list[TierTable]:
    answer = decode(payload)
    if not isinstance(answer, Mapping) or answer.get("retCode") not in (0, "0"):
        code = answer.get("retCode") if isinstance(answer, Mapping) else "?"
        raise BadFrame(f"risk-limit answer not OK (retCode {code})")
    result = answer.get("result")
    items = result.get("list") if isinstance(result, Mapping) else None
    if not isinstance(items, list):
        raise BadFrame("risk-limit answer has no result.list")
    rows: list[TierRow] = []
    floor = 0.0
    for item in sorted((i for i in items if isinstance(i, Mapping) and i.get("symbol", symbol) == symbol),
                       key=lambda i: num(i, "riskLimitValue") or 0.0):
        cap = num(item, "riskLimitValue")
        rows.append({"floor": floor, "cap": cap, "mmr": num(item, "maintenanceMargin"),
                     "maintenance_amount": num(item, "mmDeduction", optional=True),
                     "max_leverage": num(item, "maxLeverage", optional=True)})
        floor = cap or floor
    return [TierTable(symbol, "linear", checked(rows, f"risk-limit {symbol}"))]


PUBLIC_TIERS = PublicTiers(
    venue=VENUE, base_url=BASE_URL, notional_unit="USDT",
    source="Bybit GET /v5/market/risk-limit?category=linear", url=url, parse=parse,
)
