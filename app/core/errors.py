"""Errors raised by pure core code."""


class BadFrame(ValueError):
    """A venue frame that cannot be parsed. `reason` says why, for the bad-frame counter and log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KnownError(Exception):
    """An error caused by the user's environment or input: shown as a message, not a crash."""
