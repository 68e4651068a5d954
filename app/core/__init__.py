"""Pure domain: events, instruments, venue parsers, margin math, aggregation, macro parsing.

Qt-free zone: no PySide6/pyqtgraph/qasync, no networking, no sqlite, no clock reads.
tests/test_layers.py enforces it.
"""
