"""Command-line entries: each module exposes `main(argv) -> int` and never loads Qt."""
