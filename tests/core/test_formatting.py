from __future__ import annotations

import math

from app.core.formatting import compact_usd, format_clock, format_price, format_qty


def test_compact_usd() -> None:
    assert compact_usd(13_520_000) == "$13.52M"
    assert compact_usd(1_080_000_000) == "$1.08B"
    assert compact_usd(912_400) == "$912.4K"
    assert compact_usd(999_999) == "$1.00M"
    assert compact_usd(87) == "$87"
    assert compact_usd(-2500) == "-$2.50K"
    assert compact_usd(math.nan) == "—"


def test_price_at_tick_precision() -> None:
    assert format_price(87812.3, 0.1) == "87,812.3"
    assert format_price(3012.456, 0.01) == "3,012.46"
    assert format_price(0.0045, 0.000001) == "0.004500"
    assert format_price(92500, None) == "92,500.0"


def test_qty_and_clock() -> None:
    assert format_qty(2200) == "2,200"
    assert format_qty(1.5) == "1.5"
    assert format_qty(0.014) == "0.014"
    assert format_clock(1768935600000) == "19:00:00"
    assert format_clock(1768935600000, with_date=True) == "2026-01-20 19:00:00 UTC"
