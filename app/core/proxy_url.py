"""The proxy setting's shape, checked the same way where it is read (app.store.settings) and used
(app.feeds.http). Pure."""

from __future__ import annotations

from urllib.parse import urlsplit

PROXY_SCHEMES = ("http", "https", "socks4", "socks4a", "socks5", "socks5h")
"""aiohttp (http, https) and aiohttp-socks / python-socks (socks*) for REST; websockets' own proxy
support takes the same schemes."""


def proxy_problem(url: str | None) -> str | None:
    """None when `url` is unset or a usable proxy URL, else why not (for the user)."""
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as error:
        return f"Proxy URL {url!r} is not a URL ({error})"
    if parts.scheme.lower() not in PROXY_SCHEMES:
        return f"Proxy URL {url!r}: the scheme must be one of {', '.join(PROXY_SCHEMES)}"
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment:
        return f"Proxy URL {url!r}: expected scheme://[user:password@]host:port"
    return None
