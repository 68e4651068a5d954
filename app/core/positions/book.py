"""Valuing a book of positions on a set of marks, through the one margin engine.

Every figure comes from `app.core.margin.engine.compute` on the position as the engine receives
it (`margin_input`): for a cross position, the other cross positions of its account feed
`other_positions` (each at its own mark) and the account's wallet feeds `wallet_balance`, so the
liquidation price is the cross one and equals `cascade margin`'s for the same inputs.

Hedge legs (a long and a short on one symbol in one cross account) see each other as other
positions too, but the engine holds other positions at their marks while it solves, whereas the
two legs share one mark. For them the book finds the price at which the engine's own account margin
ratio reaches 1 with both legs at that price (a search over `compute`, no second formula): the
shared liquidation price the venues show for hedge mode.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Literal, NamedTuple

import msgspec

from app.core.margin.engine import EXCHANGE_TOLERANCE_PCT, HEDGE_NOTE, compute, disagreement_pct
from app.core.margin.formula import make_leg, pnl, to_u
from app.core.margin.model import MarginInputError, MarginResult, OtherPosition
from app.core.margin.model import Position as MarginPosition
from app.core.margin.parse import NUMBER_RANGES
from app.core.margin.whatif import is_liquidated
from app.core.positions.model import Account, AccountKey, Mark, MarkKey, Position, PositionKey

DEFAULT_STALE_AFTER_MS = 5_000
# Distance-to-liquidation thresholds (%) of the watch / warning / danger levels (and of the alerts).
DEFAULT_THRESHOLDS_PCT: tuple[float, ...] = (10.0, 5.0, 2.0)
# Ours and the exchange's liquidation price further apart than this (% of the exchange's) is flagged.
LIQ_TOLERANCE_PCT = EXCHANGE_TOLERANCE_PCT
# The hedge search: the price range searched (factors of the mark), the first step (log of the
# price ratio) doubled until the state changes, then bisections.
SEARCH_DOWN_LOG = math.log(1e-4)  # mark × 0.0001 (−99.99 %)
SEARCH_UP_LOG = math.log(11.0)  # mark × 11 (+1,000 %)
SEARCH_FIRST_STEP_LOG = 0.005
BISECTIONS = 60

LiquidationSource = Literal["ours", "exchange"]
# Book fields checked before the engine sees them, with the engine's ranges (parse.NUMBER_RANGES).
CHECKED_FIELDS = {"entry": "entry_price", "size": "quantity", "leverage": "leverage",
                  "isolated_margin": "isolated_margin", "extra_margin": "extra_margin",
                  "exchange_liquidation_price": "exchange_liquidation_price"}


class StressLevel(StrEnum):
    CALM = "calm"
    WATCH = "watch"
    WARNING = "warning"
    DANGER = "danger"
    LIQUIDATED = "liquidated"
    UNKNOWN = "unknown"  # not computable (input error, or exchange figures only without the exchange's price)


THRESHOLD_LEVELS = (StressLevel.WATCH, StressLevel.WARNING, StressLevel.DANGER)
SEVERITY = {level: rank for rank, level in enumerate(
    (StressLevel.UNKNOWN, StressLevel.CALM, StressLevel.WATCH, StressLevel.WARNING, StressLevel.DANGER,
     StressLevel.LIQUIDATED))}


def stress_level(distance_pct: float, thresholds_pct: Sequence[float] = DEFAULT_THRESHOLDS_PCT) -> StressLevel:
    """The level of a distance to liquidation (%): at or below the deepest threshold it crosses."""
    if distance_pct <= 0:
        return StressLevel.LIQUIDATED
    level = StressLevel.CALM
    for index, threshold in enumerate(sorted(thresholds_pct, reverse=True)):
        if distance_pct <= threshold:
            level = THRESHOLD_LEVELS[min(index, len(THRESHOLD_LEVELS) - 1)]
    return level


class PositionView(msgspec.Struct, frozen=True):
    """One position valued at its mark. Money is in quote (linear) or coin (inverse) like the engine's;
    `upnl_usd` converts coin at the mark. `distance_*` are positive while safe and measured to
    `liquidation_source`'s price: ours, or the exchange's when we have none (account-level modes)."""

    key: PositionKey
    label: str
    coin: str
    position: Position
    mark: float | None
    mark_age_ms: int | None
    mark_source: str | None
    stale: bool
    stale_reason: str | None
    upnl: float | None
    upnl_usd: float | None
    liquidation_price: float | None  # ours (the shared one for hedge legs)
    exchange_liquidation_price: float | None
    liq_disagreement_pct: float | None  # (ours − exchange's) / exchange's × 100
    liq_disagrees: bool  # beyond LIQ_TOLERANCE_PCT
    liquidation_source: LiquidationSource | None
    distance_price: float | None
    distance_pct: float | None
    margin_ratio: float | None  # maintenance / margin balance, 1.0 = liquidation (cross: the account's)
    stress: StressLevel
    hedged: bool = False
    notes: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # the engine's FLAG_* codes
    error: str | None = None
    error_field: str | None = None
    result: MarginResult | None = None  # the engine's record at the mark

    @property
    def liquidated(self) -> bool:
        return self.stress is StressLevel.LIQUIDATED


class AccountView(msgspec.Struct, frozen=True):
    """`margin_ratio`: the cross wallet's maintenance / margin balance when the account holds cross
    positions, else the highest of its isolated positions'. `nearest_*`: its position nearest to
    liquidation."""

    key: AccountKey
    label: str
    margin_ratio: float | None
    liquidated: bool
    stress: StressLevel
    nearest: PositionKey | None
    nearest_label: str | None
    nearest_distance_price: float | None
    nearest_distance_pct: float | None
    upnl_usd: float
    positions: tuple[PositionKey, ...]
    stale: bool
    cross: bool  # holds cross positions: margin_ratio is the shared wallet's


class BookView(msgspec.Struct, frozen=True):
    """Positions and accounts, nearest to liquidation first (liquidated first, then unknown last)."""

    now_ms: int
    positions: tuple[PositionView, ...]
    accounts: tuple[AccountView, ...]

    @property
    def nearest(self) -> PositionView | None:
        valued = [view for view in self.positions if view.distance_pct is not None or view.liquidated]
        return valued[0] if valued else None

    def position(self, key: PositionKey) -> PositionView | None:
        return next((view for view in self.positions if view.key == key), None)

    def account(self, key: AccountKey) -> AccountView | None:
        return next((view for view in self.accounts if view.key == key), None)


class MarginInput(NamedTuple):
    """A book position as the engine receives it, plus what the book knows beside it."""

    margin: MarginPosition
    comoving: frozenset[int]  # indices in margin.other_positions on the same symbol (hedge legs)
    notes: tuple[str, ...]
    stale_reasons: tuple[str, ...]
    other_names: tuple[str, ...] = ()  # names of margin.other_positions, for errors about them


def value_book(
    accounts: Iterable[Account],
    positions: Iterable[Position],
    marks: Mapping[MarkKey, Mark],
    now_ms: int,
    stale_after_ms: int = DEFAULT_STALE_AFTER_MS,
    thresholds_pct: Sequence[float] = DEFAULT_THRESHOLDS_PCT,
) -> BookView:
    """Value every position on `marks` at market time `now_ms`. Never raises for one bad position:
    its view carries `error` and `error_field` (the input to fix) and stress UNKNOWN."""
    account_map = {account.key: account for account in accounts}
    book = list(positions)
    views: list[PositionView] = []
    seen: set[PositionKey] = set()
    for index, position in enumerate(book):
        mark = marks.get(position.mark_key)
        if position.key in seen:
            error = MarginInputError("side", "a second position with the same venue, account, symbol and side")
            views.append(_error_view(position, mark, now_ms, stale_after_ms, error))
            continue
        seen.add(position.key)
        prepared = None
        try:
            prepared = margin_input(index, book, account_map, marks)
            views.append(_value(position, prepared, mark, now_ms, stale_after_ms, thresholds_pct))
        except MarginInputError as error:
            views.append(_error_view(position, mark, now_ms, stale_after_ms, _about_neighbour(error, prepared)))
    views.sort(key=_nearest_first)
    account_views = _accounts(account_map, views)
    return BookView(now_ms=now_ms, positions=tuple(views), accounts=tuple(account_views))


def _about_neighbour(error: MarginInputError, prepared: MarginInput | None) -> MarginInputError:
    """An engine error about other_positions[i] names the book position (or account entry) it is."""
    prefix = "other_positions["
    if prepared is None or not error.field.startswith(prefix):
        return error
    index_text, _, rest = error.field[len(prefix):].partition("].")
    if not index_text.isdigit() or int(index_text) >= len(prepared.other_names):
        return error
    return MarginInputError(rest or error.field, f"{prepared.other_names[int(index_text)]} (same cross wallet): "
                            f"{error.message}")


def margin_input(
    index: int, book: Sequence[Position], accounts: Mapping[AccountKey, Account], marks: Mapping[MarkKey, Mark]
) -> MarginInput:
    """The engine's Position for book[index] valued on `marks` (raises MarginInputError naming the field)."""
    position = book[index]
    check(position)
    account = accounts.get(position.account_key)
    if account is not None and account.wallet_balance is not None:
        _check_number("wallet_balance", account.wallet_balance, "wallet_balance")
    mark = usable(marks.get(position.mark_key))
    notes: list[str] = []
    stale: list[str] = []
    others: list[OtherPosition] = []
    comoving: list[int] = []
    names: list[str] = []
    wallet = None
    if position.margin_mode == "cross":
        if account is None:
            raise MarginInputError("account", f"no account {position.account!r} on {position.venue}: a cross "
                                   "position needs its account's wallet_balance")
        wallet = account.wallet_balance
        other_kind = 0
        for other_index, other in enumerate(book):
            if other_index == index or other.account_key != position.account_key or other.margin_mode != "cross":
                continue
            if other.key == position.key:
                continue  # a duplicate, reported on its own view
            if other.contract.kind != position.contract.kind:
                other_kind += 1
                continue
            try:
                check(other)
            except MarginInputError as error:
                raise MarginInputError(error.field, f"{other.name} (same cross wallet): {error.message}") from None
            names.append(other.name)
            if other.mark_key == position.mark_key:
                comoving.append(len(others))
                if account.position_mode == "one_way":
                    notes.append(f"the account is one-way but holds both sides of {position.symbol}: "
                                 "valued as hedge legs")
                other_price = mark.price if mark is not None else position.entry
            else:
                other_mark = usable(marks.get(other.mark_key))
                other_price = None if other_mark is None else other_mark.price
                if other_mark is None:
                    stale.append(f"no mark for {other.name}: held at its entry in the cross account")
            others.append(_as_other(other, other_price))
        others.extend(account.other_positions)
        names.extend(f"{account.venue} {account.account} {other.symbol or 'other position'} {other.side}"
                     for other in account.other_positions)
        if other_kind:
            notes.append(f"{other_kind} cross position(s) of another contract kind in this account are not "
                         "counted: an account is one wallet, one collateral")
    contract = position.contract
    margin = MarginPosition(
        venue=position.venue, side=position.side, entry_price=position.entry, quantity=position.size,
        contract=contract.kind, margin_mode=position.margin_mode, contract_size=contract.contract_size,
        mark_price=None if mark is None else mark.price, leverage=position.leverage,
        isolated_margin=position.isolated_margin, wallet_balance=wallet, other_positions=tuple(others),
        tiers=contract.tiers, mmr=contract.mmr, maintenance_amount=contract.maintenance_amount,
        max_leverage=contract.max_leverage, taker_fee=contract.taker_fee, extra_margin=position.extra_margin,
        symbol=position.symbol, position_mode="one_way" if account is None else account.position_mode,
        account_mode=None if account is None else account.account_mode,
        exchange_liquidation_price=position.exchange_liquidation_price, label=position.name,
    )
    return MarginInput(margin, frozenset(comoving), tuple(dict.fromkeys(notes)), tuple(stale), tuple(names))


