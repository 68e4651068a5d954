"""The tape's repaint (figures only): TapeModel with 300 rows in a 900×700 view, offscreen, painted by the
delegate (one Python call a cell, TapeDelegate), by TapeView drawing every row (one Python call a repaint)
and by TapeView keeping its rows' pictures (its default), alternating; median of each, and their ratios.
Two cases: the same rows repainted, and a liquidation arriving (one row on top, every row shifted, the
repaint that follows: the tape's usual repaint). Saves the pictures to compare (`--save DIR`).

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
    for name in ("delegate", "view", "view, rows kept"):
        model = TapeModel()
        model.highlight_usd = 1_000_000.0
        model.apply(TapeUpdate(inserted=rows, removed_from_bottom=0))
        if name.startswith("view"):
            view: QTableView = TapeView(model)
            view.keep_pictures = name != "view"
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
    arrivals = iter(range(10**9))

    def arrive(view: QTableView) -> None:
        i = next(arrivals)
        view.model().apply(TapeUpdate(inserted=[Liquidation(
            "okx", "ETH-USDT-SWAP", "ETH", "linear", "short", 3_000.0 + i, 2.0, 6_000.0 + i,
            1_768_935_700_000 + i, "all", f"new-{i}")], removed_from_bottom=1))

    for case, before in (("full tape repaint", None), ("a liquidation arrives", arrive)):
        times: dict[str, list[float]] = {name: [] for name in views}
        for _ in range(repaints):
            for name, view in views.items():
                start = time.perf_counter()
                if before is not None:
                    before(view)
                view.viewport().repaint()
                times[name].append((time.perf_counter() - start) * 1000)
        medians = {name: statistics.median(values) for name, values in times.items()}
        for name, median in medians.items():
            print(f"{case}, {name}: median {median:.2f} ms, max {max(times[name]):.2f} ms")
        print(f"{case}: TapeView / delegate {medians['view'] / medians['delegate']:.2f} of the time, "
              f"rows kept / TapeView {medians['view, rows kept'] / medians['view']:.2f}")
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        for name, view in views.items():
            view.grab().save(str(save / f"tape-{name.replace(', ', '-').replace(' ', '-')}.png"))


if __name__ == "__main__":
    main()
