"""One bounded JSON decoder for every untrusted JSON entry point (stdin, settings, recordings, files).

Hostile or careless input must end in one clear error, never a traceback or a hang: the size is
capped before decoding, nesting is checked by a flat bracket scan before the (recursive) decoder can
hit RecursionError, and numbers that cannot be a float64 (integers past ~1.8e308, of more than 4,300
digits, or non-finite numbers) are refused instead of surfacing later as OverflowError.
Pure Python, Qt-free.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

MAX_BYTES = 1 << 20  # 1 MiB: far above any position book or settings file a person writes
MAX_DEPTH = 64  # real documents nest < 10 levels; the decoders recurse and fail near ~1,000
_FLOAT_MAX = sys.float_info.max
_MAX_INT_DIGITS = 309  # 1.8e308 has 309 digits; longer can only be larger

# A JSON string literal (escapes included); only used to keep brackets inside strings out of the count.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class JsonInputError(ValueError):
    """Untrusted JSON that is refused; the message says why in one line, safe to show the user."""


def loads(data: str | bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Decode untrusted JSON within the caps; raises JsonInputError (never RecursionError,
    OverflowError or a bare ValueError)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise JsonInputError(f"larger than the {max_bytes:,} byte limit")
    check_depth(raw, max_depth)
    try:
        return json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except JsonInputError:
        raise
    except (ValueError, UnicodeError) as error:  # JSONDecodeError, bad UTF-8/UTF-16
        raise JsonInputError(f"not valid JSON: {error}") from None
    except RecursionError:  # a caller's stack already deep; the scan above makes this rare
        raise JsonInputError(f"nested deeper than {max_depth} levels") from None


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > _MAX_INT_DIGITS:  # checked before int(), which refuses > 4,300 digits with ValueError
        raise JsonInputError(f"integer too large for a float ({digits:,} digits)")
    value = int(text)
    if not -_FLOAT_MAX <= value <= _FLOAT_MAX:
        raise JsonInputError(f"integer too large for a float ({digits:,} digits)")
    return value


def _float(text: str) -> float:
    value = float(text)
    if value - value != 0.0:  # 1e999 overflows to inf
        raise JsonInputError(f"number out of the float range: {text[:40]}")
    return value


def _constant(name: str) -> float:
    raise JsonInputError(f"not a finite number: {name} (NaN and Infinity are not JSON numbers)")


def check_depth(raw: bytes, max_depth: int = MAX_DEPTH) -> None:
    """Raise JsonInputError when arrays/objects nest deeper than max_depth. Iterative, linear time;
    inputs with few brackets (nearly everything) cost two bytes.count calls."""
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return
    depth = 0
    for byte in _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > max_depth:
                raise JsonInputError(f"nested deeper than {max_depth} levels")
        elif depth:
            depth -= 1
