"""Read-only account import, as data: what each venue's private REST API is asked (through ccxt's
implicit API methods, so ccxt signs), how a key's permissions are read, and how the answers map to an
`AccountState`. Pure: the per-venue modules (`<venue>_account.py`) hold the requests and the mapping
functions; `app.feeds.accounts` makes the calls. Nothing here names a venue.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from app.core.events import AccountState
from app.core.instruments import Instruments


class AccountDataError(ValueError):
    """A private-API answer that is not what the venue documents (the message never holds a secret)."""


class Permissions(NamedTuple):
    """What an API key may do, in the venue's own words. `trade` and `withdraw` list the permissions
    that make a key unsafe for Cascade (it never trades and never moves funds)."""

    can_read: bool
    trade: tuple[str, ...] = ()
    withdraw: tuple[str, ...] = ()

    @property
    def read_only(self) -> bool:
        return not self.trade and not self.withdraw

    def refusal(self, display_name: str) -> str | None:
        """Why Cascade refuses this key (a message naming each permission), or None when it is read-only."""
        parts = []
        if self.trade:
            parts.append("trade (" + ", ".join(self.trade) + ")")
        if self.withdraw:
            parts.append("withdraw or move funds (" + ", ".join(self.withdraw) + ")")
        if not parts:
            return None if self.can_read else f"This {display_name} key cannot read the account."
        return (f"This {display_name} key can {' and '.join(parts)}. Cascade only reads positions and never "
                "trades: create a read-only key, or tick \"insist\" to import this one anyway.")


class Call(NamedTuple):
    """One private request: `method` is ccxt's implicit API method for the endpoint (it signs)."""

    name: str
    method: str
    path: str  # the venue's path, for messages and docs
    params: Mapping[str, str] = {}


Build = Callable[[Mapping[str, Any], str, int, Instruments | None, list[str] | None], AccountState]
"""(answers by Call.name, account label, ts_ms, instruments or None for the bundled snapshot, a list
collecting what was left out and why) → the state."""


@dataclass(frozen=True, slots=True)
class AccountApi:
    venue: str
    display_name: str
    ccxt_id: str  # the ccxt exchange class
    permissions_call: Call
    read_permissions: Callable[[Any], Permissions]
    calls: tuple[Call, ...]  # made after the permission check, in order
    build: Build
    needs_passphrase: bool = False
    ccxt_options: Mapping[str, Any] = field(default_factory=dict)


# ---- small helpers shared by the mapping functions -------------------------------------------------

def number(row: Mapping[str, Any], key: str, *, zero_is_none: bool = False) -> float | None:
    """A venue's numeric string as a float; "" and missing are None (and 0 when `zero_is_none`)."""
    raw = row.get(key)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise AccountDataError(f"{key} is not a number")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise AccountDataError(f"{key} is not a number: {str(raw)[:40]!r}") from None
    if not math.isfinite(value):
        raise AccountDataError(f"{key} is not finite")
    if zero_is_none and value == 0:
        return None
    return value


def required(row: Mapping[str, Any], key: str) -> float:
    value = number(row, key)
    if value is None:
        raise AccountDataError(f"{key} is missing")
    return value


def rows(answer: Any, *path: str) -> list[Mapping[str, Any]]:
    """The list at `path` inside a decoded answer (each item a mapping), or AccountDataError."""
    node = answer
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            raise AccountDataError(f"answer has no {'.'.join(path)}")
        node = node[key]
    if not isinstance(node, list) or not all(isinstance(item, Mapping) for item in node):
        raise AccountDataError(f"{'.'.join(path) or 'answer'} is not a list of objects")
    return node


def mapping(answer: Any, *path: str) -> Mapping[str, Any]:
    node = answer
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            raise AccountDataError(f"answer has no {'.'.join(path)}")
        node = node[key]
    if not isinstance(node, Mapping):
        raise AccountDataError(f"{'.'.join(path) or 'answer'} is not an object")
    return node
