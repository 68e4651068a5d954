#!/usr/bin/env bash
# The README's test command: install everything, lint, run the test suite headless.
# pytest's exit code 5 (nothing collected) is a failure here, never a success.
set -uo pipefail
cd "$(dirname "$0")/.."
bash packaging/install.sh test || exit 1
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check app tests || exit 1
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
code=$?
if [ "$code" = 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$code"
