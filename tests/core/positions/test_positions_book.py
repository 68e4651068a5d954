"""The book's figures are the margin engine's (`compute`, `cascade margin`) for the same inputs, on
every venue the engine covers; marks carry age and source; exchange disagreement, stress, errors."""

from __future__ import annotations

import io
import json

import msgspec
import pytest

from app.commands import margin as margin_cli
from app.core.margin import VENUES, OtherPosition, compute
from app.core.margin.model import FLAG_LIQUIDATED_AT_ENTRY
from app.core.margin.model import Position as MarginPosition
from app.core.positions import (
    LIQ_TOLERANCE_PCT,
    Account,
    ContractData,
    Mark,
    Position,
    StressLevel,
    stress_level,
    value_book,
)

NOW = 1_768_900_000_000
ENTRY, MARK = 50_000.0, 49_000.0

CASES = [
    (venue, contract, side, mode)
    for venue, rules in VENUES.items()
    for contract in sorted(rules.contracts)
    for side in ("long", "short")
    for mode in ("isolated", "cross")
]


def _inputs(venue: str, contract: str, side: str, mode: str) -> tuple[dict, Account, Position]:
    """The same position as a `cascade margin` JSON object and as a book (account, position)."""
    linear = contract == "linear"
    size, contract_size = (2.0, None) if linear else (1_000.0, 100.0)
    collateral = 10_000.0 if linear else 0.2
    data = {"venue": venue, "side": side, "margin_mode": mode, "contract": contract, "entry_price": ENTRY,
            "mark_price": MARK, "quantity": size, "mmr": 0.005, "maintenance_amount": 0.0, "taker_fee": 0.0005,
            "symbol": "BTCX", "label": f"{venue} acct BTCX {side}"}
    if contract_size:
        data["contract_size"] = contract_size
    if mode == "isolated":
        data["leverage"] = 10.0
    else:
        data["wallet_balance"] = collateral
    account = Account(venue, "acct", wallet_balance=collateral if mode == "cross" else None)
    position = Position(venue=venue, account="acct", symbol="BTCX", coin="BTC", side=side, size=size, entry=ENTRY,
                        leverage=data.get("leverage"), margin_mode=mode,
                        contract=ContractData(kind=contract, contract_size=contract_size, mmr=0.005,
                                              maintenance_amount=0.0, taker_fee=0.0005))
    return data, account, position


def _cli(data: dict) -> dict:
    out = io.StringIO()
    assert margin_cli.main([], stdin=io.StringIO(json.dumps(data)), stdout=out) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize(("venue", "contract", "side", "mode"), CASES, ids=str)
def test_book_figures_equal_the_engine_and_cascade_margin(venue: str, contract: str, side: str, mode: str) -> None:
    data, account, position = _inputs(venue, contract, side, mode)
    view = value_book([account], [position], {(venue, "BTCX"): Mark(MARK, NOW - 200, "test")}, NOW).positions[0]
    engine = compute(MarginPosition(**{key: value for key, value in data.items()}))
    cli = _cli(data)
    assert view.error is None
    for name, ours in (("liquidation_price", view.liquidation_price), ("distance_price", view.distance_price),
                       ("distance_pct", view.distance_pct), ("margin_ratio", view.margin_ratio),
                       ("mark_price", view.mark)):
        assert ours == getattr(engine, name), name  # the very same float: no second formula
        assert ours == pytest.approx(cli[name], rel=1e-15), name
    assert view.result == engine
    assert view.liquidation_source == "ours"
    assert view.stress == stress_level(view.distance_pct)
    sign = 1 if side == "long" else -1
    if contract == "linear":
        assert view.upnl == pytest.approx(sign * 2 * (MARK - ENTRY))
    else:
        assert view.upnl == pytest.approx(sign * 100_000 * (1 / ENTRY - 1 / MARK))
        assert view.upnl_usd == pytest.approx(view.upnl * MARK)


