"""Logging: a rotating file in the platform log dir plus warnings on stderr, all redacted.
(Crash hooks and the "Copy diagnostics" text live in app/services/diagnostics.py.)

Redaction runs in a handler filter (message, args, exception and stack text) and again on the
formatted line, so nothing written by Cascade's handlers carries API keys, signatures, Authorization
headers, IP addresses (loopback excepted: it identifies nobody) or 0x wallet addresses.
"""

from __future__ import annotations

import ipaddress
import logging
import logging.handlers
import re
import sys
import traceback
from pathlib import Path

import app

log = logging.getLogger(__name__)

LOG_FILE_NAME = "cascade.log"
REDACTED = "[REDACTED]"

# -- redaction ----------------------------------------------------------------------------------------

_SECRET_NAMES = (
    r"[\w.-]*(?:api[_-]?key|access[_-]?key|secret|signature|passphrase|password|passwd|token|listen[_-]?key)"
    r"[\w-]*|key|sign|[\w-]*-sign"
)
# Authorization: the scheme word ("Bearer") is not the secret; what follows it is.
_AUTHORIZATION = re.compile(
    r"""(?P<head>(?:proxy-)?authorization["']?\s*[:=]\s*["']?)"""
    r"""(?!\[REDACTED\])(?:(?:bearer|basic|digest|hmac[\w-]*|token)\s+)?[^\s"',;]+""",
    re.IGNORECASE,
)
# name=value, name: value, "name": "value", 'name': 'value' (JSON, headers, query strings, reprs).
_NAMED_SECRET = re.compile(
    rf"""(?P<head>(?<![\w-])(?P<q>["']?)(?:{_SECRET_NAMES})(?P=q)\s*[:=]\s*)"""
    r"""(?!\[REDACTED\])(?:"[^"]*"|'[^']*'|[^\s&,;"'}\])]+)""",
    re.IGNORECASE,
)
# user:password@ in any scheme://authority (http, https, ws, wss, socks…); greedy to the last '@'
# before the path, as URL parsers split it.
_URL_USERINFO = re.compile(r"""(?P<head>(?<![\w+.-])[A-Za-z][\w+.-]*://)[^\s/?#"'<>]+@""")
_WALLET = re.compile(r"(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?(?![0-9A-Za-z])")
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})(?:%[\w.]+)?(?![\w:])"
)
_IPV4 = re.compile(r"(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?!\d|\.\d)")


def _quoted(match: re.Match[str], full: str) -> str:
    value = full[len(match.group("head")):]
    if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) >= 2:
        return f"{match.group('head')}{value[0]}{REDACTED}{value[0]}"
    return f"{match.group('head')}{REDACTED}"


def _redact_ipv6(match: re.Match[str]) -> str:
    text = match.group(0)
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text  # a clock time, a MAC address, "a::b" prose
    return text if address.is_loopback else "[IPv6]"


def _redact_ipv4(match: re.Match[str]) -> str:
    return match.group(0) if match.group(0).startswith("127.") else "[IP]"


def redact(text: str) -> str:
    """Remove secrets, IPs and wallet addresses from free text. Idempotent."""
    if not text:
        return text
    text = _URL_USERINFO.sub(rf"\g<head>{REDACTED}@", text)
    text = _AUTHORIZATION.sub(lambda m: _quoted(m, m.group(0)), text)
    text = _NAMED_SECRET.sub(lambda m: _quoted(m, m.group(0)), text)
    text = _WALLET.sub("0x[ADDRESS]", text)
    text = _IPV6_CANDIDATE.sub(_redact_ipv6, text)
    return _IPV4.sub(_redact_ipv4, text)


class RedactingFilter(logging.Filter):
    """Rewrites the record in place: the message (args merged), exception text and stack text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_cascade_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._cascade_redacted = True
        return True


class RedactingFormatter(logging.Formatter):
    """Belt and braces: redact the final line too (covers anything a filter could not see)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


# -- setup --------------------------------------------------------------------------------------------

_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"
_installed: list[logging.Handler] = []
_log_file: Path | None = None


def setup_logging(log_dir: Path | str, level: int | str = logging.INFO, *, max_bytes: int = 2 * 1024 * 1024,
                  backup_count: int = 5, stderr_level: int = logging.WARNING) -> Path:
    """Log to `log_dir/cascade.log` (rotating, `backup_count` × `max_bytes`) and warnings to stderr.

    Calling it again replaces the handlers it installed before. Returns the log file path.
    """
    global _log_file
    shutdown_logging()
    directory = Path(log_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOG_FILE_NAME
    redacting = RedactingFilter()
    formatter = RedactingFormatter(_FORMAT)
    file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backup_count,
                                                        encoding="utf-8")
    file_handler.setLevel(level)
    stderr_handler = logging.StreamHandler(sys.stderr)
    stderr_handler.setLevel(stderr_level)
    root = logging.getLogger()
    for handler in (file_handler, stderr_handler):
        handler.addFilter(redacting)
        handler.setFormatter(formatter)
        root.addHandler(handler)
        _installed.append(handler)
    numeric = level if isinstance(level, int) else logging.getLevelNamesMapping()[level.upper()]
    root.setLevel(min(numeric, stderr_level))
    _log_file = path
    log.info("Cascade %s logging to %s", app.__version__, path)
    return path


def shutdown_logging() -> None:
    """Remove and close the handlers setup_logging installed (tests, re-configuration)."""
    global _log_file
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()
    _log_file = None


def current_log_file() -> Path | None:
    """The file setup_logging writes to, or None before it ran."""
    return _log_file
