"""safe_json: every refusal is one JsonInputError with a one-line message, never another exception."""

from __future__ import annotations

import pytest

from app.core import safe_json
from app.core.safe_json import JsonInputError


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1" + "0" * 310, "too large for a float"),  # OverflowError in float() before
        ("1" + "0" * 4301, "too large for a float"),  # int() ValueError past 4,300 digits before
        ("[" * 100_000 + "]" * 100_000, "nested deeper"),  # RecursionError before
        ("NaN", "not a finite number"),
        ("[-Infinity]", "not a finite number"),
        ("1e999", "float range"),
        ('{"a": ', "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
    ],
)
def test_refusals_are_json_input_errors(text: str | bytes, message: str) -> None:
    with pytest.raises(JsonInputError, match=message) as info:
        safe_json.loads(text)
    assert "\n" not in str(info.value)


def test_size_cap_is_checked_first() -> None:
    with pytest.raises(JsonInputError, match="byte limit"):
        safe_json.loads(b"[" + b"1," * 1000 + b"1]", max_bytes=100)


def test_depth_scan_ignores_brackets_inside_strings() -> None:
    text = '{"a": "' + "[" * 1000 + '", "b": [[1]]}'
    assert safe_json.loads(text)["b"] == [[1]]
    assert safe_json.loads("[" * 64 + "]" * 64) is not None
    with pytest.raises(JsonInputError):
        safe_json.loads("[" * 65 + "]" * 65)


def test_plain_documents_decode_unchanged() -> None:
    assert safe_json.loads('{"x": [1, 2.5, "s", true, null], "big": 100000000000000000000}') == {
        "x": [1, 2.5, "s", True, None], "big": 10**20}
