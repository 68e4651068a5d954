"""The bundled 2026-01-20 demo scenario: calibration targets and the seeded generator that writes
`resources/scenarios/2026-01-20.jsonl.gz`. Qt-free zone (part of app.feeds)."""
