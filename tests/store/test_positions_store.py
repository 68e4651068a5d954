"""The manual positions table: saved, edited, deleted, and read back after reopening the file."""

from __future__ import annotations

import sqlite3

import pytest

from app.core.positions import Account, ContractData, Position
from app.store.db import HistoryDb
from app.store.positions import MIGRATIONS, PositionStore, PositionStoreError

ETH = Position("binance", "main", "ETHUSDT", "ETH", "long", 12.0, 3300.0, leverage=5.0)
BTC = Position("bybit", "main", "BTCUSDT", "BTC", "long", 0.8, 95_000.0, leverage=10.0,
               contract=ContractData(mmr=0.005, max_leverage=100.0))


def test_positions_survive_reopen_with_edit_and_delete(tmp_path) -> None:
    path = tmp_path / "history.sqlite3"
    store = PositionStore.open(path)
    store.save_position(ETH)
    store.save_position(BTC)
    store.save_account(Account("bybit", "main", wallet_balance=10_000.0))
    edited = Position("binance", "main", "ETHUSDT", "ETH", "short", 10.0, 3250.0, leverage=3.0)
    store.save_position(edited, replaces=ETH.key)
    store.close()

    reopened = PositionStore.open(path)
    accounts, positions = reopened.load()
    assert positions == [BTC, edited]
    assert accounts == [Account("bybit", "main", wallet_balance=10_000.0)]
    reopened.delete_position(BTC.key)
    reopened.close()
    assert PositionStore.open(path).load()[1] == [edited]


def test_shares_the_history_file_without_touching_its_user_version(tmp_path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryDb.open(path) as history:
        version = history.schema_version()
    store = PositionStore.open(path)
    store.save_position(ETH)
    assert store.version() == len(MIGRATIONS)
    store.close()
    with HistoryDb.open(path) as history:
        assert history.schema_version() == version
    assert PositionStore.open(path).load()[1] == [ETH]


def test_a_newer_store_is_refused_with_a_message(tmp_path) -> None:
    path = tmp_path / "history.sqlite3"
    PositionStore.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE store_versions SET version = 99 WHERE name = 'positions'")
    with pytest.raises(PositionStoreError, match="newer"):
        PositionStore.open(path)
