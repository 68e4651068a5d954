"""The tape's repaint (figures only): TapeModel with 300 rows in a 900×700 view, offscreen, painted by the
delegate (one Python call a cell, TapeDelegate) and by TapeView (one Python call a repaint), alternating;
median of each, and their ratio. Saves both pictures to compare (`--save DIR`).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_tape_paint.py [REPAINTS] [--save DIR]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtWidgets import QApplication, QTableView

from app.core.events import Liquidation
from app.core.tape import TapeUpdate
from app.ui.tape_delegate import TapeDelegate
from app.ui.tape_model import TapeModel
from app.ui.tape_view import TapeView


def main() -> None:
    args = sys.argv[1:]
    save = Path(args[args.index("--save") + 1]) if "--save" in args else None
    numbers = [a for a in args if a.isdigit()]
    repaints = int(numbers[0]) if numbers else 60
    app = QApplication([])
    rows = [Liquidation("binance", "BTCUSDT", "BTC", "linear", "long" if i % 3 else "short", 91_000.0 + i, 0.5,
                        45_500.0 * (1 + i % 50), 1_768_935_600_000 + i, "sampled", str(i)) for i in range(300)]
    views: dict[str, QTableView] = {}
    for name in ("delegate", "view"):
        model = TapeModel()
        model.highlight_usd = 1_000_000.0
        model.apply(TapeUpdate(inserted=rows, removed_from_bottom=0))
        if name == "view":
            view: QTableView = TapeView(model)
        else:
            view = QTableView()
            view.setModel(model)
            view.setItemDelegate(TapeDelegate(model, view))
        view.setAlternatingRowColors(True)
        view.setShowGrid(False)
        view.verticalHeader().hide()
        view.resize(900, 700)
        view.show()
        views[name] = view
    app.processEvents()
    speed = time.perf_counter()
    sum(range(10**8))
    print(f"machine: sum(range(10**8)) {time.perf_counter() - speed:.2f} s")
    times: dict[str, list[float]] = {name: [] for name in views}
    for _ in range(repaints):
        for name, view in views.items():
            start = time.perf_counter()
            view.viewport().repaint()
            times[name].append((time.perf_counter() - start) * 1000)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"{name}: full tape repaint median {median:.2f} ms, max {max(times[name]):.2f} ms")
    print(f"TapeView / delegate: {medians['view'] / medians['delegate']:.2f} of the time")
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        for name, view in views.items():
            view.grab().save(str(save / f"tape-{name}.png"))


if __name__ == "__main__":
    main()
