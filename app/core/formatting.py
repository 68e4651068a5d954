"""Number and time formatting for the panes: pure, so it is tested without Qt."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def compact_usd(value: float) -> str:
    """$13.52M, $912.4K, $87 — three significant digits above a thousand."""
    if not math.isfinite(value):
        return "—"
    sign = "-" if value < 0 else ""
    v = abs(value)
    if round(v) < 1000:
        return f"{sign}${v:,.0f}"
    for threshold, suffix in ((1e3, "K"), (1e6, "M"), (1e9, "B"), (1e12, "T")):
        scaled = v / threshold
        digits = 2 if scaled < 99.995 else 1
        text = f"{scaled:.{digits}f}"
        if float(text) < 1000 or suffix == "T":  # 999.999K rounds to 1000.0K: promote to 1.00M
            return f"{sign}${text}{suffix}"
    raise AssertionError("unreachable")


def decimals_for_tick(tick_size: float | None) -> int:
    """Decimal places that show a price at the instrument's tick precision."""
    if not tick_size or tick_size <= 0 or not math.isfinite(tick_size):
        return -1
    text = f"{tick_size:.12f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def format_price(price: float, tick_size: float | None = None) -> str:
    if not math.isfinite(price):
        return "—"
    decimals = decimals_for_tick(tick_size)
    if decimals < 0:  # unknown tick: enough significant digits for the magnitude
        magnitude = abs(price)
        decimals = 1 if magnitude >= 1000 else 2 if magnitude >= 10 else 4 if magnitude >= 0.1 else 6
    return f"{price:,.{decimals}f}"


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def compact_small_price(text: str) -> str:
    """'0.0000048282' → '0.0₅48282': four or more zeros after the point written as a count (the
    notation crypto screens use for sub-cent coins), so a per-coin PEPE price fits a price column."""
    whole, dot, fraction = text.partition(".")
    zeros = len(fraction) - len(fraction.lstrip("0"))
    if not dot or whole.lstrip("-") != "0" or zeros < 4 or zeros == len(fraction):
        return text
    return f"{whole}.0{str(zeros).translate(_SUBSCRIPT)}{fraction[zeros:]}"


def format_qty(qty: float) -> str:
    if not math.isfinite(qty):
        return "—"
    magnitude = abs(qty)
    if magnitude >= 1000:
        return f"{qty:,.0f}"
    if magnitude >= 1:
        return f"{qty:,.3f}".rstrip("0").rstrip(".")
    return f"{qty:.6f}".rstrip("0").rstrip(".") or "0"


def format_derived_qty(qty: float) -> str:
    """A size computed from USD contracts ÷ price (inverse contracts): approximate by nature, so marked
    ≈ and given to three decimals (three significant digits below 0.1) like the linear sizes beside it."""
    if not math.isfinite(qty):
        return "—"
    magnitude = abs(qty)
    if magnitude >= 1000:
        return f"≈{qty:,.0f}"
    if magnitude >= 0.1:
        return "≈" + (f"{qty:,.3f}".rstrip("0").rstrip(".") or "0")
    if magnitude == 0:
        return "0"
    digits = min(8, 2 - math.floor(math.log10(magnitude)))
    return "≈" + f"{qty:.{digits}f}".rstrip("0").rstrip(".")


def format_clock(ts_ms: int, local: bool = False, with_date: bool = False) -> str:
    if not local and not with_date:  # the tape's hot path: plain arithmetic, no datetime
        seconds = (ts_ms // 1000) % 86_400
        return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    moment = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    if local:
        moment = moment.astimezone()
    pattern = "%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S"
    text = moment.strftime(pattern)
    return text if local else text + " UTC" if with_date else text
