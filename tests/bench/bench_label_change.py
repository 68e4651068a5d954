"""What a label's text change costs in the real window (figures only, never pass/fail): `cascade --demo`
offscreen at 1600×1000; after it settles, a few labels that change on a quiet day (the clock, a stress
figure, the positions' summary, a yield) have their text changed back and forth, each change followed by
Qt's processing of what it posted (layouts, repaints). Each label is measured in its layout fence (as the
app holds it, app/ui/fence.py) and bare (the fence swapped out for the label, as before the fences),
alternating pass by pass; median CPU µs per change of each, beside a plain repaint of the label.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_label_change.py [--passes 5] [--changes 200]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def machine_s() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "sum(range(10**8))"], check=True)
    return time.perf_counter() - start


def measure(window, passes: int, changes: int) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from app.ui.fence import LayoutFence

    app = QApplication.instance()

    def per_change(change: Callable[[int], None]) -> float:
        app.processEvents()
        start = time.thread_time()
        for i in range(changes):
            change(i)
            app.processEvents()
        return (time.thread_time() - start) / changes * 1e6

    summary = window.panes["stressSummaryDock"]
    labels = {
        "status-bar clock": window.status.clock_label,
        "stress rate": summary.rate,
        "positions summary": window.panes["positionsDock"].summary,
        "10Y yield": window.macro_strip.tiles["10Y"].level if "10Y" in window.macro_strip.tiles else None,
    }
    empty = statistics.median(per_change(lambda i: None) for _ in range(passes))
    print(f"{'label':20s} {'repaint':>9s} {'fenced':>9s} {'bare':>9s}  (CPU µs per change, median of {passes})")
    for name, label in labels.items():
        if label is None or not isinstance(label.parentWidget(), LayoutFence):
            print(f"{name:20s} not shown")
            continue
        fence = label.parentWidget()
        holder = fence.parentWidget()
        texts = [label.text(), label.text()[:-1] + ("x" if not label.text().endswith("x") else "y")]
        swap = holder.layout()

        def change(i: int, label=label, texts=texts) -> None:  # type: ignore[no-untyped-def]
            label.setText(texts[i % 2])

        repaint, fenced, bare = [], [], []
        for _ in range(passes):
            repaint.append(per_change(lambda i, label=label: label.update()))
            fenced.append(per_change(change))
            swap.replaceWidget(fence, label)  # bare: the label straight in the layout
            fence.hide()
            app.processEvents()
            bare.append(per_change(change))
            swap.replaceWidget(label, fence)
            label.setParent(fence)
            label.setGeometry(fence.rect())
            label.show()
            fence.show()
            app.processEvents()
        print(f"{name:20s} {statistics.median(repaint) - empty:9.0f} {statistics.median(fenced) - empty:9.0f} "
              f"{statistics.median(bare) - empty:9.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--changes", type=int, default=200)
    options = parser.parse_args()
    speed = machine_s()

    from PySide6.QtCore import QTimer

    from app.ui import window as window_module

    original_start = window_module.MainWindow.start

    def start(self) -> None:  # type: ignore[no-untyped-def]
        original_start(self)

        def run() -> None:
            measure(self, options.passes, options.changes)
            print(f"[machine: sum(range(1e8)) {speed:.2f} s]")
            self.close()

        QTimer.singleShot(8000, run)

    window_module.MainWindow.start = start  # type: ignore[method-assign]
    from app.cli import main as cascade

    cascade(["--demo", "--window-size", "1600x1000", "--exit-after", "120"])


if __name__ == "__main__":
    main()