@pytest.mark.parametrize("venue", sorted(VENUES))
def test_cross_neighbours_in_the_account_feed_the_engine(venue: str) -> None:
    account = Account(venue, "main", wallet_balance=20_000)
    contract = ContractData(mmr=0.01, maintenance_amount=0.0)
    eth = Position(venue, "main", "ETHX", "ETH", "long", 10, 3_000, margin_mode="cross", contract=contract)
    sol = Position(venue, "main", "SOLX", "SOL", "short", 100, 150, margin_mode="cross", contract=contract)
    loner = Position(venue, "side", "SOLX", "SOL", "long", 10, 150, leverage=5, contract=contract)
    marks = {(venue, "ETHX"): Mark(2_900, NOW, "t"), (venue, "SOLX"): Mark(140, NOW, "t")}
    book = value_book([account], [eth, sol, loner], marks, NOW)
    engine_eth = compute(MarginPosition(
        venue=venue, side="long", entry_price=3_000, quantity=10, margin_mode="cross", mark_price=2_900,
        wallet_balance=20_000, mmr=0.01, maintenance_amount=0.0, symbol="ETHX",
        other_positions=(OtherPosition("short", 150, 100, mark_price=140, mmr=0.01, maintenance_amount=0.0,
                                       symbol="SOLX"),)))
    view = book.position(eth.key)
    assert view.liquidation_price == engine_eth.liquidation_price
    assert view.margin_ratio == engine_eth.margin_ratio
    # one cross wallet: both cross positions report the account's ratio, the account its nearest
    assert book.position(sol.key).margin_ratio == pytest.approx(view.margin_ratio, rel=1e-12)
    main = book.account((venue, "main"))
    assert main.margin_ratio == pytest.approx(view.margin_ratio, rel=1e-12)
    nearest = min((book.position(eth.key), book.position(sol.key)), key=lambda v: v.distance_pct)
    assert main.nearest == nearest.key and main.nearest_distance_pct == nearest.distance_pct
    # an isolated position in another account is valued alone
    assert book.position(loner.key).result == compute(MarginPosition(
        venue=venue, side="long", entry_price=150, quantity=10, leverage=5, mark_price=140, mmr=0.01,
        maintenance_amount=0.0, symbol="SOLX", label=loner.name))


def test_positions_are_sorted_nearest_to_liquidation_first() -> None:
    contract = ContractData(mmr=0.005)
    positions = [Position("binance", "a", f"S{lev}", "X", "long", 1, 100, leverage=lev, contract=contract)
                 for lev in (3, 20, 8, 50)]
    marks = {("binance", f"S{lev}"): Mark(100, NOW, "t") for lev in (3, 20, 8, 50)}
    book = value_book([], positions, marks, NOW)
    assert [view.key[2] for view in book.positions] == ["S50", "S20", "S8", "S3"]
    assert book.nearest.key[2] == "S50"
    assert [view.distance_pct for view in book.positions] == sorted(view.distance_pct for view in book.positions)


def test_mark_age_source_and_staleness() -> None:
    position = Position("okx", "a", "ETHX", "ETH", "long", 1, 3_000, leverage=10, contract=ContractData(mmr=0.01))
    fresh = value_book([], [position], {("okx", "ETHX"): Mark(2_950, NOW - 1_200, "okx/public mark")}, NOW)
    view = fresh.positions[0]
    assert (view.mark, view.mark_age_ms, view.mark_source, view.stale) == (2_950, 1_200, "okx/public mark", False)
    old = value_book([], [position], {("okx", "ETHX"): Mark(2_950, NOW - 9_000, "okx/public mark")}, NOW,
                     stale_after_ms=5_000).positions[0]
    assert old.stale and "9.0 s old" in old.stale_reason
    assert old.liquidation_price == view.liquidation_price  # still valued, flagged
    missing = value_book([], [position], {}, NOW).positions[0]
    assert missing.stale and missing.mark == 3_000 and "no mark" in missing.stale_reason


def test_exchange_liquidation_price_beside_ours_flagged_beyond_tolerance() -> None:
    base = Position("bybit", "a", "BTCX", "BTC", "long", 1, 20_000, leverage=50, contract=ContractData(mmr=0.005))
    marks = {("bybit", "BTCX"): Mark(20_000, NOW, "t")}
    ours = value_book([], [base], marks, NOW).positions[0].liquidation_price
    assert ours == pytest.approx(19_700)
    near = msgspec.structs.replace(base, exchange_liquidation_price=ours * (1 + LIQ_TOLERANCE_PCT / 200))
    far = msgspec.structs.replace(base, exchange_liquidation_price=ours * 1.02)
    near_view = value_book([], [near], marks, NOW).positions[0]
    far_view = value_book([], [far], marks, NOW).positions[0]
    assert near_view.exchange_liquidation_price == near.exchange_liquidation_price and not near_view.liq_disagrees
    assert far_view.liq_disagrees and far_view.liq_disagreement_pct == pytest.approx((1 / 1.02 - 1) * 100)
    assert far_view.liquidation_price == ours  # ours shown, theirs beside it


def test_account_level_mode_measures_distance_to_the_exchange_price() -> None:
    account = Account("binance", "pm", wallet_balance=1_000, account_mode="portfolio_margin")
    position = Position("binance", "pm", "BTCX", "BTC", "short", 1, 100, margin_mode="cross",
                        contract=ContractData(mmr=0.005), exchange_liquidation_price=110)
    view = value_book([account], [position], {("binance", "BTCX"): Mark(104.5, NOW, "t")}, NOW).positions[0]
    assert view.liquidation_price is None and view.liquidation_source == "exchange"
    assert view.distance_price == pytest.approx(5.5) and view.distance_pct == pytest.approx(5.5 / 104.5 * 100)
    assert view.stress is StressLevel.WATCH


