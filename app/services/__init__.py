"""Long-lived orchestration: engine, supervisor, market clock, alert dispatch. Qt-free zone."""
