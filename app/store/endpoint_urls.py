"""The one check of user-set endpoint URLs, run where settings are read.

`endpoints` maps a stream ("binance/usdm", "bybit/linear", "okx/public") to a ws(s):// URL and a
"<venue>/rest" key to an http(s):// URL. A value that is not such a URL with a host would only fail
later, deep in a REST fetch or a websocket task that crashes and restarts; instead it is dropped here
(the default endpoint is used) with a warning naming the key and why, which the window shows.
"""

from __future__ import annotations

from urllib.parse import urlsplit

WEBSOCKET_SCHEMES = ("ws", "wss")
HTTP_SCHEMES = ("http", "https")


def endpoint_problem(key: str, url: object) -> str | None:
    """Why `url` cannot serve the endpoint `key`, or None when it can."""
    rest = key.endswith("/rest")
    schemes = HTTP_SCHEMES if rest else WEBSOCKET_SCHEMES
    wanted = "http(s)" if rest else "ws(s)"
    if not isinstance(url, str) or not url:
        return f"not a valid {wanted} URL (empty)"
    if any(char.isspace() or not char.isprintable() for char in url):
        return f"not a valid {wanted} URL (contains spaces or control characters)"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not 0..65535
    except ValueError as error:
        return f"not a valid {wanted} URL ({error})"
    if parts.scheme.lower() not in schemes:
        shown = f"scheme {parts.scheme!r}" if parts.scheme else "no scheme"
        return f"not a valid {wanted} URL ({shown})"
    if not parts.hostname:
        return f"not a valid {wanted} URL (no host)"
    return None


def checked_endpoints(endpoints: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """(the usable endpoints, one warning per dropped key)."""
    kept: dict[str, str] = {}
    warnings: list[str] = []
    for key, url in endpoints.items():
        problem = endpoint_problem(key, url)
        if problem is None:
            kept[key] = url
        else:
            warnings.append(f"endpoints[{key!r}]: {problem}; using the default endpoint.")
    return kept, warnings
