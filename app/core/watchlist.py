"""Watchlists: named sets of coins (`BTC`) or venue:symbol pairs (`bybit:BTCUSDT`), in the user's order.

Pure: no Qt, no I/O. A `Watchlist` answers `matches(venue, symbol, coin)` in O(1) (the tape asks it
for every liquidation that passes its other filters); `Watchlists` is the ordered collection with
create / rename / reorder / delete, and `parse_import` reads the small JSON or CSV files that
`export_json` / `export_csv` write, all or nothing: one bad row and nothing is imported, every bad
row is reported with its line number.

An entry names either a canonical coin (the `coin` of `app.core.events.Liquidation`, so `PEPE`
matches 1000PEPEUSDT and kPEPE alike) or one venue's symbol. What counts as a known venue, symbol
or coin is passed in (`Known`), so this module never reads the registry or the instruments itself.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import msgspec

MAX_NAME = 40
MAX_ENTRIES = 500
FORMAT_VERSION = 1
CSV_HEADER = ("watchlist", "entry")


class WatchlistError(ValueError):
    """A rejected change (empty or duplicate name, unknown watchlist, bad entry): the text says why."""


class Scope(msgspec.Struct, frozen=True, gc=False):
    """What a pane scoped to a watchlist keeps: built once per change, asked per event in O(1)."""

    id: int
    name: str
    coins: frozenset[str]
    pairs: frozenset[tuple[str, str]]

    def matches(self, venue: str, symbol: str, coin: str) -> bool:
        return coin in self.coins or (venue, symbol) in self.pairs


class Watchlist(msgspec.Struct, frozen=True):
    """`id` is stable across renames: pane scopes refer to it. `entries` are canonical strings
    (`BTC`, `bybit:BTCUSDT`), in the user's order."""

    id: int
    name: str
    entries: tuple[str, ...] = ()

    def scope(self) -> Scope:
        coins: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        for entry in self.entries:
            venue, _, symbol = entry.partition(":")
            if symbol:
                pairs.add((venue, symbol))
            else:
                coins.add(entry)
        return Scope(self.id, self.name, frozenset(coins), frozenset(pairs))

    def matches(self, venue: str, symbol: str, coin: str) -> bool:
        """The scope predicate (build `scope()` once when asking for many events)."""
        return self.scope().matches(venue, symbol, coin)

    @property
    def coins(self) -> list[str]:
        """The coins the watchlist names, directly or through a venue:symbol entry's coin."""
        return [entry for entry in self.entries if ":" not in entry]

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [(venue, symbol) for venue, _, symbol in (e.partition(":") for e in self.entries if ":" in e)]


@dataclass(frozen=True)
class Known:
    """What an entry may name: venues (by name; `aliases` maps lower-case display names to names), each
    venue's symbols, and the coins any venue lists."""

    venues: frozenset[str]
    symbols: dict[str, frozenset[str]] = field(default_factory=dict)
    coins: frozenset[str] = frozenset()
    aliases: dict[str, str] = field(default_factory=dict)

    def venue(self, text: str) -> str | None:
        lowered = text.strip().lower()
        if lowered in self.venues:
            return lowered
        return self.aliases.get(lowered)

    def symbol(self, venue: str, text: str) -> str | None:
        """The venue's own spelling of `text` (symbols are matched without regard to case)."""
        listed = self.symbols.get(venue, frozenset())
        wanted = text.strip()
        if wanted in listed:
            return wanted
        upper = wanted.upper()
        for symbol in listed:
            if symbol.upper() == upper:
                return symbol
        return None


def parse_entry(text: str, known: Known) -> str:
    """`btc` → `BTC`; `Bybit:btcusdt` → `bybit:BTCUSDT`. Raises WatchlistError naming what is unknown."""
    raw = text.strip()
    if not raw:
        raise WatchlistError("empty entry")
    venue_text, colon, symbol_text = raw.partition(":")
    if colon:
        venue = known.venue(venue_text)
        if venue is None:
            raise WatchlistError(f"unknown venue {venue_text.strip()!r}")
        if not symbol_text.strip():
            raise WatchlistError(f"no symbol after {venue_text.strip()}:")
        symbol = known.symbol(venue, symbol_text)
        if symbol is None:
            raise WatchlistError(f"unknown symbol {symbol_text.strip()!r} on {venue}")
        return f"{venue}:{symbol}"
    coin = raw.upper()
    if any(c.isspace() for c in coin) or "," in coin:
        raise WatchlistError(f"not a coin: {raw!r} (one coin per entry)")
    if coin not in known.coins:
        raise WatchlistError(f"unknown coin {raw!r} (no venue lists it)")
    return coin


def check_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise WatchlistError("a watchlist needs a name")
    if len(clean) > MAX_NAME:
        raise WatchlistError(f"name longer than {MAX_NAME} characters")
    return clean


