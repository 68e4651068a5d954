"""Replay: the recording format and the local server that speaks the venue protocols from it."""
