"""Bybit v5 (Unified Trading Account) read-only import, mapped to an AccountState (pure).

- Permissions: `GET /v5/user/query-api` (`result.readOnly` 0 = read and write, 1 = read only;
  `result.permissions` groups such as `ContractTrade`, `Spot`, `Wallet: ["AccountTransfer", "Withdraw"]`).
- Positions: `GET /v5/position/list?category=linear&settleCoin=USDT` (`side` Buy/Sell/"" = position
  side, `size` in base coin (USD for `category=inverse`), `avgPrice`, `leverage`, `liqPrice` "" = none,
  `positionBalance` the isolated margin, `tradeMode` 0 cross / 1 isolated, `positionIdx` 1/2 = hedge legs).
- Margin mode: `GET /v5/account/info` (`marginMode` ISOLATED_MARGIN | REGULAR_MARGIN | PORTFOLIO_MARGIN).
- Balances: `GET /v5/account/wallet-balance?accountType=UNIFIED` (`list[].coin[].walletBalance`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.events import AccountState
from app.core.instruments import Instruments, canonical_coin
from app.core.positions.model import Account, ContractData, Position
from app.core.venues.accounts import (
    AccountApi,
    AccountDataError,
    Call,
    Permissions,
    mapping,
    number,
    required,
    rows,
)
from app.core.venues.bybit import VENUE

SETTLE = "USDT"
TRADE_GROUPS = ("ContractTrade", "Spot", "Options", "Derivatives", "CopyTrading", "BlockTrade", "Exchange", "Earn")
FUNDS_PERMISSIONS = ("Withdraw", "AccountTransfer", "SubMemberTransfer", "SubMemberTransferList")
# UTA margin modes whose liquidation is account-level (app.core.margin.bybit account_level_modes).
ACCOUNT_LEVEL = {"REGULAR_MARGIN": "multi_collateral", "PORTFOLIO_MARGIN": "portfolio_margin"}


def _result(answer: Any) -> Mapping[str, Any]:
    if not isinstance(answer, Mapping):
        raise AccountDataError("answer is not an object")
    if answer.get("retCode") not in (0, "0", None):
        raise AccountDataError(f"retCode {answer.get('retCode')}")
    return mapping(answer, "result")


def read_permissions(answer: Any) -> Permissions:
    result = _result(answer)
    groups = result.get("permissions")
    if not isinstance(groups, Mapping) or "readOnly" not in result:
        raise AccountDataError("query-api answer has no readOnly/permissions")
    read_only = str(result.get("readOnly")) == "1"
    wallet = groups.get("Wallet") or []
    withdraw = tuple(f"Wallet.{name}" for name in wallet if name in FUNDS_PERMISSIONS)
    trade: tuple[str, ...] = ()
    if not read_only:
        held = tuple(f"{group}" for group in TRADE_GROUPS if groups.get(group))
        trade = ("readOnly=0", *held)
    return Permissions(can_read=True, trade=trade, withdraw=withdraw)


def positions(answer: Any, label: str, margin_mode: str | None = None,
              instruments: Instruments | None = None) -> list[Position]:
    """position/list rows → Positions (empty sides and zero sizes left out)."""
    result = _result(answer)
    kind = "inverse" if result.get("category") == "inverse" else "linear"  # inverse sizes are USD
    out = []
    for row in rows(result, "list"):
        side = {"Buy": "long", "Sell": "short"}.get(str(row.get("side")))
        size = number(row, "size") or 0.0
        if side is None or size == 0:
            continue
        symbol = str(row.get("symbol") or "")
        if not symbol:
            raise AccountDataError("position row has no symbol")
        isolated = str(row.get("tradeMode")) == "1" or margin_mode == "ISOLATED_MARGIN"
        out.append(Position(
            venue=VENUE, account=label, symbol=symbol, coin=canonical_coin(VENUE, symbol), side=side,
            size=abs(size), entry=required(row, "avgPrice"), leverage=number(row, "leverage", zero_is_none=True),
            margin_mode="isolated" if isolated else "cross",
            isolated_margin=number(row, "positionBalance") if isolated else None,
            contract=ContractData(kind=kind),
            exchange_liquidation_price=number(row, "liqPrice", zero_is_none=True),
        ))
    return out


def margin_mode(answer: Any) -> str | None:
    mode = _result(answer).get("marginMode")
    return mode if isinstance(mode, str) else None


def wallet_balance(answer: Any, coin: str = SETTLE) -> float | None:
    for wallet in rows(_result(answer), "list"):
        for row in rows(wallet, "coin"):
            if row.get("coin") == coin:
                return number(row, "walletBalance")
    return None


def build(answers: Mapping[str, Any], label: str, ts_ms: int, instruments: Instruments | None = None,
          skipped: list[str] | None = None) -> AccountState:
    mode = margin_mode(answers["info"])
    held = positions(answers["positions"], label, mode, instruments)
    raw = rows(_result(answers["positions"]), "list")
    hedge = any(str(row.get("positionIdx")) in ("1", "2") for row in raw)
    account = Account(venue=VENUE, account=label, wallet_balance=wallet_balance(answers["wallet"]),
                      position_mode="hedge" if hedge else "one_way",
                      account_mode=ACCOUNT_LEVEL.get(mode or ""))
    return AccountState(account, tuple(held), ts_ms, "import")


API = AccountApi(
    venue=VENUE,
    display_name="Bybit",
    ccxt_id=VENUE,  # ccxt names it as we do
    permissions_call=Call("permissions", "private_get_v5_user_query_api", "/v5/user/query-api"),
    read_permissions=read_permissions,
    calls=(
        Call("info", "private_get_v5_account_info", "/v5/account/info"),
        Call("positions", "private_get_v5_position_list", "/v5/position/list",
             {"category": "linear", "settleCoin": SETTLE, "limit": "200"}),
        Call("wallet", "private_get_v5_account_wallet_balance", "/v5/account/wallet-balance",
             {"accountType": "UNIFIED"}),
    ),
    build=build,
    ccxt_options={"defaultType": "swap"},
)