def test_bad_inputs_are_shown_with_the_field_never_dropped() -> None:
    orphan = Position("gate", "nowhere", "BTCX", "BTC", "long", 1, 100, margin_mode="cross",
                      contract=ContractData(mmr=0.005))
    no_tiers = Position("okx", "a", "ETHX", "ETH", "long", 1, 100, leverage=5)
    good = Position("gate", "a", "BTCX", "BTC", "long", 1, 100, leverage=5, contract=ContractData(mmr=0.005))
    twin = msgspec.structs.replace(good, leverage=4)
    book = value_book([], [orphan, no_tiers, good, twin], {}, NOW)
    assert len(book.positions) == 4
    by_field = {view.error_field: view for view in book.positions if view.error}
    assert set(by_field) == {"account", "mmr", "side"}
    assert all(view.stress is StressLevel.UNKNOWN for view in by_field.values())
    assert book.positions[0].key == good.key  # valued first, errors last


def test_position_past_liquidation_on_opening_is_flagged_and_liquidated() -> None:
    # 1000x on Bybit: the engine flags it (note naming leverage); the book shows it liquidated.
    position = Position("bybit", "a", "BTCX", "BTC", "long", 1, 20_000, leverage=1_000,
                        contract=ContractData(mmr=0.005))
    view = value_book([], [position], {("bybit", "BTCX"): Mark(20_000, NOW, "t")}, NOW).positions[0]
    assert FLAG_LIQUIDATED_AT_ENTRY in view.flags
    assert any(note.startswith("leverage:") for note in view.notes)
    assert view.stress is StressLevel.LIQUIDATED


@pytest.mark.parametrize(("distance", "level"), [(25.0, StressLevel.CALM), (10.0, StressLevel.WATCH),
                                                 (7.0, StressLevel.WATCH), (5.0, StressLevel.WARNING),
                                                 (2.5, StressLevel.WARNING), (1.9, StressLevel.DANGER),
                                                 (0.0, StressLevel.LIQUIDATED), (-3.0, StressLevel.LIQUIDATED)])
def test_stress_levels_follow_the_distance_thresholds(distance: float, level: StressLevel) -> None:
    assert stress_level(distance) is level


def test_fully_collateralised_position_is_calm_without_a_liquidation_price() -> None:
    position = Position("binance", "a", "BTCX", "BTC", "long", 1, 100, leverage=1, contract=ContractData(mmr=0.005))
    view = value_book([], [position], {("binance", "BTCX"): Mark(100, NOW, "t")}, NOW).positions[0]
    assert view.liquidation_price is None and view.stress is StressLevel.CALM
    assert any("fall to zero" in note for note in view.notes)


@pytest.mark.parametrize(("changes", "field"), [
    ({"entry": 0.0}, "entry"), ({"size": float("nan")}, "size"), ({"leverage": -2.0}, "leverage"),
    ({"contract": ContractData(kind="inverse", mmr=float("inf"))}, "contract.mmr"),
    ({"isolated_margin": float("-inf")}, "isolated_margin"),
])
def test_unusable_numbers_name_the_book_field(changes: dict, field: str) -> None:
    position = msgspec.structs.replace(
        Position("generic", "a", "X", "X", "long", 1, 100, leverage=5, contract=ContractData(kind="inverse", mmr=0.01)),
        **changes)
    view = value_book([], [position], {("generic", "X"): Mark(100, NOW, "t")}, NOW).positions[0]
    assert view.error_field == field and view.stress is StressLevel.UNKNOWN


@pytest.mark.parametrize("price", [0.0, -5.0, float("nan"), float("inf")])
def test_unusable_mark_is_no_mark(price: float) -> None:
    position = Position("generic", "a", "X", "X", "long", 1_000, 100, leverage=5,
                        contract=ContractData(kind="inverse", mmr=0.01))
    view = value_book([], [position], {("generic", "X"): Mark(price, NOW, "feed")}, NOW).positions[0]
    assert view.error is None and view.stale and "unusable mark" in view.stale_reason and view.mark == 100


def test_an_error_in_a_cross_neighbour_names_it() -> None:
    account = Account("okx", "main", wallet_balance=5_000)
    good = Position("okx", "main", "BTCX", "BTC", "long", 1, 50_000, margin_mode="cross",
                    contract=ContractData(mmr=0.01))
    no_data = Position("okx", "main", "ETHX", "ETH", "short", 1, 3_000, margin_mode="cross")  # no mmr or tiers
    nan_size = Position("okx", "main", "SOLX", "SOL", "short", float("nan"), 100, margin_mode="cross",
                        contract=ContractData(mmr=0.01))
    book = value_book([account], [good, no_data], {}, NOW)
    view = book.position(good.key)
    assert view.error_field == "mmr" and "okx main ETHX short (same cross wallet)" in view.error
    view = value_book([account], [good, nan_size], {}, NOW).position(good.key)
    assert view.error_field == "size" and "okx main SOLX short" in view.error
