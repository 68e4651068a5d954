"""OKX's public position tiers: `GET /api/v5/public/position-tiers?instType=SWAP&tdMode=cross&instFamily=
BTC-USDT` (`data[]`: `tier`, `minSz`/`maxSz` in **contracts** for swaps, `mmr`, `maxLever`), parsed into
bundled-tier rows whose floors and caps count contracts (`size_unit: contracts`; OKX applies the tier's
rate to the whole position, so there is no maintenance deduction). Pure."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from urllib.parse import quote

from app.core.errors import BadFrame
from app.core.instruments import Instruments, load_bundled
from app.core.venues.okx import VENUE
from app.core.venues.tier_tables import PublicTiers, TierRow, TierTable, checked, decode, num

BASE_URL = "https://www.okx.com"
PATH = "/api/v5/public/position-tiers"


def family(symbol: str) -> str:
    """BTC-USDT-SWAP → BTC-USDT (the instFamily the endpoint takes)."""
    return symbol.removesuffix("-SWAP")


def url(base: str, symbol: str) -> str:
    return f"{base.rstrip('/')}{PATH}?instType=SWAP&tdMode=cross&instFamily={quote(family(symbol))}"


def parse(payload: bytes | str, symbol: str, instruments: Instruments | None = None) -> list[TierTable]:
    answer = decode(payload)
    if not isinstance(answer, Mapping) or str(answer.get("code")) != "0" or not isinstance(answer.get("data"), list):
        raise BadFrame("position-tiers answer not OK or without data")
    rows: list[TierRow] = []
    for item in answer["data"]:
        if not isinstance(item, Mapping):
            raise BadFrame("position-tiers row is not an object")
        rows.append({"floor": num(item, "minSz"), "cap": num(item, "maxSz"), "mmr": num(item, "mmr"),
                     "maintenance_amount": 0.0, "max_leverage": num(item, "maxLever", optional=True)})
    rows.sort(key=lambda row: row["floor"] or 0.0)
    for previous, row in itertools.pairwise(rows):  # older tables start tier n at cap(n-1) + 1
        row["floor"] = previous["cap"]
    if rows:
        rows[0]["floor"] = 0.0
    instrument = (instruments or load_bundled()).get(VENUE, symbol)
    size = instrument.contract_size if instrument is not None else None
    return [TierTable(symbol, "linear", checked(rows, f"position-tiers {symbol}"), "contracts", size)]


PUBLIC_TIERS = PublicTiers(
    venue=VENUE, base_url=BASE_URL, notional_unit="contracts",
    source="OKX GET /api/v5/public/position-tiers?instType=SWAP&tdMode=cross", url=url, parse=parse,
)
