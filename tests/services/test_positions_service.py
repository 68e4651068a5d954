"""PositionService: the book valued per tick on the engine's marks, stale reasons, reported accounts,
alerts in the alert path's shape, the run's nearest approach and the closing line."""

from __future__ import annotations

from types import SimpleNamespace

from app.core.events import AccountState, MarkPrice
from app.core.margin.engine import compute
from app.core.margin.model import Position as MarginPosition
from app.core.positions import Account, ContractData, Position
from app.resources import resource_path
from app.services.positions import PositionService, closing_line, load_book
from app.services.venue_status import VenueRecord

NOW = 1_768_935_600_000
ETH = Position("binance", "main", "ETHUSDT", "ETH", "long", 40.0, 3340.0, leverage=5.0)


def engine() -> SimpleNamespace:
    return SimpleNamespace(marks={}, accounts={})


def put_mark(eng: SimpleNamespace, venue: str, symbol: str, price: float, ts: int, **extra: object) -> None:
    eng.marks[(venue, symbol)] = MarkPrice(venue, symbol, symbol[:3], price, ts, **extra)  # type: ignore[arg-type]


def live(*venues: str, state: str = "live") -> list[VenueRecord]:
    return [VenueRecord(venue, state, 1.0, "all") for venue in venues]


def test_demo_book_is_a_cross_venue_book_of_three_positions() -> None:
    accounts, positions = load_book(resource_path("demo", "positions.json"))
    assert {p.venue for p in positions} == {"binance", "bybit", "okx"}
    assert {p.coin for p in positions} == {"BTC", "ETH", "SOL"}
    frame = PositionService(engine(), accounts, positions).tick(NOW)
    assert all(view.error is None and view.liquidation_price for view in frame.book.positions)


def test_row_has_the_engine_figures_and_funding() -> None:
    eng = engine()
    put_mark(eng, "binance", "ETHUSDT", 3200.0, NOW - 1000, funding_rate=0.0001, next_funding_ms=NOW + 3_600_000)
    frame = PositionService(eng, (), [ETH]).tick(NOW, live("binance"))
    view = frame.book.positions[0]
    expected = compute(MarginPosition(venue="binance", side="long", entry_price=3340.0, quantity=40.0,
                                      mark_price=3200.0, leverage=5.0, symbol="ETHUSDT"))
    assert view.liquidation_price == expected.liquidation_price
    assert view.distance_pct == expected.distance_pct
    assert not view.stale
    assert frame.funding[("binance", "ETHUSDT")].rate == 0.0001
    assert frame.manual == frozenset({ETH.key})


def test_stale_mark_no_mark_stream_and_feed_down() -> None:
    eng = engine()
    put_mark(eng, "binance", "ETHUSDT", 3200.0, NOW - 6000)
    odd = Position("okx", "main", "ETH-USDT-SWAP", "ETH", "short", 1.0, 3000.0, leverage=2.0,
                   contract=ContractData(mmr=0.01))
    service = PositionService(eng, (), [ETH, odd], mark_streams=lambda venue, symbol: venue != "okx")
    frame = service.tick(NOW, live("binance", "okx"))
    eth = frame.book.position(ETH.key)
    assert eth.stale and "6.0 s old" in eth.stale_reason
    okx = frame.book.position(odd.key)
    assert okx.stale and okx.stale_reason.startswith("no mark stream from OKX for ETH-USDT-SWAP")
    # A venue whose feed is not live makes its held positions stale, and "feed down" is raised once.
    put_mark(eng, "binance", "ETHUSDT", 3200.0, NOW + 20_000)
    frame = service.tick(NOW + 20_000, live("binance", state="stalled"))
    eth = frame.book.position(ETH.key)
    assert eth.stale and "Binance feed stalled" in eth.stale_reason
    down = [alert for alert in frame.alerts if alert.key.startswith("position:feed_down:binance")]
    assert len(down) == 1 and down[0].level == "warning"
    again = service.tick(NOW + 21_000, live("binance", state="stalled"))
    assert not [a for a in again.alerts if a.key.startswith("position:feed_down:binance")]


