"""The panel's row text (pure): columns, stale rows, the ours | exchange's liquidation price flag."""

from __future__ import annotations

from types import SimpleNamespace

from app.core.events import MarkPrice
from app.core.positions import Position
from app.services.position_rows import COLUMNS, account_rows, rows
from app.services.positions import PositionService

NOW = 1_768_935_600_000


def frame(position: Position, price: float, age_ms: int = 500, **extra: object):  # type: ignore[no-untyped-def]
    engine = SimpleNamespace(marks={position.mark_key: MarkPrice(position.venue, position.symbol, position.coin,
                                                                 price, NOW - age_ms, **extra)}, accounts={})
    return PositionService(engine, (), [position]).tick(NOW)


def test_columns_and_funding() -> None:
    position = Position("binance", "main", "ETHUSDT", "ETH", "long", 40.0, 3340.0, leverage=5.0)
    built = frame(position, 3200.0, funding_rate=0.0001, next_funding_ms=NOW + 90 * 60_000)
    row = rows(built, NOW)[0]
    text = dict(zip(COLUMNS, row.texts, strict=True))
    assert text["Venue"] == "Binance" and text["Side"] == "long" and text["Size"] == "40"
    assert text["Mark (age)"] == "3,200.0 (0.5s)"
    assert text["Funding · next"] == "+0.0100% · 1h 30m"
    assert text["uPnL"] == "-$5.60K"
    assert text["Liq. ours | exch."].endswith("| —")
    assert text["Stress"] == "calm" and row.manual and not row.stale
    assert 0 < row.bar_fraction < 1
    assert account_rows(built)[0].texts[0] == "Binance main"


def test_stale_and_disagreeing_exchange_price() -> None:
    position = Position("binance", "main", "ETHUSDT", "ETH", "long", 40.0, 3340.0, leverage=5.0,
                        exchange_liquidation_price=2500.0)
    row = rows(frame(position, 3200.0, age_ms=9000), NOW)[0]
    text = dict(zip(COLUMNS, row.texts, strict=True))
    assert row.stale and text["Stress"].endswith("(stale)") and "9.0 s old" in row.tooltip
    assert row.liq_disagrees and text["Liq. ours | exch."].endswith("2,500.0 ⚠")
