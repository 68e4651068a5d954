"""The history store's daily totals for the JGB chart: one UTC day per bucket, summed over venues."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.core.events import Liquidation
from app.core.macro.liquidation_days import DayTotals
from app.services.jgb_liquidations import load_day_totals
from app.store.db import HistoryDb


def ms(d: int, h: int) -> int:
    return int(datetime(2026, 1, d, h, tzinfo=UTC).timestamp() * 1000)


def liq(venue: str, ts: int, usd: float, side: str = "long") -> Liquidation:
    return Liquidation(venue, "BTCUSDT", "BTC", "linear_perp", side, 90_000.0, usd / 90_000, usd, ts,  # type: ignore[arg-type]
                       "all", f"{venue}{ts}{side}")


def test_daily_totals_come_from_the_store_per_utc_day() -> None:
    db = HistoryDb.open(":memory:")
    try:
        db.write_liquidations([liq("binance", ms(19, 23), 100.0), liq("bybit", ms(20, 0), 50.0, "short"),
                               liq("okx", ms(20, 23), 25.0), liq("binance", ms(22, 12), 1.0)])
        db.flush(5)
        days = load_day_totals(db, ms(19, 0), ms(21, 0))  # the 22nd is outside the window
        assert days == [DayTotals(date(2026, 1, 19), 100.0, 0.0, 1), DayTotals(date(2026, 1, 20), 25.0, 50.0, 2)]
        assert load_day_totals(db, ms(21, 0), ms(22, 0)) == []  # a day without any: left out
    finally:
        db.close()
