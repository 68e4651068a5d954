"""Shared hypothesis strategies for the fuzz tests: hostile JSON values, numbers and deep nesting."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Bounded and deadline-free (resources/docs/DESIGN.md "Habits"): a hang is prevented by limits in the code, not here.
FUZZ = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
FUZZ_SLOW = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])

# Numbers that broke or nearly broke an entry point: float extremes, ints past the float range.
NASTY_NUMBERS = st.sampled_from([
    0, -1, 1, 1e308, -1e308, 1.7976931348623157e308, 5e-324, 1e-300, 1e300, 10**309, -(10**309), 2**64,
    0.5, 1e-9, 100, 20_000,
])
scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | NASTY_NUMBERS | st.text(max_size=12))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def nested(depth: int, opener: str = "[") -> str:
    closer = {"[": "]", "{": "}"}[opener]
    if opener == "{":
        return '{"a":' * depth + "1" + "}" * depth
    return opener * depth + closer * depth


deep_texts = st.sampled_from([nested(2_000), nested(100_000), nested(5_000, "{"), "[" * 50_000, '{"a":' * 3_000])
non_finite_texts = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "[1e400]", "1" + "0" * 310,
                                    "1" + "0" * 4_301])


def mutate(document: Any, draw_path: list[int], replacement: Any) -> Any:
    """`document` with one value (chosen by `draw_path` indices) replaced; containers are copied."""
    if not draw_path or not isinstance(document, dict | list) or not document:
        return replacement
    index, rest = draw_path[0], draw_path[1:]
    if isinstance(document, dict):
        key = list(document)[index % len(document)]
        return {**document, key: mutate(document[key], rest, replacement)}
    position = index % len(document)
    return [*document[:position], mutate(document[position], rest, replacement), *document[position + 1:]]