def parse_entries(texts: Iterable[str], known: Known) -> tuple[str, ...]:
    """Entries in order, duplicates dropped; the first bad one raises (the dialog shows it)."""
    entries: list[str] = []
    for text in texts:
        if not text.strip():
            continue
        entry = parse_entry(text, known)
        if entry not in entries:
            entries.append(entry)
    if len(entries) > MAX_ENTRIES:
        raise WatchlistError(f"more than {MAX_ENTRIES} entries")
    return tuple(entries)


def split_entries(text: str) -> list[str]:
    """The dialog's entry box: commas, spaces or new lines between entries."""
    return [part for part in text.replace(",", " ").split() if part]


class Watchlists:
    """The user's watchlists in their order. Every change returns the changed watchlist or raises
    WatchlistError; ids are never reused within one collection."""

    def __init__(self, lists: Iterable[Watchlist] = ()) -> None:
        self._lists: list[Watchlist] = list(lists)
        self._next_id = max((w.id for w in self._lists), default=0) + 1

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._lists))

    def __len__(self) -> int:
        return len(self._lists)

    def all(self) -> list[Watchlist]:
        return list(self._lists)

    def get(self, watchlist_id: int | None) -> Watchlist | None:
        return next((w for w in self._lists if w.id == watchlist_id), None)

    def by_name(self, name: str) -> Watchlist | None:
        key = " ".join(name.split()).casefold()
        return next((w for w in self._lists if w.name.casefold() == key), None)

    def _index(self, watchlist_id: int) -> int:
        for index, watchlist in enumerate(self._lists):
            if watchlist.id == watchlist_id:
                return index
        raise WatchlistError(f"no watchlist with id {watchlist_id}")

    def _unique(self, name: str, except_id: int | None = None) -> str:
        clean = check_name(name)
        other = self.by_name(clean)
        if other is not None and other.id != except_id:
            raise WatchlistError(f"a watchlist named {other.name!r} already exists")
        return clean

    def create(self, name: str, entries: Sequence[str] = ()) -> Watchlist:
        watchlist = Watchlist(self._next_id, self._unique(name), tuple(entries))
        self._next_id += 1
        self._lists.append(watchlist)
        return watchlist

    def rename(self, watchlist_id: int, name: str) -> Watchlist:
        index = self._index(watchlist_id)
        renamed = msgspec.structs.replace(self._lists[index], name=self._unique(name, watchlist_id))
        self._lists[index] = renamed
        return renamed

    def set_entries(self, watchlist_id: int, entries: Sequence[str]) -> Watchlist:
        index = self._index(watchlist_id)
        changed = msgspec.structs.replace(self._lists[index], entries=tuple(dict.fromkeys(entries)))
        self._lists[index] = changed
        return changed

    def move(self, watchlist_id: int, new_index: int) -> Watchlist:
        index = self._index(watchlist_id)
        watchlist = self._lists.pop(index)
        self._lists.insert(max(0, min(new_index, len(self._lists))), watchlist)
        return watchlist

    def delete(self, watchlist_id: int) -> Watchlist:
        return self._lists.pop(self._index(watchlist_id))

    def merge(self, imported: Sequence[tuple[str, tuple[str, ...]]]) -> tuple[int, int]:
        """An import: a name already present has its entries replaced, a new name is appended.
        Returns (added, replaced). Either every list is taken or (on an error) none is."""
        trial = Watchlists(self._lists)
        trial._next_id = self._next_id
        added = replaced = 0
        for name, entries in imported:
            existing = trial.by_name(name)
            if existing is None:
                trial.create(name, entries)
                added += 1
            else:
                trial.set_entries(existing.id, entries)
                replaced += 1
        self._lists, self._next_id = trial._lists, trial._next_id
        return added, replaced


# --- import / export ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    line: int  # 1-based line of the file
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text}"


@dataclass(frozen=True)
class ImportResult:
    """`lists` is empty whenever `problems` is not: nothing is half-imported."""

    lists: list[tuple[str, tuple[str, ...]]]
    problems: list[ImportProblem]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.lists)