def check(position: Position) -> None:
    """Raise MarginInputError naming the book field that is not a usable number (NaN, 0, negative)."""
    for field, engine_name in CHECKED_FIELDS.items():
        value = getattr(position, field)
        if value is not None:
            _check_number(engine_name, value, field)
    for field in ("contract_size", "mmr", "maintenance_amount", "max_leverage", "taker_fee"):
        value = getattr(position.contract, field)
        if value is not None:
            _check_number(field, value, f"contract.{field}")


def _check_number(engine_name: str, value: float, field: str) -> None:
    low, inclusive, high = NUMBER_RANGES[engine_name]
    if not (math.isfinite(value) and (value > low or (inclusive and value == low)) and (high is None or value < high)):
        relation = ">=" if inclusive else ">"
        raise MarginInputError(field, f"must be a finite number {relation} {low:g}, not {value!r}")


def usable(mark: Mark | None) -> Mark | None:
    """A mark the engine can value on (finite, positive), else None (reported as no mark)."""
    return mark if mark is not None and math.isfinite(mark.price) and mark.price > 0 else None


def _as_other(position: Position, mark_price: float | None) -> OtherPosition:
    contract = position.contract
    return OtherPosition(
        side=position.side, entry_price=position.entry, quantity=position.size, mark_price=mark_price,
        contract_size=contract.contract_size, mmr=contract.mmr, maintenance_amount=contract.maintenance_amount,
        tiers=contract.tiers, symbol=position.symbol, max_leverage=contract.max_leverage,
    )


