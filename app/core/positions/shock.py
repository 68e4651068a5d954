"""What-if across the whole book: every mark of one coin (or of every coin) moved by −20 % … +20 %,
and per step which positions liquidate and what the book loses, so the user sees which position goes
first in a cascade. Each step is the book valued by `value_book` on the moved marks (the engine's
figures; for one position alone the cells equal `cascade margin --shock`'s)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import msgspec

from app.core.margin.engine import compute
from app.core.margin.whatif import (
    SEARCH_LIMIT_DOWN_PCT,
    SEARCH_LIMIT_UP_PCT,
    SEARCH_STEP_PCT,
    LiquidationMove,
    is_liquidated,
)
from app.core.positions.book import BookView, PositionView, first_change, margin_input, usable, usd, value_book
from app.core.positions.model import Account, Mark, MarkKey, Position, PositionKey

DEFAULT_SPAN_PCT = 20.0
DEFAULT_STEP_PCT = 2.0
NO_MARK_SOURCE = "entry price (no mark)"


def shock_steps(span_pct: float = DEFAULT_SPAN_PCT, step_pct: float = DEFAULT_STEP_PCT) -> tuple[float, ...]:
    """−span … +span in steps of step (0 included), e.g. −20, −18, …, 20."""
    if not (math.isfinite(span_pct) and 0 <= span_pct < 100 and math.isfinite(step_pct) and step_pct > 0):
        raise ValueError("need 0 <= span < 100 and step > 0")
    count = math.floor(span_pct / step_pct + 1e-9)
    return tuple(round(i * step_pct, 10) for i in range(-count, count + 1))


DEFAULT_SHOCKS_PCT = shock_steps()


class ShockCell(msgspec.Struct, frozen=True):
    key: PositionKey
    label: str
    mark: float | None
    distance_pct: float | None
    margin_ratio: float | None
    liquidated: bool
    upnl_usd: float | None


class ShockStep(msgspec.Struct, frozen=True):
    """`loss_usd`: what the book loses from the current marks (negative = a gain), mark to market; a
    liquidated wallet (an isolated position, or a cross account) loses at most its current equity."""

    shock_pct: float
    cells: tuple[ShockCell, ...]
    liquidated: tuple[str, ...]  # labels, nearest to liquidation first
    newly_liquidated: tuple[str, ...]  # not yet liquidated at the step nearer to 0
    loss_usd: float


class BookShockTable(msgspec.Struct, frozen=True):
    coin: str | None  # None = every coin moved together
    steps: tuple[ShockStep, ...]
    moves: tuple[LiquidationMove, ...]  # the move (%) liquidating each position, nearest first
    first_down: LiquidationMove | None
    first_up: LiquidationMove | None
    first: LiquidationMove | None
    skipped: tuple[str, ...]  # positions with an input error


def book_shock_table(
    accounts: Iterable[Account],
    positions: Iterable[Position],
    marks: Mapping[MarkKey, Mark],
    now_ms: int,
    shocks_pct: Sequence[float] = DEFAULT_SHOCKS_PCT,
    coin: str | None = None,
) -> BookShockTable:
    accounts = list(accounts)
    book = list(positions)
    base_marks = _with_entry_marks(book, marks, now_ms)
    base = value_book(accounts, book, base_marks, now_ms, stale_after_ms=2**62)
    valued = [view for view in base.positions if view.error is None]
    steps = []
    for shock in shocks_pct:
        moved_accounts, moved_marks = shocked(accounts, book, base_marks, shock, coin)
        view = value_book(moved_accounts, book, moved_marks, now_ms, stale_after_ms=2**62)
        steps.append(_step(shock, base, view))
    steps = _with_newly_liquidated(steps, {view.key for view in valued if view.liquidated})
    moves = _moves(accounts, book, base_marks, base, coin)
    down = [move for move in moves if move.move_pct <= 0]
    up = [move for move in moves if move.move_pct > 0]
    return BookShockTable(
        coin=coin, steps=tuple(steps), moves=tuple(moves), first_down=down[0] if down else None,
        first_up=up[0] if up else None, first=moves[0] if moves else None,
        skipped=tuple(view.label for view in base.positions if view.error is not None),
    )


def shocked(
    accounts: Sequence[Account], book: Sequence[Position], marks: Mapping[MarkKey, Mark], shock_pct: float,
    coin: str | None,
) -> tuple[list[Account], dict[MarkKey, Mark]]:
    """Accounts and marks with every mark of `coin` (None = all) moved by shock_pct %. An account's
    `other_positions` move with a book position of the same venue and symbol, or all when coin is None."""
    factor = 1.0 + shock_pct / 100.0
    coins = {position.mark_key: position.coin for position in book}
    moved_marks = {
        key: msgspec.structs.replace(mark, price=mark.price * factor) if coin in (None, coins.get(key)) else mark
        for key, mark in marks.items()
    }
    moved_accounts = []
    for account in accounts:
        others = tuple(
            msgspec.structs.replace(other, mark_price=(other.mark_price or other.entry_price) * factor)
            if coin in (None, coins.get((account.venue, other.symbol or ""))) else other
            for other in account.other_positions
        )
        moved_accounts.append(msgspec.structs.replace(account, other_positions=others))
    return moved_accounts, moved_marks


def _with_entry_marks(book: Sequence[Position], marks: Mapping[MarkKey, Mark], now_ms: int) -> dict[MarkKey, Mark]:
    """A position without a mark is shocked from its entry price (as the book values it)."""
    out = dict(marks)
    for position in book:
        if usable(out.get(position.mark_key)) is None:
            out[position.mark_key] = Mark(position.entry, now_ms, NO_MARK_SOURCE)
    return out


def _wallet(view: PositionView) -> tuple[object, ...]:
    position = view.position
    return position.account_key if position.margin_mode == "cross" else position.key


def _step(shock: float, base: BookView, view: BookView) -> ShockStep:
    base_by_key = {item.key: item for item in base.positions if item.error is None}
    cells = []
    loss_by_wallet: dict[tuple[object, ...], float] = {}
    equity_by_wallet: dict[tuple[object, ...], float] = {}
    liquidated_wallets: set[tuple[object, ...]] = set()
    for item in view.positions:
        before = base_by_key.get(item.key)
        if before is None or item.error is not None:
            continue
        cells.append(ShockCell(item.key, item.label, item.mark, item.distance_pct, item.margin_ratio, item.liquidated,
                               item.upnl_usd))
        wallet = _wallet(item)
        loss_by_wallet[wallet] = loss_by_wallet.get(wallet, 0.0) + (before.upnl_usd or 0.0) - (item.upnl_usd or 0.0)
        result = before.result
        if result is not None and result.margin_balance is not None and before.mark is not None:
            equity_by_wallet[wallet] = max(0.0, usd(before.position, result.margin_balance, before.mark))
        if item.liquidated:
            liquidated_wallets.add(wallet)
    loss = math.fsum(
        min(loss, equity_by_wallet.get(wallet, loss)) if wallet in liquidated_wallets else loss
        for wallet, loss in loss_by_wallet.items()
    )
    return ShockStep(shock, tuple(cells), tuple(cell.label for cell in cells if cell.liquidated), (), loss)


def _with_newly_liquidated(steps: list[ShockStep], at_base: set[PositionKey]) -> list[ShockStep]:
    out = []
    for step in steps:
        inner = [other for other in steps
                 if other.shock_pct * step.shock_pct > 0 and abs(other.shock_pct) < abs(step.shock_pct)]
        nearer = max(inner, key=lambda other: abs(other.shock_pct)) if inner else None
        before = at_base if nearer is None else {cell.key for cell in nearer.cells if cell.liquidated}
        newly = tuple(cell.label for cell in step.cells if cell.liquidated and cell.key not in before)
        out.append(msgspec.structs.replace(step, newly_liquidated=newly))
    return out


def _moves(
    accounts: Sequence[Account], book: Sequence[Position], marks: Mapping[MarkKey, Mark], base: BookView,
    coin: str | None,
) -> list[LiquidationMove]:
    index_of = {position.key: index for index, position in enumerate(book)}
    moves = []
    for view in base.positions:
        if view.error is not None or view.mark is None:
            continue
        index = index_of[view.key]

        def liquidated(shock: float, index: int = index) -> bool:
            return _liquidated_at(accounts, book, marks, index, shock, coin)

        for limit in (SEARCH_LIMIT_DOWN_PCT, SEARCH_LIMIT_UP_PCT):
            move = 0.0 if liquidated(0.0) else first_change(liquidated, limit, SEARCH_STEP_PCT)
            if move is not None:
                moves.append(LiquidationMove(view.label, move, view.mark * (1.0 + move / 100.0)))
                if move == 0.0:
                    break
    moves.sort(key=lambda move: (abs(move.move_pct), move.label))
    return moves


def _liquidated_at(
    accounts: Sequence[Account], book: Sequence[Position], marks: Mapping[MarkKey, Mark], index: int, shock: float,
    coin: str | None,
) -> bool:
    """Whether book[index] is liquidated with the marks moved: the engine's margin ratio at 1 (a hedge
    leg's is its account's, both legs at the moved mark), or the exchange's liquidation price passed."""
    moved_accounts, moved_marks = shocked(accounts, book, marks, shock, coin)
    prepared = margin_input(index, book, {account.key: account for account in moved_accounts}, moved_marks)
    result = compute(prepared.margin)
    if not result.exchange_figures_only and is_liquidated(result):
        return True
    if not result.exchange_figures_only and result.liquidation_price is not None:
        return False
    exchange = book[index].exchange_liquidation_price
    if exchange is None or exchange <= 0:
        return False
    side = 1.0 if book[index].side == "long" else -1.0
    return side * (result.mark_price - exchange) <= 0

