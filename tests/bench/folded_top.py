"""Top functions of py-spy's raw (folded) output: self and inclusive share of samples.

Run: .venv/bin/python tests/bench/folded_top.py OUT.txt [N]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path


def main() -> None:
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    print(f"{total} samples")
    print("-- self --")
    for frame, count in own.most_common(top):
        print(f"{100 * count / total:5.1f}%  {frame}")
    print("-- inclusive --")
    for frame, count in inclusive.most_common(top):
        print(f"{100 * count / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
