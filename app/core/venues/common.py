"""Pieces every venue parser shares: frame decoding that only ever fails with BadFrame, number types
that reject garbage at decode time, and deterministic liquidation ids."""

from __future__ import annotations

import struct
from functools import lru_cache
from typing import Annotated, Any
from zlib import crc32

import msgspec

from app.core import safe_json
from app.core.errors import BadFrame
from app.core.events import Completeness, Kind, Liquidation, Side
from app.core.instruments import Instrument, canonical_coin, unit_multiplier

# Venues send numbers as JSON strings; decoders run with strict=False so "9910" decodes to 9910.0,
# while "abc", "", NaN, ±inf, booleans and non-positive values fail validation (→ BadFrame).
Positive = Annotated[float, msgspec.Meta(gt=0.0, lt=1e300)]
NonNegative = Annotated[float, msgspec.Meta(ge=0.0, lt=1e300)]
Finite = Annotated[float, msgspec.Meta(gt=-1e300, lt=1e300)]  # any sign (funding rates); NaN and ±inf fail
TimestampMs = Annotated[int, msgspec.Meta(ge=0)]


def decoder(kind: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(kind, strict=False)


def decode(json_decoder: msgspec.json.Decoder[Any], frame: str | bytes) -> Any:
    try:
        return json_decoder.decode(frame)
    except msgspec.ValidationError as error:
        raise BadFrame(f"unexpected shape: {error}") from None
    except msgspec.DecodeError as error:
        raise BadFrame(f"not JSON: {error}") from None
    except (TypeError, UnicodeError) as error:  # e.g. a non-str/bytes frame object
        raise BadFrame(f"undecodable frame: {error}") from None
    except RecursionError:
        # A hostile or broken peer nesting 1,000+ levels: a bad frame, not a parser bug. Caught here
        # rather than pre-scanned so the hot path pays nothing (msgspec guards its C recursion).
        raise BadFrame("nested too deeply") from None


def optional_number(value: float | str | None) -> float | None:
    """Optional fields some venues send as "" when absent (funding of a dated future)."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        raise BadFrame(f"not a number: {value!r}") from None
    if number - number != 0.0:  # NaN or ±inf
        raise BadFrame(f"not a finite number: {value!r}")
    return number


@lru_cache(maxsize=8192)
def _text_key(venue: str, symbol: str) -> int:
    return crc32(f"{venue}|{symbol}".encode())


def liquidation_id(venue: str, symbol: str, ts_ms: int, side: str, qty: float, price: float) -> str:
    """A short id that is the same whenever the same liquidation is seen again (re-sent frames), in any
    process: CPython's hashes of ints, floats and tuples of them are not salted (only str/bytes are),
    so the text goes through crc32. Far cheaper than a cryptographic hash of formatted floats. 16 hex
    digits of the hash's 64 bits (two's complement), see `ID_BYTES`."""
    return ID_BYTES(hash((_text_key(venue, symbol), ts_ms, side == "long", qty, price))).hex()


ID_BYTES = struct.Struct(">q").pack
"""Ids are `ID_BYTES(hash((symbol_key, ts_ms, long, qty, price))).hex()`: the hash's 64 bits as 16 hex
digits, the same text as `f"{digest & (2**64 - 1):016x}"` (and as the `hex(digest & MASK | TOP)[3:]` of
earlier versions: stored ids do not change) at half the cost of either (hot paths inline it)."""


def symbol_key(venue: str, symbol: str) -> int:
    """The text part of `liquidation_id` for one symbol: cache it per symbol (see PerSymbol) and build
    ids with `fast_id`, which gives exactly `liquidation_id`'s value without re-reading the text."""
    return _text_key(venue, symbol)


def fast_id(key: int, ts_ms: int, long: bool, qty: float, price: float) -> str:
    """`liquidation_id(venue, symbol, ts_ms, side, qty, price)` from the symbol's cached `symbol_key`."""
    return ID_BYTES(hash((key, ts_ms, long, qty, price))).hex()


