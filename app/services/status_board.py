"""The status bar's transient messages, so that none hides another.

Every message is kept for its own timeout, one per key: a venue's newer message replaces its older
one ("A: instrument list unavailable" then "A: …recovered"), other venues' and the app's stay. The
bar shows them all: combined ("A: …; C: …") when that fits, otherwise in turn, a few seconds each,
numbered ("(2/3) C: …"). Pure: the caller supplies the time (any monotonic ms).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from app.services.snapshot import StatusMessage

ROTATE_MS = 4_000
MAX_COMBINED_CHARS = 140


class StatusBoard:
    def __init__(self, label: Callable[[str], str] = str, max_chars: int = MAX_COMBINED_CHARS,
                 rotate_ms: int = ROTATE_MS) -> None:
        self._label = label  # a venue's display name
        self._max_chars = max_chars
        self._rotate_ms = rotate_ms
        self._active: dict[str, tuple[str, int]] = {}  # key → (shown text, expires at), in arrival order

    def add(self, messages: Iterable[StatusMessage], now_ms: int) -> None:
        for message in messages:
            key = f"venue:{message.venue}" if message.venue else f"text:{message.text}"
            text = f"{self._label(message.venue)}: {message.text}" if message.venue else message.text
            self._active.pop(key, None)  # re-posted: moves to the end, with its new timeout
            self._active[key] = (text, now_ms + max(message.timeout_ms, 0))

    def texts(self, now_ms: int) -> list[str]:
        """The messages still current, oldest first."""
        for key in [key for key, (_, expires) in self._active.items() if expires <= now_ms]:
            del self._active[key]
        return [text for text, _ in self._active.values()]

    def text(self, now_ms: int) -> str:
        """What the status bar shows now ("" = nothing)."""
        texts = self.texts(now_ms)
        combined = "; ".join(texts)
        if len(texts) <= 1 or len(combined) <= self._max_chars:
            return combined
        turn = (now_ms // self._rotate_ms) % len(texts)
        return f"({turn + 1}/{len(texts)}) {texts[turn]}"
