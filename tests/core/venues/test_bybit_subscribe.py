"""Bybit subscription shape: liquidations for every symbol, marks only for the few asked for."""

from __future__ import annotations


def test_marks_can_be_limited_to_a_few_symbols_while_liquidations_cover_all() -> None:
    import json

    from app.core.venues.bybit import subscribe_messages

    args = [arg for message in subscribe_messages(["BTCUSDT", "ETHUSDT", "WIFUSDT"], mark_symbols=["BTCUSDT"])
            for arg in json.loads(message)["args"]]
    assert args == ["allLiquidation.BTCUSDT", "tickers.BTCUSDT", "allLiquidation.ETHUSDT", "allLiquidation.WIFUSDT"]