def number_repeats(events: list[Any]) -> None:
    """Identical orders in one frame keep their own ids (`-2`, `-3`…, as FrameIds numbers them): never
    deduplicated within a frame. One set build when the ids are distinct (the usual case)."""
    try:
        if len({event.id for event in events}) == len(events):
            return  # all distinct (the usual case), every event a Liquidation
    except AttributeError:  # an Unconvertible (no id) among them: count the liquidations alone
        ids = [event.id for event in events if type(event) is Liquidation]
        if len(set(ids)) == len(ids):
            return
    seen: dict[str, int] = {}
    for index, event in enumerate(events):
        if type(event) is Liquidation:
            count = seen.get(event.id, 0) + 1
            seen[event.id] = count
            if count > 1:
                events[index] = msgspec.structs.replace(event, id=f"{event.id}-{count}")


class PerSymbol:
    """Facts resolved once per symbol (coin, kind, contract size, id key…) by `compute(instruments,
    symbol)`, cached until a different Instruments is passed (a metadata refresh): one dict lookup per
    event instead of instrument lookups, string tests and regexes. Bounded: cleared past `limit`."""

    __slots__ = ("_compute", "_limit", "facts", "owner")

    def __init__(self, compute: Any, limit: int = 65_536) -> None:
        self._compute = compute
        self.facts: dict[str, Any] = {}
        """symbol -> facts for `owner`: hot loops may read it directly when `instruments is owner`."""
        self.owner: object = None
        self._limit = limit

    def get(self, instruments: object, symbol: str) -> Any:
        if instruments is not self.owner:
            self.facts = {}
            self.owner = instruments
        facts = self.facts.get(symbol)
        if facts is None:
            if len(self.facts) >= self._limit:
                self.facts.clear()
            facts = self.facts[symbol] = self._compute(instruments, symbol)
        return facts


class FrameIds:
    """Ids within one frame: identical rows in one batch get `-2`, `-3`… so neither is deduplicated."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def make(self, venue: str, symbol: str, ts_ms: int, side: str, qty: float, price: float) -> str:
        base = liquidation_id(venue, symbol, ts_ms, side, qty, price)
        count = self._seen.get(base, 0) + 1
        self._seen[base] = count
        return base if count == 1 else f"{base}-{count}"


# Bybit and OKX both want an application ping every 20 s; 30 s without any frame is a dead connection.
APP_PING_INTERVAL_S = 20.0
APP_PING_STALL_AFTER_S = 30.0


def build_liquidation(
    venue: str,
    completeness: Completeness,
    symbol: str,
    side: Side,
    size: float,
    price: float,
    ts: int,
    instrument: Instrument | None,
    fallback_kind: Kind,
    ids: FrameIds | None = None,
    price_per_coin: bool = False,
    inverse: bool | None = None,
) -> Liquidation:
    """A Liquidation from one parsed row: coin and kind from the instrument, else the symbol's
    canonical coin and `fallback_kind`. `size` counts the venue's units: USD contracts for an inverse
    kind (`contract_size` USD each, default 1), else `contract_size` coins each (default the symbol's
    multiplier, 1000 for 1000PEPEUSDT). `price_per_coin`: the price is per coin rather than per unit
    (OKX), so the notional is qty × price rather than size × price. `inverse` overrides what the kind