def export_json(lists: Iterable[Watchlist]) -> str:
    document = {"version": FORMAT_VERSION, "watchlists": [
        {"name": w.name, "entries": list(w.entries)} for w in lists]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def export_csv(lists: Iterable[Watchlist]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for watchlist in lists:
        for entry in watchlist.entries:
            writer.writerow((watchlist.name, entry))
    return out.getvalue()


def parse_import(text: str, known: Known) -> ImportResult:
    """JSON (`{"version": 1, "watchlists": [{"name", "entries"}]}`) when the file starts with `{`, else
    CSV (`watchlist,entry` rows; the header is optional). Each bad row is reported by line; any
    problem and `lists` is empty."""
    body = text.lstrip("\ufeff")
    if body.lstrip().startswith(("{", "[")):
        lists, problems = _parse_json(body, known)
    else:
        lists, problems = _parse_csv(body, known)
    if not problems and not lists:
        problems = [ImportProblem(1, "no watchlist in the file")]
    problems.sort(key=lambda problem: problem.line)  # stable: one line's problems keep their order
    return ImportResult([] if problems else lists, problems)


def _collect(rows: Iterable[tuple[int, str, str]], known: Known,
             problems: list[ImportProblem]) -> list[tuple[str, tuple[str, ...]]]:
    """(line, name, entry) rows → lists in file order; bad rows appended to `problems`."""
    order: list[str] = []
    names: dict[str, str] = {}
    entries: dict[str, list[str]] = {}
    for line, name_text, entry_text in rows:
        try:
            name = check_name(name_text)
        except WatchlistError as error:
            problems.append(ImportProblem(line, str(error)))
            continue
        key = name.casefold()
        if key not in names:
            names[key] = name
            order.append(key)
            entries[key] = []
        if not entry_text.strip():
            continue  # an empty watchlist is allowed (a name alone)
        try:
            entry = parse_entry(entry_text, known)
        except WatchlistError as error:
            problems.append(ImportProblem(line, f"{names[key]}: {error}"))
            continue
        if entry not in entries[key]:
            entries[key].append(entry)
            if len(entries[key]) == MAX_ENTRIES + 1:
                problems.append(ImportProblem(line, f"{names[key]}: more than {MAX_ENTRIES} entries"))
    return [(names[key], tuple(entries[key])) for key in order]


def _parse_csv(text: str, known: Known) -> tuple[list[tuple[str, tuple[str, ...]]], list[ImportProblem]]:
    problems: list[ImportProblem] = []
    rows: list[tuple[int, str, str]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for record in reader:
            line = reader.line_num
            if not record or all(not cell.strip() for cell in record):
                continue
            cells = [cell.strip() for cell in record]
            if not rows and not problems and tuple(c.lower() for c in cells) == CSV_HEADER:
                continue
            if len(cells) == 1:
                rows.append((line, cells[0], ""))
            elif len(cells) == 2:
                rows.append((line, cells[0], cells[1]))
            else:
                problems.append(ImportProblem(line, f"expected 2 columns (watchlist, entry), found {len(cells)}"))
    except csv.Error as error:
        problems.append(ImportProblem(reader.line_num or 1, f"not CSV: {error}"))
        return [], problems
    return _collect(rows, known, problems), problems


def _parse_json(text: str, known: Known) -> tuple[list[tuple[str, tuple[str, ...]]], list[ImportProblem]]:
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        line = error.lineno if isinstance(error, json.JSONDecodeError) else 1
        return [], [ImportProblem(line, f"not JSON: {getattr(error, 'msg', error)}")]
    locate = _Locator(text)
    if isinstance(document, dict):
        version = document.get("version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            return [], [ImportProblem(locate.key("version"), f"unsupported version {version!r}")]
        items = document.get("watchlists")
    else:
        items = document
    if not isinstance(items, list):
        return [], [ImportProblem(1, 'expected {"watchlists": [{"name": …, "entries": […]}]}')]
    problems: list[ImportProblem] = []
    rows: list[tuple[int, str, str]] = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            problems.append(ImportProblem(locate.here(), f"watchlist {number}: needs a \"name\" string"))
            continue
        line = locate.string(item["name"])
        entries = item.get("entries", [])
        if not isinstance(entries, list):
            problems.append(ImportProblem(line, f"{item['name']}: \"entries\" must be a list"))
            continue
        rows.append((line, item["name"], ""))
        for entry in entries:
            if not isinstance(entry, str):
                problems.append(ImportProblem(locate.value(entry), f"{item['name']}: entry {entry!r} is not a string"))
                continue
            rows.append((locate.string(entry), item["name"], entry))
    return _collect(rows, known, problems), problems


class _Locator:
    """Line numbers for values of a decoded JSON document, found by walking the text in document order
    (json keeps no positions). A value not found where expected keeps the last known line."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._cursor = 0

    def _line(self, position: int) -> int:
        return self._text.count("\n", 0, position) + 1

    def here(self) -> int:
        return self._line(self._cursor)

    def _find(self, token: str) -> int:
        found = self._text.find(token, self._cursor)
        if found >= 0:
            self._cursor = found + len(token)
            return self._line(found)
        return self.here()

    def string(self, value: str) -> int:
        return self._find(json.dumps(value, ensure_ascii=False))

    def key(self, name: str) -> int:
        return self._find(json.dumps(name))

    def value(self, value: object) -> int:
        return self._find(json.dumps(value))

