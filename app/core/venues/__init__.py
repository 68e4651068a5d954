"""One module per venue: `parse(frame, received_ms, instruments=None, state=None)`, the pure protocol
pieces the feed client needs, and one `DESCRIPTOR` (descriptor.py) that the registry (registry.py)
lists; `<venue>_replay.py` holds how the replay server answers as that venue. Qt-free, no I/O."""
