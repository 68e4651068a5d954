"""What-if: reprice a book of positions across uniform mark shocks (every mark × (1 + shock/100)),
and find the move at which each position liquidates — the table the position panel shows."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from app.core.margin.engine import compute
from app.core.margin.model import MarginResult, Position

SEARCH_STEP_PCT = 0.5
SEARCH_LIMIT_DOWN_PCT = -99.99
SEARCH_LIMIT_UP_PCT = 1000.0
# Bounds on one table so no input runs for minutes or fills memory (`cascade margin --shock`).
MAX_SHOCK_ROWS = 10_001  # e.g. -50..50 in steps of 0.01
MAX_SHOCK_WORK = 3_000_000  # leg evaluations (see shock_work): a few seconds on a laptop
# compute() evaluations the move search can take for one cross position (probes + 2 bisections).
SEARCH_EVALUATIONS = int((SEARCH_LIMIT_UP_PCT - SEARCH_LIMIT_DOWN_PCT) / SEARCH_STEP_PCT) + 2 * 60 + 4
_COMPUTE_OVERHEAD_LEGS = 6  # one compute() costs about as much as six extra cross neighbours


class ShockCell(msgspec.Struct, frozen=True):
    label: str
    mark_price: float
    margin_ratio: float | None
    distance_pct: float | None
    liquidated: bool


class ShockRow(msgspec.Struct, frozen=True):
    shock_pct: float
    positions: tuple[ShockCell, ...]
    liquidated: tuple[str, ...]


class LiquidationMove(msgspec.Struct, frozen=True):
    """The uniform move (in % of every mark) at which a position's margin ratio reaches 1."""

    label: str
    move_pct: float
    liquidation_price: float


class ShockTable(msgspec.Struct, frozen=True):
    rows: tuple[ShockRow, ...]
    moves: tuple[LiquidationMove, ...]  # nearest first
    first_down: LiquidationMove | None
    first_up: LiquidationMove | None
    first: LiquidationMove | None
    skipped: tuple[str, ...]  # exchange-figures-only positions


def label_of(position: Position, index: int) -> str:
    return position.label or " ".join(
        part for part in (f"#{index}", position.venue, position.symbol, position.side) if part
    )


def shocked(position: Position, shock_pct: float) -> Position:
    """The position with its mark and its cross neighbours' marks moved by shock_pct %."""
    factor = 1.0 + shock_pct / 100.0
    others = tuple(
        msgspec.structs.replace(other, mark_price=(other.mark_price or other.entry_price) * factor)
        for other in position.other_positions
    )
    return msgspec.structs.replace(position, mark_price=position.mark * factor, other_positions=others)


def is_liquidated(result: MarginResult) -> bool:
    return result.margin_ratio is None or result.margin_ratio >= 1.0


def shock_work(positions: Sequence[Position], rows: int) -> int:
    """Leg evaluations shock_table would run: rows plus, for cross books, the move search."""
    total = 0
    for position in positions:
        legs = _COMPUTE_OVERHEAD_LEGS + len(position.other_positions)
        evaluations = 1 + rows + (SEARCH_EVALUATIONS if position.other_positions else 0)
        total += legs * evaluations
    return total


def shock_table(positions: Sequence[Position], shocks_pct: Sequence[float]) -> ShockTable:
    """Raises MarginInputError (from compute) for an invalid position."""
    labels = [label_of(position, index) for index, position in enumerate(positions)]
    base = [compute(position) for position in positions]
    live = [i for i, result in enumerate(base) if not result.exchange_figures_only]
    rows = []
    for shock in shocks_pct:
        cells = []
        for i in live:
            result = compute(shocked(positions[i], shock))
            cells.append(ShockCell(labels[i], result.mark_price, result.margin_ratio, result.distance_pct,
                                   is_liquidated(result)))
        rows.append(ShockRow(shock, tuple(cells), tuple(cell.label for cell in cells if cell.liquidated)))
    moves = []
    for i in live:
        for move in liquidation_moves(positions[i], base[i]):
            moves.append(LiquidationMove(labels[i], move, positions[i].mark * (1 + move / 100.0)))
    moves.sort(key=lambda m: abs(m.move_pct))
    down = [m for m in moves if m.move_pct <= 0]
    up = [m for m in moves if m.move_pct > 0]
    return ShockTable(
        rows=tuple(rows), moves=tuple(moves),
        first_down=down[0] if down else None, first_up=up[0] if up else None,
        first=moves[0] if moves else None,
        skipped=tuple(labels[i] for i, result in enumerate(base) if result.exchange_figures_only),
    )


def liquidation_moves(position: Position, result: MarginResult) -> list[float]:
    """Moves (%) that liquidate the position. Alone, that is its liquidation price; with cross
    neighbours moving too, the account ratio is searched along the shock in both directions."""
    if not position.other_positions:
        if result.liquidation_price is None:
            return []
        return [(result.liquidation_price / position.mark - 1.0) * 100.0]
    found = []
    for limit in (SEARCH_LIMIT_DOWN_PCT, SEARCH_LIMIT_UP_PCT):
        move = _first_crossing(position, limit)
        if move is not None:
            found.append(move)
    return found


def _liquidated_at(position: Position, shock_pct: float) -> bool:
    return is_liquidated(compute(shocked(position, shock_pct)))


def _first_crossing(position: Position, limit: float) -> float | None:
    if _liquidated_at(position, 0.0):
        return 0.0
    direction = 1.0 if limit > 0 else -1.0
    safe = 0.0
    while abs(safe) < abs(limit):
        probe = direction * min(abs(safe) + SEARCH_STEP_PCT, abs(limit))
        if _liquidated_at(position, probe):
            return _bisect(position, safe, probe)
        safe = probe
    return None


def _bisect(position: Position, safe: float, liquidated: float) -> float:
    for _ in range(60):
        middle = (safe + liquidated) / 2.0
        if _liquidated_at(position, middle):
            liquidated = middle
        else:
            safe = middle
    return liquidated