def test_distance_alert_fires_once_and_nearest_is_tracked() -> None:
    eng = engine()
    service = PositionService(eng, (), [ETH])
    put_mark(eng, "binance", "ETHUSDT", 3200.0, NOW)
    assert service.tick(NOW, live("binance")).alerts == ()
    liquidation = service.last.book.positions[0].liquidation_price
    fired = []
    for step, price in enumerate((2900.0, 2880.0, 2870.0, 2890.0)):
        put_mark(eng, "binance", "ETHUSDT", price, NOW + 1000 * (step + 1))
        fired += service.tick(NOW + 1000 * (step + 1), live("binance")).alerts
    assert [alert.key for alert in fired] == ["position:distance:binance/main/ETHUSDT/long@10"]
    nearest = service.nearest()
    assert nearest is not None and nearest.liquidation_price == liquidation
    assert abs(nearest.distance_pct - (2870.0 - liquidation) / 2870.0 * 100) < 1e-9
    assert closing_line(nearest) == (f"cascade: nearest to liquidation binance ETHUSDT long liq {liquidation:,.2f} "
                                     f"min distance {nearest.distance_pct:.2f}%")


def test_reported_account_joins_the_book_and_nothing_valued_says_none() -> None:
    eng = engine()
    reported = Position("hyperliquid", "0xabc", "ETH", "ETH", "long", 2200.0, 3250.0, leverage=10.0,
                        margin_mode="isolated", exchange_liquidation_price=2991.43)
    eng.accounts[("hyperliquid", "0xabc")] = AccountState(Account("hyperliquid", "0xabc"), (reported,), NOW, "poll")
    service = PositionService(eng)
    assert closing_line(service.nearest()) == "cascade: nearest to liquidation none"
    put_mark(eng, "hyperliquid", "ETH", 3200.0, NOW)
    frame = service.tick(NOW)
    view = frame.book.position(reported.key)
    assert view is not None and view.exchange_liquidation_price == 2991.43
    assert reported.key not in frame.manual
    assert service.nearest() is not None


def test_add_edit_delete() -> None:
    service = PositionService(engine())
    service.add(ETH)
    short = Position("binance", "main", "ETHUSDT", "ETH", "short", 5.0, 3300.0, leverage=3.0)
    service.replace(ETH.key, short)
    assert service.positions == [short]
    assert service.delete(short.key) and service.positions == []


def test_no_feed_down_while_the_venue_makes_its_first_connection() -> None:
    eng = engine()
    service = PositionService(eng, (), [ETH])
    connecting = [VenueRecord("binance", "connecting", 0.0, "sampled")]
    assert service.tick(NOW, connecting).alerts == ()
    frame = service.tick(NOW + 60_000, connecting)
    assert frame.alerts == () and "Binance feed connecting" in frame.book.positions[0].stale_reason
    put_mark(eng, "binance", "ETHUSDT", 3200.0, NOW + 61_000)
    assert service.tick(NOW + 61_000, live("binance")).alerts == ()  # no "feed back" for a feed never called down
    # A venue that fails its first connection is judged: its held position's feed is down.
    other = PositionService(engine(), (), [ETH])
    offline = [VenueRecord("binance", "offline", 0.0, "sampled")]
    other.tick(NOW, offline)
    assert [a.title for a in other.tick(NOW + 16_000, offline).alerts] == ["Mark feed down for a held position"]


def test_held_symbols_get_mark_subscriptions_beside_the_majors() -> None:
    from app.core.instruments import load_bundled
    from app.services.runtime import connection_specs

    specs = connection_specs(("okx",), None, load_bundled(), None, held_symbols={"okx": ["AVAX-USDT-SWAP"]})
    subscribed = " ".join(message for spec in specs for message in spec.subscribe)
    assert '"instId":"AVAX-USDT-SWAP"' in subscribed and '"instId":"BTC-USDT-SWAP"' in subscribed