def at_price(prepared: MarginInput, price: float) -> MarginPosition:
    """The engine input with this position's mark, and its hedge legs' marks, at `price`."""
    margin = prepared.margin
    others = tuple(
        msgspec.structs.replace(other, mark_price=price) if index in prepared.comoving else other
        for index, other in enumerate(margin.other_positions)
    )
    return msgspec.structs.replace(margin, mark_price=price, other_positions=others)


def shared_liquidation_price(prepared: MarginInput) -> float | None:
    """Hedge legs: the price nearest the mark, with both legs at it, where the account's margin
    ratio (the engine's) crosses 1. None when no price in mark × 0.0001 … × 11 does."""
    mark = prepared.margin.mark

    def liquidated(log_ratio: float) -> bool:
        return is_liquidated(compute(at_price(prepared, mark * math.exp(log_ratio))))

    found = [mark * math.exp(change) for limit in (SEARCH_DOWN_LOG, SEARCH_UP_LOG)
             if (change := first_change(liquidated, limit, SEARCH_FIRST_STEP_LOG)) is not None]
    return min(found, key=lambda price: abs(math.log(price / mark))) if found else None


def first_change(state_at: Callable[[float], bool], limit: float, first_step: float) -> float | None:
    """The t nearest 0 in 0…limit where state_at(t) differs from state_at(0), to ~1e-15 × |limit|.

    Steps double from `first_step`, then bisect: exact when the set where the state is the one at 0
    is an interval around 0, as the safe set of a margin account is (maintenance is convex in the
    price, the margin balance linear)."""
    start = state_at(0.0)
    direction = 1.0 if limit > 0 else -1.0
    same, step = 0.0, first_step
    while abs(same) < abs(limit):
        probe = direction * min(step, abs(limit))
        if state_at(probe) != start:
            changed = probe
            for _ in range(BISECTIONS):
                middle = (same + changed) / 2.0
                if state_at(middle) != start:
                    changed = middle
                else:
                    same = middle
            return changed
        same, step = probe, step * 2.0
    return None


