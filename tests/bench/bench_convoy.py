"""What a busy second thread costs the GUI thread's painting (figures only): the tape (TapeModel +
TapeDelegate, 300 rows, 900×700, offscreen) repainted alone, then beside a thread spinning in Python, at
several GIL switch intervals. The connections run on a network thread (app/services/network_thread.py);
while it is busy the GUI's Python work waits for the GIL, which bounds the loop lag at high rates.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_convoy.py [REPAINTS]
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtWidgets import QApplication, QTableView

from app.core.events import Liquidation
from app.core.tape import TapeUpdate
from app.ui.tape_delegate import TapeDelegate
from app.ui.tape_model import TapeModel


def main() -> None:
    repaints = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    app = QApplication([])
    rows = [Liquidation("binance", "BTCUSDT", "BTC", "linear", "long" if i % 3 else "short", 91_000.0 + i, 0.5,
                        45_500.0 * (1 + i % 50), 1_768_935_600_000 + i, "sampled", str(i)) for i in range(300)]
    model = TapeModel()
    model.apply(TapeUpdate(inserted=rows, removed_from_bottom=0))
    view = QTableView()
    view.setModel(model)
    view.setItemDelegate(TapeDelegate(model, view))
    view.resize(900, 700)
    view.show()
    app.processEvents()

    def measure(label: str) -> None:
        times = []
        for _ in range(repaints):
            start = time.perf_counter()
            view.viewport().repaint()
            times.append((time.perf_counter() - start) * 1000)
        print(f"{label}: tape repaint median {statistics.median(times):.1f} ms, max {max(times):.1f} ms")

    speed = time.perf_counter()
    sum(range(10**8))
    print(f"machine: sum(range(10**8)) {time.perf_counter() - speed:.2f} s")
    measure("alone")
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(1000))

    spinner = threading.Thread(target=spin)
    spinner.start()
    default = sys.getswitchinterval()
    try:
        for interval in (0.005, 0.002, 0.0005):
            sys.setswitchinterval(interval)
            measure(f"beside a busy Python thread, GIL switch interval {interval * 1000:g} ms")
    finally:
        stop.set()
        spinner.join()
        sys.setswitchinterval(default)


if __name__ == "__main__":
    main()
