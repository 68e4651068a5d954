"""The position panel's rows as display text and sort keys (pure): the Qt model only maps them.

One `PositionRow` per valued position and one `AccountRow` per account, formatted once per tick from
the snapshot's `PositionsFrame`; nothing here reads a clock (market time comes in as `now_ms`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import msgspec

from app.core.formatting import compact_usd, format_price, format_qty
from app.core.macro.calendar import countdown_text
from app.core.positions import AccountView, PositionView, StressLevel
from app.services.positions import Funding, PositionsFrame, venue_label

COLUMNS = ("Venue", "Symbol", "Side", "Size", "Entry", "Mark (age)", "uPnL", "Funding · next",
           "Liq. ours | exch.", "Dist. $", "Dist. %", "Stress")
ACCOUNT_COLUMNS = ("Account", "Margin ratio", "uPnL", "Nearest to liquidation")
BAR_FULL_PCT = 25.0  # a distance this far (or more) fills the bar

TickSize = Callable[[str, str], float | None]


class PositionRow(msgspec.Struct, frozen=True):
    key: tuple[str, ...]
    texts: tuple[str, ...]  # one per COLUMNS
    sort_keys: tuple[object, ...]  # one per COLUMNS (numbers sort as numbers; None last)
    side: str
    stress: StressLevel
    bar_fraction: float | None  # 0…1 of the distance bar (None: no distance)
    stale: bool
    manual: bool
    tooltip: str
    liq_disagrees: bool


class AccountRow(msgspec.Struct, frozen=True):
    key: tuple[str, ...]
    texts: tuple[str, ...]
    ratio_fraction: float | None  # the gauge: maintenance / margin balance (1.0 = liquidation)
    stress: StressLevel
    stale: bool


def _price(value: float | None, tick: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else format_price(value, tick)


def _age(ms: int | None) -> str:
    if ms is None:
        return "—"
    return f"{ms / 1000:.1f}s" if ms < 60_000 else countdown_text(ms)


def _signed_usd(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return ("+" if value > 0 else "") + compact_usd(value)


def _funding(funding: Funding | None, now_ms: int) -> str:
    if funding is None:
        return "—"
    rate = "—" if funding.rate is None else f"{funding.rate * 100:+.4f}%"
    if funding.next_ms is None:
        return rate
    return f"{rate} · {countdown_text(max(0, funding.next_ms - now_ms))}"


def position_row(
    view: PositionView, frame: PositionsFrame, now_ms: int, tick_size: TickSize | None = None
) -> PositionRow:
    position = view.position
    tick = tick_size(position.venue, position.symbol) if tick_size is not None else None
    funding = frame.funding.get(position.mark_key)
    mark = "—" if view.mark is None else f"{_price(view.mark, tick)} ({_age(view.mark_age_ms)})"
    if view.mark_age_ms is None and view.mark is not None:
        mark = f"{_price(view.mark, tick)} (entry)"
    ours = _price(view.liquidation_price, tick)
    theirs = _price(view.exchange_liquidation_price, tick) if view.exchange_liquidation_price else "—"
    liq = f"{ours} | {theirs}" + (" ⚠" if view.liq_disagrees else "")
    distance = "—" if view.distance_price is None else _price(view.distance_price, tick)
    pct = "—" if view.distance_pct is None else f"{view.distance_pct:.2f}%"
    stress = view.stress.value + (" (stale)" if view.stale else "")
    if view.error is not None:
        stress = "input error"
    texts = (venue_label(position.venue), position.symbol, position.side, format_qty(position.size),
             _price(position.entry, tick), mark, _signed_usd(view.upnl_usd), _funding(funding, now_ms), liq, distance,
             pct, stress)
    sort_keys = (venue_label(position.venue), position.symbol, position.side, position.size, position.entry,
                 view.mark, view.upnl_usd, None if funding is None else funding.rate, view.liquidation_price,
                 view.distance_price, view.distance_pct, view.distance_pct)
    fraction = None
    if view.distance_pct is not None and math.isfinite(view.distance_pct):
        fraction = min(max(view.distance_pct, 0.0), BAR_FULL_PCT) / BAR_FULL_PCT
    elif view.liquidated:
        fraction = 0.0
    tips = [view.label]
    if view.stale_reason:
        tips.append(f"stale: {view.stale_reason}")
    if view.error:
        tips.append(f"{view.error_field}: {view.error}")
    if view.liq_disagrees and view.liq_disagreement_pct is not None:
        tips.append(f"ours differs from the exchange's liquidation price by {view.liq_disagreement_pct:+.2f} %")
    if view.liquidation_source == "exchange":
        tips.append("distance measured to the exchange's liquidation price")
    tips.extend(view.notes)
    tips.append("manual entry (Edit… / Delete)" if view.key in frame.manual else "reported by the venue (read-only)")
    return PositionRow(view.key, texts, sort_keys, position.side, view.stress, fraction, view.stale,
                       view.key in frame.manual, "\n".join(tips), view.liq_disagrees)


def account_row(view: AccountView) -> AccountRow:
    ratio = view.margin_ratio
    gauge = "—" if ratio is None else f"{ratio * 100:.1f}%" + (" cross" if view.cross else " isolated max")
    nearest = "—"
    if view.nearest_label is not None and view.nearest_distance_pct is not None:
        nearest = f"{view.nearest_label}  {view.nearest_distance_pct:.2f}%"
    venue, _, name = view.label.partition(" ")
    label = f"{venue_label(venue)} {name}" if view.label == f"{view.key[0]} {view.key[1]}" else view.label
    fraction = None if ratio is None or not math.isfinite(ratio) else min(max(ratio, 0.0), 1.0)
    return AccountRow(view.key, (label, gauge, _signed_usd(view.upnl_usd), nearest), fraction, view.stress,
                      view.stale)


def rows(frame: PositionsFrame, now_ms: int, tick_size: TickSize | None = None) -> list[PositionRow]:
    return [position_row(view, frame, now_ms, tick_size) for view in frame.book.positions]


def account_rows(frame: PositionsFrame) -> list[AccountRow]:
    return [account_row(view) for view in frame.book.accounts]