def upnl_of(position: Position, mark: float) -> float:
    """Unrealised PnL at `mark`, in quote (linear) or coin (inverse), by the engine's PnL leg."""
    inverse = position.contract.kind == "inverse"
    size = position.size * (position.contract.contract_size or 1.0)
    return pnl(make_leg(position.side, size, position.entry, inverse), to_u(mark, inverse))


def usd(position: Position, amount: float, mark: float) -> float:
    return amount * mark if position.contract.kind == "inverse" else amount


def _mark_state(
    position: Position, mark: Mark | None, now_ms: int, stale_after_ms: int
) -> tuple[int | None, str | None]:
    if mark is None:
        return None, f"no mark from {position.venue} for {position.symbol}: valued at the entry price"
    if usable(mark) is None:
        return None, f"unusable mark {mark.price!r} from {mark.source}: valued at the entry price"
    age = max(0, now_ms - mark.at_ms)
    if age > stale_after_ms:
        return age, f"mark {age / 1000:.1f} s old (stale after {stale_after_ms / 1000:g} s) from {mark.source}"
    return age, None


def _value(
    position: Position, prepared: MarginInput, mark: Mark | None, now_ms: int, stale_after_ms: int,
    thresholds_pct: Sequence[float],
) -> PositionView:
    result = compute(prepared.margin)
    price = result.mark_price
    age, stale_reason = _mark_state(position, mark, now_ms, stale_after_ms)
    reasons = [reason for reason in (stale_reason, *prepared.stale_reasons) if reason]
    liquidation, distance, distance_pct = result.liquidation_price, result.distance_price, result.distance_pct
    hedged = bool(prepared.comoving) and not result.exchange_figures_only
    computed_liquidated = not result.exchange_figures_only and is_liquidated(result)
    if hedged:
        liquidation = shared_liquidation_price(prepared)
        distance = distance_pct = None
        if liquidation is not None:
            distance = abs(price - liquidation) * (-1.0 if computed_liquidated else 1.0)
            distance_pct = distance / price * 100.0
    exchange = position.exchange_liquidation_price
    disagreement = disagreement_pct(liquidation, exchange)
    source: LiquidationSource | None = "ours" if liquidation is not None else None
    if liquidation is None and exchange is not None and exchange > 0:
        source = "exchange"
        distance = (1.0 if position.side == "long" else -1.0) * (price - exchange)
        distance_pct = distance / price * 100.0
    if computed_liquidated or (distance_pct is not None and distance_pct <= 0):
        stress = StressLevel.LIQUIDATED
    elif distance_pct is not None:
        stress = stress_level(distance_pct, thresholds_pct)
    elif hedged or (not result.exchange_figures_only and result.note is not None):
        stress = StressLevel.CALM  # no liquidation price: the collateral covers any move
    else:
        stress = StressLevel.UNKNOWN
    upnl = upnl_of(position, price)
    engine_notes = [note for note in result.notes if not (hedged and note == HEDGE_NOTE)]
    notes = [*prepared.notes, *([result.note] if result.note else []), *engine_notes]
    return PositionView(
        key=position.key, label=position.name, coin=position.coin, position=position, mark=price,
        mark_age_ms=age, mark_source=None if mark is None else mark.source, stale=bool(reasons),
        stale_reason="; ".join(reasons) or None, upnl=upnl, upnl_usd=usd(position, upnl, price),
        liquidation_price=liquidation, exchange_liquidation_price=exchange, liq_disagreement_pct=disagreement,
        liq_disagrees=disagreement is not None and abs(disagreement) > LIQ_TOLERANCE_PCT,
        liquidation_source=source, distance_price=distance, distance_pct=distance_pct,
        margin_ratio=result.margin_ratio, stress=stress, hedged=hedged, notes=tuple(notes), flags=result.flags,
        result=result,
    )