says (OKX goes by the contract unit). `ids` numbers repeats within one frame."""
    if instrument is not None:
        coin, kind, contract_size = instrument.coin, instrument.kind, instrument.contract_size
    else:
        coin, kind, contract_size = canonical_coin(venue, symbol), fallback_kind, None
    if kind.startswith("inverse") if inverse is None else inverse:
        usd = size * (contract_size or 1.0)
        qty = usd / price
    else:
        qty = size * (contract_size or unit_multiplier(symbol))
        usd = qty * price if price_per_coin else size * price
    make_id = ids.make if ids is not None else liquidation_id
    return Liquidation(
        venue, symbol, coin, kind, side, price, qty, usd, ts, completeness, make_id(venue, symbol, ts, side, qty, price)
    )


def frame_head(head_decoder: msgspec.json.Decoder[Any], frame: str | bytes) -> Any | None:
    """The envelope fields of a recorded frame, or None for a frame that is not JSON of that shape."""
    try:
        return head_decoder.decode(frame)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):  # e.g. a deep-nesting fault
        return None


def request_object(message: str | bytes) -> dict[str, Any] | None:
    """A replay client's JSON request, or None for nonsense (venues ignore or close on it; we ignore)."""
    try:
        request = safe_json.loads(message)
    except safe_json.JsonInputError:
        return None
    return request if isinstance(request, dict) else None


# --- REST instrument metadata (exchangeInfo, instruments-info, public/instruments) ------------------
# Lenient on purpose: one odd row is skipped and reported, never the whole listing lost.


def positive_or_none(value: object) -> float | None:
    """A positive finite number from a venue's text field, or None (absent, "", "0", garbage)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if 0.0 < number < 1e300 else None  # also rejects NaN


def decode_rows(
    row_decoder: msgspec.json.Decoder[Any], rows: list[msgspec.Raw], venue: str, problems: list[str] | None
) -> list[Any]:
    """Each raw row decoded on its own; a row that does not fit is noted in `problems` and skipped."""
    decoded = []
    for index, raw in enumerate(rows):
        try:
            decoded.append(row_decoder.decode(raw))
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            note(problems, f"{venue} row {index}: {error}")
        except RecursionError:
            note(problems, f"{venue} row {index}: nested too deeply")
    return decoded


def note(problems: list[str] | None, text: str) -> None:
    if problems is not None:
        problems.append(text)


class SeenIds:
    """Venue ids already counted (BitMEX orderIDs, Bitfinex position ids, dYdX trade ids), each with the
    receipt time it expires at, oldest first: a bounded TTL cache that lets a repeat across frames and
    reconnects (a resubscribe's snapshot) be recognised, whatever the market does to its size."""

    __slots__ = ("_expiry", "_prune_at", "max_size", "ttl_ms")

    def __init__(self, ttl_ms: int = 6 * 3600 * 1000, max_size: int = 50_000) -> None:
        self._expiry: dict[str, int] = {}  # insertion order = oldest first (a re-remembered id moves last)
        self._prune_at = 0  # the oldest entry's expiry: nothing to drop before then (unless over size)
        self.ttl_ms = ttl_ms
        self.max_size = max_size

    def __len__(self) -> int:
        return len(self._expiry)

    def known(self, key: str, now_ms: int) -> bool:
        expiry = self._expiry.get(key)
        return expiry is not None and expiry > now_ms

    def remember(self, keys: list[str], now_ms: int) -> None:
        expiry, expires = self._expiry, now_ms + self.ttl_ms
        for key in keys:
            if key in expiry:
                del expiry[key]  # re-inserted below: it moves to the end
            expiry[key] = expires
        if now_ms < self._prune_at and len(expiry) <= self.max_size:
            return  # nothing has expired yet and there is room: O(1) per frame
        self.prune(now_ms)

    def prune(self, now_ms: int) -> None:
        """Drop the expired and the overflow, oldest first (hot paths that fill `_expiry` themselves call
        it when `now_ms >= _prune_at` or the size is over `max_size`, as `remember` does)."""
        expiry = self._expiry
        while expiry:  # drop the expired and the overflow, oldest first
            oldest, when = next(iter(expiry.items()))
            if when > now_ms and len(expiry) <= self.max_size:
                break
            del expiry[oldest]
        self._prune_at = next(iter(expiry.values())) if expiry else 0
