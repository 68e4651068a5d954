"""The settings dialog's fields, Qt-free: each Settings attribute the dialog edits, how its text becomes a
value (or a FieldError naming what is wrong, shown beside the field), how a value is shown, and whether it
applies live. `collect` checks a whole set against the Settings type too, so nothing the settings file would
refuse is ever saved."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec

from app.core.macro.jgb import tenor_years
from app.store.endpoint_urls import endpoint_problem
from app.store.settings import Settings

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


class FieldError(ValueError):
    """Why a field's text is not a valid value (shown beside the field)."""


def number(low: float | None = None, high: float | None = None, integer: bool = False,
           above: float | None = None) -> Callable[[str], float | int]:
    """A parser for a number within [low, high] (or > `above`); thousands separators and '_' allowed."""

    def parse(text: str) -> float | int:
        clean = text.strip().replace(",", "").replace("_", "")
        if not clean:
            raise FieldError("required")
        try:
            value: float | int = int(clean) if integer else float(clean)
        except ValueError:
            raise FieldError("a whole number" if integer else "a number") from None
        if (not integer and value != value) or value in (float("inf"), float("-inf")):
            raise FieldError("a finite number")
        if above is not None and not value > above:
            raise FieldError(f"must be more than {above:g}")
        if low is not None and value < low:
            raise FieldError(f"at least {low:g}")
        if high is not None and value > high:
            raise FieldError(f"at most {high:g}")
        return value

    return parse


def parse_endpoints(text: str) -> dict[str, str]:
    """One `stream = URL` per line ('bybit/linear = wss://…', 'binance/rest = https://…'); blank lines and
    lines starting with # are skipped. The first bad line is named."""
    endpoints: dict[str, str] = {}
    for number_, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, url = (part.strip() for part in stripped.partition("="))
        if not sep or not key or "/" not in key:
            raise FieldError(f"line {number_}: write it as 'venue/stream = URL'")
        problem = endpoint_problem(key, url)
        if problem is not None:
            raise FieldError(f"line {number_} ({key}): {problem}")
        if key in endpoints:
            raise FieldError(f"line {number_}: {key} is given twice")
        endpoints[key] = url
    return endpoints


def show_endpoints(endpoints: dict[str, str]) -> str:
    return "\n".join(f"{key} = {url}" for key, url in sorted(endpoints.items()))


def parse_proxy(text: str) -> str | None:
    """Empty: no proxy. Otherwise http(s):// or socks5(h):// with a host and an optional port."""
    clean = text.strip()
    if not clean:
        return None
    if any(char.isspace() for char in clean):
        raise FieldError("no spaces in a proxy URL")
    try:
        parts = urlsplit(clean)
        port = parts.port
    except ValueError as error:
        raise FieldError(f"not a URL ({error})") from None
    if parts.scheme.lower() not in PROXY_SCHEMES:
        raise FieldError("scheme must be " + ", ".join(f"{s}://" for s in PROXY_SCHEMES))
    if not parts.hostname:
        raise FieldError("no host")
    if port == 0:
        raise FieldError("port 0")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise FieldError("a proxy URL has no path or query")
    return clean


def tenor_parser(known: Sequence[str] | None) -> Callable[[str], list[str]]:
    """Comma-separated tenors ('10Y, 30Y'), in maturity order, each one the MOF file has."""

    def parse(text: str) -> list[str]:
        tenors: list[str] = []
        for part in text.replace(";", ",").split(","):
            tenor = part.strip().upper()
            if not tenor:
                continue
            try:
                tenor_years(tenor)
            except ValueError:
                raise FieldError(f"{part.strip()!r} is not a tenor (like 10Y or 6M)") from None
            if known and tenor not in known:
                raise FieldError(f"no {tenor} series; have {', '.join(known)}")
            if tenor not in tenors:
                tenors.append(tenor)
        if not tenors:
            raise FieldError("at least one tenor")
        return sorted(tenors, key=tenor_years)

    return parse


@dataclass(frozen=True)
class Field:
    key: str  # the Settings attribute
    label: str
    parse: Callable[[str], Any]
    show: Callable[[Any], str] = str
    live: bool = False
    hint: str = ""
    choices: tuple[tuple[str, Any], ...] = ()  # a combo box instead of a text field
    multiline: bool = False


def _plain(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else str(value)


def fields(known_tenors: Sequence[str] | None = None) -> tuple[Field, ...]:
    return (
        Field("theme", "Theme", str, live=True, choices=(("Dark", "dark"), ("Light", "light"))),
        Field("time_zone", "Times shown in", str, live=True, choices=(("UTC", "utc"), ("Local time", "local"))),
        Field("tape_min_usd", "Tape: minimum size (USD)", number(low=0), _plain, live=True,
              hint="Liquidations smaller than this are not listed."),
        Field("tape_highlight_usd", "Tape: highlight from (USD)", number(low=0), _plain, live=True,
              hint="Prints at least this large are bold and tinted; ten times it, the whole row (0: none)."),
        Field("tape_max_rows", "Tape: rows kept", number(1, 100_000, integer=True), str,
              hint="1 to 100,000."),
        Field("repaint_hz", "Repaint rate (per second)", number(high=240, above=0), _plain, live=True,
              hint="Above 0, at most 240. Lower uses less CPU."),
        Field("history_retention_days", "History kept (days)", number(1, 3650, integer=True), str, live=True,
              hint="Older liquidations are deleted when the app is idle (1 to 3650)."),
        Field("macro_tenors", "JGB tenors in the strip", tenor_parser(known_tenors), ", ".join, live=True,
              hint="Comma-separated, like 10Y, 30Y."),
        Field("macro_move_threshold_bp", "JGB big move (bp)", number(low=0, high=1000), _plain, live=True,
              hint="A day's change at least this large is flagged."),
        Field("event_alert_minutes", "Event alert lead (minutes)", number(0, 7 * 24 * 60, integer=True), str,
              hint="Alert this long before a scheduled event (0 to 10080)."),
        Field("proxy_url", "Proxy", parse_proxy, lambda v: v or "",
              hint="Empty for direct connections; http://, https://, socks5:// or socks5h://host:port."),
        Field("endpoints", "Endpoints", parse_endpoints, show_endpoints, multiline=True,
              hint="One 'venue/stream = URL' per line; empty uses the venues' real endpoints."),
    )


def collect(field_list: Sequence[Field], texts: dict[str, str], current: Settings
            ) -> tuple[dict[str, Any], dict[str, str]]:
    """(the changed values, the error per field). A valid set is also checked as a whole against the
    Settings type, so nothing the settings file would refuse is ever saved."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in field_list:
        if field.key not in texts:
            continue
        try:
            value = field.parse(texts[field.key])
        except FieldError as error:
            errors[field.key] = str(error)
            continue
        if value != getattr(current, field.key):
            changes[field.key] = value
    if not errors and changes:
        candidate = msgspec.structs.replace(current, **changes)
        try:
            msgspec.convert(msgspec.to_builtins(candidate), Settings)
        except msgspec.ValidationError as error:
            path = str(error).rpartition("$.")[2].split("`")[0].split("[")[0].strip()
            errors[path if path in changes else next(iter(changes))] = str(error)
    return changes, errors
