"""One module per venue: `parse(frame, received_ms, instruments=None, state=None)` plus the pure
protocol pieces the feed client needs (endpoints, subscribe and heartbeat messages). Qt-free."""
