"""Watchlists (pure): entries, the scope predicate, create/rename/reorder/delete, import all or nothing."""

from __future__ import annotations

import json

import pytest

from app.core.events import Liquidation
from app.core.tape import Tape, TapeFilter
from app.core.watchlist import (
    Known,
    Watchlist,
    WatchlistError,
    Watchlists,
    export_csv,
    export_json,
    parse_entry,
    parse_import,
)

KNOWN = Known(
    venues=frozenset({"binance", "bybit", "okx"}),
    symbols={"binance": frozenset({"BTCUSDT", "1000PEPEUSDT"}), "bybit": frozenset({"BTCUSDT", "SOLUSDT"}),
             "okx": frozenset({"BTC-USDT-SWAP"})},
    coins=frozenset({"BTC", "ETH", "SOL", "PEPE"}),
    aliases={"okx": "okx", "bybit": "bybit"},
)


def liq(venue: str, symbol: str, coin: str, usd: float = 1000.0, ts: int = 1) -> Liquidation:
    return Liquidation(venue, symbol, coin, "linear_perp", "long", 1.0, usd, usd, ts, "all", f"{venue}{symbol}{ts}")


def test_entries_are_canonical_and_unknown_names_are_refused() -> None:
    assert parse_entry(" btc ", KNOWN) == "BTC"
    assert parse_entry("Bybit:solusdt", KNOWN) == "bybit:SOLUSDT"
    assert parse_entry("okx:btc-usdt-swap", KNOWN) == "okx:BTC-USDT-SWAP"
    with pytest.raises(WatchlistError, match="unknown venue 'kraken'"):
        parse_entry("kraken:XBTUSD", KNOWN)
    with pytest.raises(WatchlistError, match="unknown coin 'DOGE'"):
        parse_entry("DOGE", KNOWN)
    with pytest.raises(WatchlistError, match="unknown symbol 'ETHUSDT' on bybit"):
        parse_entry("bybit:ETHUSDT", KNOWN)


def test_scope_matches_coins_and_venue_symbol_pairs_only() -> None:
    watchlist = Watchlist(1, "Mine", ("PEPE", "bybit:SOLUSDT"))
    scope = watchlist.scope()
    assert scope.matches("binance", "1000PEPEUSDT", "PEPE")  # the coin, through a multiplied contract
    assert scope.matches("bybit", "SOLUSDT", "SOL")
    assert not scope.matches("binance", "SOLUSDT", "SOL")  # SOL on another venue is not in the list
    assert not scope.matches("bybit", "BTCUSDT", "BTC")
    assert watchlist.matches("bybit", "SOLUSDT", "SOL")


def test_a_tape_scoped_to_a_watchlist_keeps_only_its_rows() -> None:
    tape = Tape(max_rows=10)
    rows = [liq("bybit", "BTCUSDT", "BTC", ts=1), liq("bybit", "SOLUSDT", "SOL", ts=2),
            liq("binance", "SOLUSDT", "SOL", ts=3)]
    tape.push(rows)
    shown = tape.refilter(TapeFilter(scope=Watchlist(1, "x", ("bybit:SOLUSDT", "BTC")).scope()))
    assert [r.ts_ms for r in shown] == [2, 1]
    tape.push([liq("binance", "SOLUSDT", "SOL", ts=4), liq("okx", "BTC-USDT-SWAP", "BTC", ts=5)])
    update = tape.take_update()
    assert update is not None and [r.ts_ms for r in update.inserted] == [5]


def test_create_rename_reorder_delete() -> None:
    lists = Watchlists()
    majors = lists.create("Majors", ("BTC", "ETH"))
    memes = lists.create("  memes  ", ("PEPE",))
    assert memes.name == "memes"
    with pytest.raises(WatchlistError, match="already exists"):
        lists.create("MAJORS")
    with pytest.raises(WatchlistError, match="needs a name"):
        lists.create("   ")
    lists.rename(majors.id, "Big ones")
    assert lists.get(majors.id).name == "Big ones"  # type: ignore[union-attr]
    lists.move(memes.id, 0)
    assert [w.name for w in lists] == ["memes", "Big ones"]
    lists.delete(memes.id)
    third = lists.create("Third")
    assert third.id not in (majors.id, memes.id)  # ids are never reused: a stale scope cannot point at it
    assert [w.name for w in lists] == ["Big ones", "Third"]
    with pytest.raises(WatchlistError):
        lists.delete(999)


def test_export_then_import_round_trips_in_both_formats() -> None:
    lists = [Watchlist(1, "Majors", ("BTC", "ETH")), Watchlist(2, "Pairs, mine", ("bybit:SOLUSDT", "PEPE"))]
    for text in (export_json(lists), export_csv(lists)):
        result = parse_import(text, KNOWN)
        assert result.ok, result.problems
        assert result.lists == [("Majors", ("BTC", "ETH")), ("Pairs, mine", ("bybit:SOLUSDT", "PEPE"))]


def test_a_csv_import_with_bad_rows_reports_each_by_line_and_imports_nothing() -> None:
    text = "watchlist,entry\nMajors,BTC\nMajors,DOGE\n\nAlts,kraken:XBTUSD\nAlts,SOL,extra\nAlts,bybit:SOLUSDT\n"
    result = parse_import(text, KNOWN)
    assert not result.ok
    assert result.lists == []
    assert [(p.line, p.text) for p in result.problems] == [
        (3, "Majors: unknown coin 'DOGE' (no venue lists it)"),
        (5, "Alts: unknown venue 'kraken'"),
        (6, "expected 2 columns (watchlist, entry), found 3"),
    ]


def test_a_json_import_with_a_bad_entry_reports_its_line() -> None:
    text = json.dumps({"version": 1, "watchlists": [
        {"name": "Majors", "entries": ["BTC", "ETH"]},
        {"name": "Alts", "entries": ["SOL", "binance:NOPEUSDT", 7]}]}, indent=2)
    result = parse_import(text, KNOWN)
    lines = text.splitlines()
    assert not result.ok and result.lists == []
    bad = [p for p in result.problems]
    assert len(bad) == 2
    assert "NOPEUSDT" in lines[bad[0].line - 1] and "unknown symbol 'NOPEUSDT' on binance" in bad[0].text
    assert lines[bad[1].line - 1].strip() == "7" and "not a string" in bad[1].text


def test_unreadable_or_empty_files_are_reported_not_imported() -> None:
    assert parse_import('{"watchlists": [', KNOWN).problems[0].text.startswith("not JSON")
    assert parse_import("", KNOWN).problems[0].text == "no watchlist in the file"
    assert "unsupported version" in parse_import('{"version": 9, "watchlists": []}', KNOWN).problems[0].text


def test_merge_replaces_same_named_lists_and_adds_the_rest() -> None:
    lists = Watchlists([Watchlist(1, "Majors", ("BTC",))])
    assert lists.merge([("majors", ("ETH",)), ("New", ("SOL",))]) == (1, 1)
    assert [(w.id, w.name, w.entries) for w in lists] == [(1, "Majors", ("ETH",)), (2, "New", ("SOL",))]
