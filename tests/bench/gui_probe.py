"""`cascade` with the window's repaint tick timed (figures only): each tick's duration and, for the
slowest, which pane's refresh took it. Printed to stderr at exit. Used by bench_app.py --probe-ticks.

Run: .venv/bin/python tests/bench/gui_probe.py [cascade options]
"""

from __future__ import annotations

import atexit
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
STARTED = time.perf_counter()


def install() -> None:
    from app.ui import window as window_module

    ticks: list[tuple[float, dict[str, float]]] = []
    original_tick = window_module.MainWindow.tick

    def timed_tick(self) -> None:  # type: ignore[no-untyped-def]
        parts: dict[str, float] = {}
        panes = {"tape": self.tape_pane, **self.panes}
        saved = {}
        for name, pane in panes.items():
            refresh = pane.refresh

            def wrapped(snapshot, _refresh=refresh, _name=name):  # type: ignore[no-untyped-def]
                start = time.perf_counter()
                _refresh(snapshot)
                parts[_name] = (time.perf_counter() - start) * 1000

            saved[name] = pane
            pane.refresh = wrapped
        start = time.perf_counter()
        try:
            original_tick(self)
        finally:
            for pane in saved.values():
                del pane.refresh
        ticks.append(((time.perf_counter() - start) * 1000, parts))

    window_module.MainWindow.tick = timed_tick  # type: ignore[method-assign]

    pumps: list[float] = []  # the read pumps' time (the window's timer, before its snapshot)
    from app.ui import event_loop

    original_pump = event_loop.BatchedQEventLoop.pump_reads

    def timed_pump(self) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        original_pump(self)
        pumps.append((time.perf_counter() - start) * 1000)

    event_loop.BatchedQEventLoop.pump_reads = timed_pump  # type: ignore[method-assign]

    def report_pumps() -> None:
        if pumps:
            ordered = sorted(pumps)
            print(f"tick pumps: {len(pumps)}, p50 {ordered[len(ordered) // 2]:.2f} ms, max {ordered[-1]:.1f} ms, "
                  f"{sum(pumps):.0f} ms in all", file=sys.stderr)

    atexit.register(report_pumps)

    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QMainWindow

    paints: list[float] = []
    current: list[str] = []  # the widgets painted in the repaint under way
    slowest: list[tuple[float, list[str]]] = []

    layouts: list[float] = []
    moved: list[str] = []  # widgets resized or moved since the last repaint (what made a repaint whole)

    def timed_event(self, event) -> bool:  # type: ignore[no-untyped-def]
        if event.type() == QEvent.Type.LayoutRequest:  # the whole window laid out again
            start = time.perf_counter()
            handled = QMainWindow.event(self, event)
            layouts.append((time.perf_counter() - start) * 1000)
            return handled
        if event.type() != QEvent.Type.UpdateRequest:
            return QMainWindow.event(self, event)
        start = time.perf_counter()
        current.clear()
        handled = QMainWindow.event(self, event)  # the window's repaint: every dirty widget painted
        paints.append((time.perf_counter() - start) * 1000)
        at = f"at {time.perf_counter() - STARTED:.1f} s"
        slowest.append((paints[-1], [at, *sorted(set(current)), *sorted(set(moved))]))
        moved.clear()
        slowest.sort(key=lambda x: -x[0])
        del slowest[5:]
        return handled

    window_module.MainWindow.event = timed_event  # type: ignore[method-assign]

    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication

    painted: dict[str, int] = {}

    class PaintCounter(QObject):
        """Which widgets repaint (by class and the dock they sit in): the quiet day's cost is what changes."""

        def eventFilter(self, watched, event) -> bool:  # type: ignore[no-untyped-def]
            if event.type() == QEvent.Type.LayoutRequest:
                key = f"layout:{watched.objectName() or '-'}:{type(watched).__name__}"
                painted[key] = painted.get(key, 0) + 1
            elif event.type() in (QEvent.Type.Resize, QEvent.Type.Move) and watched.isWidgetType():
                kind = "resize" if event.type() == QEvent.Type.Resize else "move"
                dock, widget = "", watched
                while widget is not None and not dock:  # where it sits: its dock, else its parent's class
                    dock = widget.objectName() if widget.objectName().endswith(("Dock", "Bar", "Strip")) else ""
                    widget = widget.parent()
                parent = watched.parent()
                where = dock or (type(parent).__name__ if parent is not None else "-")
                name = watched.objectName() or (f"'{watched.text()[:12]}'" if hasattr(watched, "text") else "-")
                key = f"{kind}:{where}/{name}:{type(watched).__name__}"
                painted[key] = painted.get(key, 0) + 1
                moved.append(key)
            elif event.type() == QEvent.Type.Paint:
                dock, widget = "", watched
                while widget is not None and not dock:
                    dock = widget.objectName() if widget.objectName().endswith("Dock") else ""
                    widget = widget.parent()
                parent = watched.parent()
                where = dock or (type(parent).__name__ if parent is not None else "-")
                key = f"{where}:{type(watched).__name__}"
                painted[key] = painted.get(key, 0) + 1
                current.append(key)
            return False

    counter = PaintCounter()
    original_start = window_module.MainWindow.start

    def start(self) -> None:  # type: ignore[no-untyped-def]
        QApplication.instance().installEventFilter(counter)
        original_start(self)

    window_module.MainWindow.start = start  # type: ignore[method-assign]

    def report_paints() -> None:
        for ms, widgets in slowest:
            shown = [w for w in widgets if w.startswith(("at ", "resize:"))] + [
                w for w in widgets if not w.startswith(("-", "at ", "resize:"))]
            print(f"tick slow paint {ms:.0f} ms: {', '.join(shown)[:600]}",
                  file=sys.stderr)
        top = sorted(painted.items(), key=lambda x: -x[1])[:80]
        print("tick paints by widget: " + ", ".join(f"{k} {n}" for k, n in top), file=sys.stderr)

    atexit.register(report_paints)

    from app.ui import fence as fence_module

    passed: dict[str, int] = {}  # which fenced labels still lay the window out (their size needs changed)
    original_pass_on = fence_module.LayoutFence._pass_on

    def counted_pass_on(self) -> None:  # type: ignore[no-untyped-def]
        inner = self.inner
        text = inner.text()[:14] if hasattr(inner, "text") else ""
        key = f"{self.parentWidget().objectName() or type(self.parentWidget()).__name__}/'{text}'"
        passed[key] = passed.get(key, 0) + 1
        original_pass_on(self)

    fence_module.LayoutFence._pass_on = counted_pass_on  # type: ignore[method-assign]
    atexit.register(lambda: print("tick fences passed on: " + ", ".join(
        f"{k} {n}" for k, n in sorted(passed.items(), key=lambda x: -x[1])[:20]), file=sys.stderr))

    def report() -> None:
        if not ticks:
            return
        ordered = sorted(t for t, _ in ticks)
        p50, p99 = ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        totals: dict[str, float] = {}
        for _, parts in ticks:
            for name, ms in parts.items():
                totals[name] = totals.get(name, 0.0) + ms
        print(f"tick: {len(ticks)} ticks, p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms",
              file=sys.stderr)
        if paints:
            done = sorted(paints)
            print(f"tick paint: {len(done)} window repaints, p50 {done[len(done) // 2]:.1f} ms, "
                  f"p99 {done[min(len(done) - 1, int(len(done) * 0.99))]:.1f} ms, max {done[-1]:.1f} ms, "
                  f"{sum(done):.0f} ms in all", file=sys.stderr)
        if layouts:
            done = sorted(layouts)
            print(f"tick layout: {len(done)} window relayouts, p50 {done[len(done) // 2]:.1f} ms, "
                  f"max {done[-1]:.1f} ms, {sum(done):.0f} ms in all", file=sys.stderr)
        print("tick time by pane (ms, summed): " + ", ".join(
            f"{name} {ms:.0f}" for name, ms in sorted(totals.items(), key=lambda x: -x[1])[:8]), file=sys.stderr)
        for duration, parts in sorted(ticks, key=lambda x: -x[0])[:5]:
            top = ", ".join(f"{n} {ms:.0f}" for n, ms in sorted(parts.items(), key=lambda x: -x[1])[:3])
            print(f"slow tick {duration:.0f} ms: {top}", file=sys.stderr)

    import gc

    collections: list[tuple[int, float]] = []  # (generation, ms)
    started: list[float] = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            collections.append((info["generation"], (time.perf_counter() - started[0]) * 1000))

    gc.callbacks.append(on_gc)

    def report_gc() -> None:
        for generation in (0, 1, 2):
            times = sorted(ms for g, ms in collections if g == generation)
            if times:
                print(f"tick gc gen{generation}: {len(times)} collections, max {times[-1]:.1f} ms, "
                      f"{sum(times):.0f} ms in all", file=sys.stderr)

    atexit.register(report)
    atexit.register(report_gc)


