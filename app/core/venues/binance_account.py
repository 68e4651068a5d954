"""Binance USDⓈ-M read-only import: the key's restrictions, positions, balances and the account's own
leverage brackets, mapped to an AccountState (pure; app.feeds.accounts makes the calls through ccxt).

- Permissions: `GET /sapi/v1/account/apiRestrictions` (`enableReading`, `enableSpotAndMarginTrading`,
  `enableFutures`, `enableWithdrawals`, …).
- Positions: `GET /fapi/v2/positionRisk` (`positionAmt` signed in one-way mode, `positionSide` LONG/SHORT
  in hedge mode, `entryPrice`, `leverage`, `liquidationPrice` "0" = none, `marginType`, `isolatedWallet`).
- Balances: `GET /fapi/v2/account` (`assets[].crossWalletBalance`, `multiAssetsMargin`).
- Tiers: `GET /fapi/v1/leverageBracket` (the account's brackets: `notionalFloor`, `notionalCap`,
  `maintMarginRatio`, `cum`, `initialLeverage`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.events import AccountState
from app.core.instruments import Instruments, canonical_coin
from app.core.margin.model import Tier
from app.core.positions.model import Account, ContractData, Position
from app.core.venues.accounts import (
    AccountApi,
    AccountDataError,
    Call,
    Permissions,
    number,
    required,
    rows,
)
from app.core.venues.binance import VENUE

SETTLE = "USDT"
TRADE_FLAGS = ("enableSpotAndMarginTrading", "enableFutures", "enableMargin", "enableVanillaOptions",
               "enablePortfolioMarginTrading")
FUNDS_FLAGS = ("enableWithdrawals", "enableInternalTransfer", "permitsUniversalTransfer")


def read_permissions(answer: Any) -> Permissions:
    if not isinstance(answer, Mapping) or "enableReading" not in answer:
        raise AccountDataError("apiRestrictions answer has no enableReading")
    return Permissions(
        can_read=answer.get("enableReading") is True,
        trade=tuple(flag for flag in TRADE_FLAGS if answer.get(flag) is True),
        withdraw=tuple(flag for flag in FUNDS_FLAGS if answer.get(flag) is True),
    )


def brackets(answer: Any) -> dict[str, tuple[Tier, ...]]:
    """leverageBracket → tiers per symbol (notional in USDT, `cum` as the maintenance amount)."""
    tables: dict[str, tuple[Tier, ...]] = {}
    items = answer if isinstance(answer, list) else [answer]
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("symbol"), str):
            raise AccountDataError("leverageBracket row has no symbol")
        tiers = [
            Tier(required(row, "notionalFloor"), required(row, "notionalCap"), required(row, "maintMarginRatio"),
                 number(row, "cum") or 0.0, number(row, "initialLeverage"))
            for row in rows(item, "brackets")
        ]
        tables[item["symbol"]] = tuple(sorted(tiers, key=lambda tier: tier.floor))
    return tables


def positions(answer: Any, label: str, tiers: Mapping[str, tuple[Tier, ...]] | None = None,
              instruments: Instruments | None = None) -> list[Position]:
    """positionRisk rows → Positions (rows with no size left out)."""
    out = []
    for row in rows({"rows": answer}, "rows"):
        amount = required(row, "positionAmt")
        if amount == 0:
            continue
        symbol = str(row.get("symbol") or "")
        if not symbol:
            raise AccountDataError("positionRisk row has no symbol")
        hedge_side = row.get("positionSide")
        side = {"LONG": "long", "SHORT": "short"}.get(str(hedge_side)) or ("long" if amount > 0 else "short")
        isolated = str(row.get("marginType", "")).lower() == "isolated"
        out.append(Position(
            venue=VENUE, account=label, symbol=symbol, coin=canonical_coin(VENUE, symbol), side=side,
            size=abs(amount), entry=required(row, "entryPrice"), leverage=number(row, "leverage", zero_is_none=True),
            margin_mode="isolated" if isolated else "cross",
            isolated_margin=number(row, "isolatedWallet") if isolated else None,
            contract=ContractData(kind="linear", tiers=(tiers or {}).get(symbol)),
            exchange_liquidation_price=number(row, "liquidationPrice", zero_is_none=True),
        ))
    return out


def account(answer: Any, label: str, hedge: bool) -> Account:
    """fapi/v2/account → the USDT cross wallet; Multi-Assets mode is an account-level mode."""
    if not isinstance(answer, Mapping):
        raise AccountDataError("account answer is not an object")
    wallet = None
    for asset in rows(answer, "assets"):
        if asset.get("asset") == SETTLE:
            wallet = number(asset, "crossWalletBalance")
            if wallet is None:
                wallet = number(asset, "walletBalance")
    if wallet is None:
        wallet = number(answer, "totalCrossWalletBalance")
    return Account(venue=VENUE, account=label, wallet_balance=wallet,
                   position_mode="hedge" if hedge else "one_way",
                   account_mode="multi_assets" if answer.get("multiAssetsMargin") is True else None)


def build(answers: Mapping[str, Any], label: str, ts_ms: int, instruments: Instruments | None = None,
          skipped: list[str] | None = None) -> AccountState:
    tables = brackets(answers["brackets"]) if answers.get("brackets") is not None else {}
    held = positions(answers["positions"], label, tables, instruments)
    raw_rows = answers["positions"] if isinstance(answers["positions"], list) else []
    hedge = any(isinstance(row, Mapping) and row.get("positionSide") in ("LONG", "SHORT") for row in raw_rows)
    return AccountState(account(answers["account"], label, hedge), tuple(held), ts_ms, "import")


API = AccountApi(
    venue=VENUE,
    display_name="Binance USDⓈ-M",
    ccxt_id="binanceusdm",
    permissions_call=Call("permissions", "sapi_get_account_apirestrictions", "/sapi/v1/account/apiRestrictions"),
    read_permissions=read_permissions,
    calls=(
        Call("positions", "fapiprivatev2_get_positionrisk", "/fapi/v2/positionRisk"),
        Call("account", "fapiprivatev2_get_account", "/fapi/v2/account"),
        Call("brackets", "fapiprivate_get_leveragebracket", "/fapi/v1/leverageBracket"),
    ),
    build=build,
    ccxt_options={"defaultType": "swap"},
)
