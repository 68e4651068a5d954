"""Cascade: a desktop trading-risk monitor for crypto derivatives traders."""

import time

__version__ = "0.1.0"
STARTED_AT = time.perf_counter()  # for the "window shown N s after start" figure