def profile_ticks(out: str) -> None:
    """CASCADE_PROBE_PROFILE=OUT: cProfile of the window's three slowest ticks (pstats file at exit)."""
    import cProfile

    from app.ui import window as window_module

    inner = window_module.MainWindow.tick
    slowest: list[tuple[float, cProfile.Profile]] = []  # the three slowest ticks, each profiled alone

    def tick(self) -> None:  # type: ignore[no-untyped-def]
        alone = cProfile.Profile()
        start = time.perf_counter()
        alone.enable()
        try:
            inner(self)
        finally:
            alone.disable()
            slowest.append((time.perf_counter() - start, alone))
            slowest.sort(key=lambda pair: -pair[0])
            del slowest[3:]

    def dump() -> None:
        import pstats

        merged = pstats.Stats(slowest[0][1]) if slowest else None
        for _, one in slowest[1:]:
            merged.add(one)  # type: ignore[union-attr]
        if merged is not None:
            merged.dump_stats(out)
            print(f"tick profile: the {len(slowest)} slowest ticks "
                  f"({', '.join(f'{s * 1000:.0f} ms' for s, _ in slowest)}) in {out}", file=sys.stderr)

    window_module.MainWindow.tick = tick  # type: ignore[method-assign]
    atexit.register(dump)


