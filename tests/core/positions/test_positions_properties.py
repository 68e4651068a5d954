"""Property: for any valid position, moving its mark towards the liquidation price never increases
the reported distance (price or %) — one-way isolated and cross (with a neighbour), and hedge legs."""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.core.margin import VENUES
from app.core.positions import Account, ContractData, Mark, Position, PositionView, value_book

NOW = 1_768_900_000_000
VENUE_CONTRACTS = [(venue, contract) for venue, rules in VENUES.items() for contract in sorted(rules.contracts)]


@st.composite
def books(draw: st.DrawFn, hedge: bool = False) -> tuple[Account, list[Position], dict, Position]:
    venue, contract_kind = draw(st.sampled_from(VENUE_CONTRACTS))
    side = draw(st.sampled_from(["long", "short"]))
    entry = draw(st.floats(0.01, 1e5))
    notional = draw(st.floats(10.0, 1e7))  # quote (linear) or coin (inverse)
    size = notional / entry if contract_kind == "linear" else notional * entry
    mmr = draw(st.floats(0.001, 0.1))
    contract = ContractData(kind=contract_kind, mmr=mmr, maintenance_amount=0.0,
                            taker_fee=draw(st.sampled_from([0.0, 0.0005])))
    mode = "cross" if hedge else draw(st.sampled_from(["isolated", "cross"]))
    wallet = notional * draw(st.floats(0.02, 1.5))
    account = Account(venue, "acct", wallet_balance=wallet, position_mode="hedge" if hedge else "one_way")
    position = Position(venue, "acct", "SYM", "COIN", side, size, entry, margin_mode=mode, contract=contract,
                        leverage=draw(st.floats(1.0, 100.0)) if mode == "isolated" else None)
    book = [position]
    marks = {}
    if hedge:
        other_side = "short" if side == "long" else "long"
        book.append(Position(venue, "acct", "SYM", "COIN", other_side, size * draw(st.floats(0.05, 0.95)),
                             entry * draw(st.floats(0.9, 1.1)), margin_mode="cross", contract=contract))
    elif mode == "cross" and draw(st.booleans()):
        other_entry = entry * draw(st.floats(0.5, 2.0))
        book.append(Position(venue, "acct", "OTHER", "OTHER", draw(st.sampled_from(["long", "short"])),
                             size * draw(st.floats(0.01, 1.0)), other_entry, margin_mode="cross", contract=contract))
        marks[(venue, "OTHER")] = Mark(other_entry * draw(st.floats(0.9, 1.1)), NOW, "t")
    return account, book, marks, position


def _view(account: Account, book: list[Position], marks: dict, position: Position, mark: float) -> PositionView:
    marks = {**marks, (position.venue, position.symbol): Mark(mark, NOW, "t")}
    return value_book([account], book, marks, NOW).position(position.key)


def _check(data: tuple[Account, list[Position], dict, Position], start: float, towards: float) -> None:
    account, book, marks, position = data
    mark = position.entry * start
    before = _view(account, book, marks, position, mark)
    assume(before.error is None and before.liquidation_price is not None)
    assume(before.distance_pct is not None and before.distance_pct > 0 and not before.liquidated)
    liquidation = before.liquidation_price
    assume(0.05 <= liquidation / mark <= 20)
    closer = mark + towards * (liquidation - mark)
    assume(closer > 0 and closer != mark)
    after = _view(account, book, marks, position, closer)
    assert after.distance_pct is not None and after.distance_price is not None
    slack = 1e-9
    assert after.distance_pct <= before.distance_pct + slack * max(1.0, abs(before.distance_pct))
    assert after.distance_price <= before.distance_price + slack * max(1.0, abs(before.distance_price), mark)
    assert math.isclose(after.liquidation_price, liquidation, rel_tol=1e-7)


@settings(deadline=None, max_examples=200)
@given(books(), st.floats(0.8, 1.2), st.floats(0.0, 1.0))
def test_moving_the_mark_towards_liquidation_never_increases_the_distance(
    data: tuple[Account, list[Position], dict, Position], start: float, towards: float
) -> None:
    _check(data, start, towards)


@settings(deadline=None, max_examples=40)
@given(books(hedge=True), st.floats(0.9, 1.1), st.floats(0.0, 1.0))
def test_hedge_leg_distance_never_increases_towards_the_shared_price(
    data: tuple[Account, list[Position], dict, Position], start: float, towards: float
) -> None:
    _check(data, start, towards)
