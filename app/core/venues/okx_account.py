"""OKX v5 read-only import, mapped to an AccountState (pure).

- Permissions and account mode: `GET /api/v5/account/config` (`data[0].perm` "read_only", "trade",
  "withdraw", comma-separated; `acctLv` 1 spot, 2 futures (single-currency margin), 3 multi-currency
  margin, 4 portfolio margin; `posMode` net_mode | long_short_mode).
- Positions: `GET /api/v5/account/positions?instType=SWAP` (`pos` in contracts, signed in net mode;
  `posSide` long/short in hedge mode; `avgPx`, `lever`, `liqPx`, `mgnMode` cross/isolated, `margin` the
  isolated margin). Contracts × `ctVal` (instrument metadata) is the base quantity: only USDT-margined
  linear swaps whose ctVal is known are imported, the rest are listed as skipped, never guessed.
- Balances: `GET /api/v5/account/balance` (`data[0].details[].cashBal` per currency).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.events import AccountState
from app.core.instruments import Instruments, canonical_coin, load_bundled
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
from app.core.venues.okx import VENUE

SETTLE = "USDT"
ACCOUNT_LEVEL = {"3": "multi_currency", "4": "portfolio_margin"}


def _data(answer: Any) -> list[Mapping[str, Any]]:
    if not isinstance(answer, Mapping):
        raise AccountDataError("answer is not an object")
    if str(answer.get("code", "0")) != "0":
        raise AccountDataError(f"code {answer.get('code')}")
    return rows(answer, "data")


def _config(answer: Any) -> Mapping[str, Any]:
    data = _data(answer)
    if not data:
        raise AccountDataError("account/config answer has no data")
    return data[0]


def read_permissions(answer: Any) -> Permissions:
    config = _config(answer)
    perm = config.get("perm")
    if not isinstance(perm, str):
        raise AccountDataError("account/config answer has no perm")
    names = {part.strip() for part in perm.split(",") if part.strip()}
    return Permissions(
        can_read=True,  # a key that can read account/config reads
        trade=tuple(sorted(names & {"trade"})),
        withdraw=tuple(sorted(names & {"withdraw"})),
    )


def positions(answer: Any, label: str, instruments: Instruments | None = None,
              skipped: list[str] | None = None) -> list[Position]:
    """account/positions rows → Positions; rows that cannot be sized are noted in `skipped`."""
    known = instruments if instruments is not None else load_bundled()
    out = []
    for row in _data(answer):
        inst_id = str(row.get("instId") or "")
        if not inst_id:
            raise AccountDataError("position row has no instId")
        pos = number(row, "pos") or 0.0
        if pos == 0:
            continue
        instrument = known.get(VENUE, inst_id)
        if instrument is None or instrument.contract_size is None or instrument.kind != "linear_perp" \
                or (instrument.settle or SETTLE) != SETTLE:
            if skipped is not None:
                skipped.append(f"{inst_id}: only USDT-margined swaps with a known contract size are imported")
            continue
        pos_side = str(row.get("posSide") or "net")
        side = pos_side if pos_side in ("long", "short") else ("long" if pos > 0 else "short")
        isolated = row.get("mgnMode") == "isolated"
        out.append(Position(
            venue=VENUE, account=label, symbol=inst_id, coin=canonical_coin(VENUE, inst_id), side=side,
            size=abs(pos), entry=required(row, "avgPx"), leverage=number(row, "lever", zero_is_none=True),
            margin_mode="isolated" if isolated else "cross",
            isolated_margin=number(row, "margin") if isolated else None,
            contract=ContractData(kind="linear", contract_size=instrument.contract_size),
            exchange_liquidation_price=number(row, "liqPx", zero_is_none=True),
        ))
    return out


def cash_balance(answer: Any, currency: str = SETTLE) -> float | None:
    for account in _data(answer):
        for row in rows(account, "details"):
            if row.get("ccy") == currency:
                return number(row, "cashBal")
    return None


def build(answers: Mapping[str, Any], label: str, ts_ms: int, instruments: Instruments | None = None,
          skipped: list[str] | None = None) -> AccountState:
    config = _config(answers["permissions"])
    held = positions(answers["positions"], label, instruments, skipped)
    account = Account(venue=VENUE, account=label, wallet_balance=cash_balance(answers["balance"]),
                      position_mode="hedge" if config.get("posMode") == "long_short_mode" else "one_way",
                      account_mode=ACCOUNT_LEVEL.get(str(config.get("acctLv"))))
    return AccountState(account, tuple(held), ts_ms, "import")


API = AccountApi(
    venue=VENUE,
    display_name="OKX",
    ccxt_id=VENUE,  # ccxt names it as we do
    permissions_call=Call("permissions", "private_get_account_config", "/api/v5/account/config"),
    read_permissions=read_permissions,
    calls=(
        Call("positions", "private_get_account_positions", "/api/v5/account/positions", {"instType": "SWAP"}),
        Call("balance", "private_get_account_balance", "/api/v5/account/balance"),
    ),
    build=build,
    needs_passphrase=True,
    ccxt_options={"defaultType": "swap"},
)