def profile_steady(out: str, after_s: float = 10.0) -> None:
    """CASCADE_PROBE_CPROFILE=OUT: cProfile of the loop thread from `after_s` after start to exit (call counts
    per second show what a quiet day pays for; its timings are inflated by the profiler)."""
    import cProfile

    from app.ui import window as window_module

    inner = window_module.MainWindow.tick
    profile = cProfile.Profile()
    began: list[float] = []

    def tick(self) -> None:  # type: ignore[no-untyped-def]
        if not began and time.perf_counter() - STARTED > after_s:
            began.append(time.perf_counter())
            profile.enable()
        inner(self)

    def dump() -> None:
        if began:
            profile.disable()
            profile.dump_stats(out)
            print(f"steady profile: {time.perf_counter() - began[0]:.1f} s in {out}", file=sys.stderr)

    window_module.MainWindow.tick = tick  # type: ignore[method-assign]
    atexit.register(dump)


if __name__ == "__main__":
    import os

    if os.environ.get("CASCADE_PROBE_TICKS", "1") != "0":  # 0: only the profiles below (no per-event timing)
        install()
    if os.environ.get("CASCADE_PROBE_PROFILE"):
        profile_ticks(os.environ["CASCADE_PROBE_PROFILE"])
    if os.environ.get("CASCADE_PROBE_CPROFILE"):
        profile_steady(os.environ["CASCADE_PROBE_CPROFILE"])
    from app.cli import main

    sys.exit(main(sys.argv[1:]))
