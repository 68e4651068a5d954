#!/usr/bin/env bash
# Installs Cascade from this checkout into .venv: the Debian packages Qt needs (when root or with
# sudo), a Python >= 3.12, and the package itself (editable). Usage: packaging/install.sh [EXTRAS]
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

if command -v apt-get >/dev/null; then
  missing=""
  for pkg in $(cat packaging/debian-packages.txt); do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
  done
  if [ -n "$missing" ]; then
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    echo "Installing Debian packages Qt needs:$missing"
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

find_python() {
  local candidates=()
  if command -v pyenv >/dev/null; then
    local root; root=$(pyenv root)
    for v in "$root"/versions/3.1[2-9]*; do [ -x "$v/bin/python3" ] && candidates+=("$v/bin/python3"); done
  fi
  candidates+=(python3.13 python3.12 python3)
  for py in "${candidates[@]}"; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$py"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
  python=$(find_python) || { echo "Cascade needs Python >= 3.12 (PySide6 6.12 aborts under load on 3.11)" >&2; exit 1; }
  echo "Creating .venv with $python"
  rm -rf .venv
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ -n "$extras" ]; then
  .venv/bin/python -m pip install -q -e ".[$extras]"
else
  .venv/bin/python -m pip install -q -e .
fi
