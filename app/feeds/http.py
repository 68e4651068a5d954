"""Small HTTP helpers shared by the REST pollers (stdlib urllib, no extra dependency)."""

from __future__ import annotations

import contextlib
import email.utils
import time


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header as seconds from now: either delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    with contextlib.suppress(TypeError, ValueError):
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    return None
