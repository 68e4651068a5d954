"""HTX (Huobi) USDT-margined swaps: topic `public.*.liquidation_orders` (every contract; one contract is
`public.BTC-USDT.liquidation_orders`) on `wss://api.hbdm.com/linear-swap-notification`
(https://huobiapi.github.io/docs/usdt_swap/v1/en/, "Subscribe Liquidation Orders (no authentication)";
added 2020-04-09 per HTX's changelog, https://htx.com/tr-tr/support/360000268281).

Wire: every frame HTX sends is GZIP-compressed binary (text frames are read as plain JSON too). The
push is `{"op":"notify","topic":…,"ts":…,"data":[{"contract_code","symbol","direction","offset",
"volume","amount","trade_turnover","price","created_at","pair","business_type"}]}`; `sub` acks carry
`"err-code":0`, a refusal a non-zero `err-code` and `err-msg`.

Units (the same fields as the REST `swap_liquidation_orders` rows): `volume` is the liquidated volume in
CONTRACTS ("cont", each `contract_size` coins: 0.001 BTC for BTC-USDT, 0.01 ETH, 10 XRP, 100 DOGE —
`swap_contract_info`); `amount` is the same quantity in the base COIN (= volume × contract_size);
`trade_turnover` is its value in the quote currency, USDT (= amount × price); `price` the liquidation
order's price. So base quantity = `amount` and notional = amount × price (= trade_turnover, USDT taken
as USD as for every USDT-margined venue here) — no contract size is needed to read the feed; when a frame
omits `amount`, volume × the listed contract size is used, and a contract without one is
`Unconvertible`, never guessed.

Side: `direction` is the liquidation ORDER's side: `sell` closes a LONG, `buy` a short (the order has
`offset` `close`). Time: `created_at` (ms).

Completeness `all`: HTX pushes every liquidation order of the subscribed contracts, one row each
(resources/docs/DESIGN.md `all`: every order, possibly batched); nothing is said to be sampled or summed.

Heartbeat: the server sends `{"op":"ping","ts":"…"}` every 5 s and expects `{"op":"pong","ts":"…"}` with
the same `ts`; a client ignoring its pings is disconnected (SunX, HTX's derivatives twin, documents the
cut after 5 ignored pings). The spec's `reply` answers each ping; those pings are also the traffic the
stall watchdog sees when no contract liquidates: 20 s without any frame (four pings) is a dead connection.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from app.core.errors import BadFrame
from app.core.events import Completeness, Event, Side, Unconvertible, VenueNotice
from app.core.instruments import Instrument, Instruments, canonical_coin, load_bundled
from app.core.venues.common import (
    FrameIds,
    Positive,
    build_liquidation,
    decode,
    decode_rows,
    decoder,
    note,
    positive_or_none,
)
from app.core.venues.descriptor import (
    ConnectionRules,
    ConnectRequest,
    ListingPage,
    RestInstruments,
    RestListing,
    VenueDescriptor,
)
from app.core.venues.htx_replay import (
    LIQUIDATIONS,
    PING_INTERVAL_S,
    REPLAY,
    WILDCARD_TOPIC,
    inflate_bounded,
)
from app.core.venues.protocol import ConnectionSpec

VENUE = "htx"
STREAM = "htx/linear"
COMPLETENESS: Completeness = "all"
DEFAULT_ENDPOINTS: dict[str, str] = {STREAM: "wss://api.hbdm.com/linear-swap-notification"}
SUBSCRIBE = msgspec.json.encode({"op": "sub", "cid": "cascade", "topic": WILDCARD_TOPIC}).decode()
RULES = ConnectionRules(stall_after_s=4 * PING_INTERVAL_S)
_SIDES: dict[str, Side] = {"sell": "long", "buy": "short"}
_GZIP = b"\x1f\x8b"


def inflate(frame: str | bytes) -> str | bytes:
    """The JSON text of a frame: gzip binary inflated (bounded), anything else as it came."""
    if isinstance(frame, str) or not frame.startswith(_GZIP):
        return frame
    try:
        return inflate_bounded(frame)  # a gzip bomb is a bad frame, not a crash
    except ValueError as error:
        raise BadFrame(str(error)) from None


class _Envelope(msgspec.Struct, gc=False):
    op: str | None = None
    topic: str | None = None
    ts: int | str | None = None
    data: msgspec.Raw = msgspec.Raw(b"")
    err_code: int | None = msgspec.field(name="err-code", default=None)
    err_msg: str = msgspec.field(name="err-msg", default="")


class _Row(msgspec.Struct, gc=False):
    contract_code: str
    direction: Literal["buy", "sell"]
    volume: Positive
    price: Positive
    created_at: int
    amount: Positive | None = None
    trade_turnover: Positive | None = None


_ENVELOPE = decoder(_Envelope)
_ROWS = decoder(list[_Row])


def parse(
    frame: str | bytes,
    received_ms: int,
    instruments: Instruments | None = None,
    state: object = None,
) -> list[Event]:
    message = decode(_ENVELOPE, inflate(frame))
    if message.err_code:
        return [VenueNotice(VENUE, "error", str(message.err_code), message.err_msg or "request refused")]
    if message.op != "notify" or not (message.topic or "").endswith("." + LIQUIDATIONS):
        return []  # pings (answered by `reply`), sub acks, other topics
    if not message.data:
        raise BadFrame("liquidation notify without data")
    if instruments is None:
        instruments = load_bundled()
    ids = FrameIds()
    events: list[Event] = []
    for row in decode(_ROWS, message.data):
        if row.created_at < 0:
            raise BadFrame(f"liquidation time {row.created_at!r}")
        listed = instruments.get(VENUE, row.contract_code)
        coins = row.amount
        if coins is None:  # the coin amount is documented; without it, contracts × the listed size
            if listed is None or not listed.contract_size or listed.contract_unit != "base":
                events.append(Unconvertible(VENUE, row.contract_code, "no amount and no contract size"))
                continue
            coins = row.volume * listed.contract_size
        coin = listed.coin if listed is not None else canonical_coin(VENUE, row.contract_code)
        per_coin = Instrument(VENUE, row.contract_code, coin, "linear_perp", 1.0, "base")  # sizes in coins
        events.append(build_liquidation(VENUE, COMPLETENESS, row.contract_code, _SIDES[row.direction], coins,
                                        row.price, row.created_at, per_coin, "linear_perp", ids,
                                        price_per_coin=True, inverse=False))
    return events


def reply(frame: str | bytes) -> str | None:
    """The pong HTX demands for each of its pings (same `ts`); None for every other frame. Never raises."""
    try:
        text = inflate(frame)
        if b'"ping"' not in (text.encode() if isinstance(text, str) else text):
            return None
        message = decode(_ENVELOPE, text)
    except BadFrame:
        return None
    if message.op != "ping":
        return None
    return msgspec.json.encode({"op": "pong", "ts": message.ts}).decode()


def connections(endpoints: dict[str, str] | None = None) -> list[ConnectionSpec]:
    url = (endpoints or {}).get(STREAM, DEFAULT_ENDPOINTS[STREAM])
    return [RULES.spec(VENUE, STREAM, url, (SUBSCRIBE,), COMPLETENESS, parse, reply=reply)]


def _connect(request: ConnectRequest) -> list[ConnectionSpec]:
    return connections(request.endpoints)  # the wildcard topic covers every contract


# --- REST instrument metadata: GET /linear-swap-api/v1/swap_contract_info ------------------------------

DEFAULT_REST_BASE = "https://api.hbdm.com"
CONTRACTS_PATH = "/linear-swap-api/v1/swap_contract_info"


class _ContractRow(msgspec.Struct, gc=False):
    contract_code: str
    symbol: str = ""
    contract_size: str | float | None = None
    price_tick: str | float | None = None
    contract_status: int | str | None = None
    business_type: str = "swap"
    contract_type: str = "swap"


class _Contracts(msgspec.Struct, gc=False):
    status: str
    data: list[msgspec.Raw] = []


_CONTRACTS = decoder(_Contracts)
_CONTRACT_ROW = decoder(_ContractRow)


def instruments_from_rest(payload: bytes | str, problems: list[str] | None = None) -> list[Instrument]:
    """The listed USDT swaps (`business_type` swap, `contract_status` 1 = listed), each `contract_size`
    coins per contract. Odd rows go to `problems`; a body that is not an ok listing raises BadFrame."""
    listing = decode(_CONTRACTS, payload)
    if listing.status != "ok":
        raise BadFrame(f"contract listing status {listing.status!r}")
    instruments = []
    for row in decode_rows(_CONTRACT_ROW, listing.data, VENUE, problems):
        if row.business_type != "swap" or row.contract_type != "swap" or str(row.contract_status) != "1":
            continue
        size = positive_or_none(row.contract_size)
        if size is None:
            note(problems, f"{VENUE} {row.contract_code}: no usable contract_size ({row.contract_size!r})")
            continue
        coin = canonical_coin(VENUE, row.symbol or row.contract_code)
        instruments.append(Instrument(VENUE, row.contract_code, coin, "linear_perp", size, "base",
                                      positive_or_none(row.price_tick), 1.0, "USDT", "USDT"))
    return instruments


def _listing(payload: bytes | str, problems: list[str] | None) -> ListingPage:
    return ListingPage(instruments_from_rest(payload, problems), None)


DESCRIPTOR = VenueDescriptor(
    name=VENUE,
    display_name="HTX",
    completeness=COMPLETENESS,
    default_endpoints=DEFAULT_ENDPOINTS,
    parse=parse,
    rules=RULES,
    connect=_connect,
    rest=RestInstruments(DEFAULT_REST_BASE, (RestListing(lambda base, _: base + CONTRACTS_PATH, _listing),)),
    replay=REPLAY,
)
