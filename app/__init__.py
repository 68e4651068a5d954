"""Cascade: a desktop trading-risk monitor for crypto derivatives traders."""

__version__ = "0.1.0"
