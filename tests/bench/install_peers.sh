#!/bin/sh
# The peers of tests/bench/bench_parsers.py --peers: cryptofeed in its own virtual environment (it pins
# packages that do not install beside Cascade's), ccxt from the `bench` extra in the project's venv.
#   tests/bench/install_peers.sh [VENV_DIR]        (default: ../peers-venv beside the worktree)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
venv=${1:-"$here/../peers-venv"}
python=${PYTHON:-python3}
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet cryptofeed
"$here/.venv/bin/python" -m pip install --quiet -e "$here[bench]"
echo "cryptofeed: $("$venv/bin/python" -c 'from importlib.metadata import version; print(version("cryptofeed"))') in $venv"
echo "run: $here/.venv/bin/python $here/tests/bench/bench_parsers.py --peers --peers-python $venv/bin/python"