def _error_view(
    position: Position, mark: Mark | None, now_ms: int, stale_after_ms: int, error: MarginInputError
) -> PositionView:
    age, stale_reason = _mark_state(position, mark, now_ms, stale_after_ms)
    return PositionView(
        key=position.key, label=position.name, coin=position.coin, position=position,
        mark=None if mark is None else mark.price, mark_age_ms=age, mark_source=None if mark is None else mark.source,
        stale=stale_reason is not None, stale_reason=stale_reason, upnl=None, upnl_usd=None, liquidation_price=None,
        exchange_liquidation_price=position.exchange_liquidation_price, liq_disagreement_pct=None,
        liq_disagrees=False, liquidation_source=None, distance_price=None, distance_pct=None, margin_ratio=None,
        stress=StressLevel.UNKNOWN, notes=(f"{error.field}: {error.message}",), error=error.message,
        error_field=error.field,
    )


def _nearest_first(view: PositionView) -> tuple[int, float, str]:
    if view.liquidated:
        return (0, view.distance_pct if view.distance_pct is not None else -math.inf, view.label)
    if view.distance_pct is not None:
        return (1, view.distance_pct, view.label)
    return (2 if view.error is None else 3, math.inf, view.label)


def _accounts(accounts: Mapping[AccountKey, Account], views: Sequence[PositionView]) -> list[AccountView]:
    grouped: dict[AccountKey, list[PositionView]] = {key: [] for key in accounts}
    for view in views:  # already nearest first
        grouped.setdefault(view.position.account_key, []).append(view)
    out = []
    for key, members in grouped.items():
        account = accounts.get(key)
        cross = [view for view in members if view.position.margin_mode == "cross"]
        ratios = [view.margin_ratio for view in (cross or members) if view.margin_ratio is not None]
        liquidated = any(view.liquidated for view in cross)
        nearest = members[0] if members and (members[0].distance_pct is not None or members[0].liquidated) else None
        stress = max((view.stress for view in members), key=SEVERITY.__getitem__, default=StressLevel.CALM)
        out.append(AccountView(
            key=key, label=(account.label if account and account.label else f"{key[0]} {key[1]}"),
            margin_ratio=max(ratios) if ratios else None, liquidated=liquidated, stress=stress,
            nearest=None if nearest is None else nearest.key, nearest_label=None if nearest is None else nearest.label,
            nearest_distance_price=None if nearest is None else nearest.distance_price,
            nearest_distance_pct=None if nearest is None else nearest.distance_pct,
            upnl_usd=math.fsum(view.upnl_usd for view in members if view.upnl_usd is not None),
            positions=tuple(view.key for view in members), stale=any(view.stale for view in members),
            cross=bool(cross),
        ))
    out.sort(key=lambda view: (0 if view.liquidated else 1,
                               view.nearest_distance_pct if view.nearest_distance_pct is not None else math.inf,
                               view.label))
    return out
