"""The main window driven by its tick(), no event loop: tape rows, totals, notices, status bar,
the macro strip and a pre-event alert through the Notifier path."""

from __future__ import annotations

import time
from datetime import date

from app.core.events import Liquidation, MarkPrice, VenueNotice
from app.core.macro.calendar import load_calendar
from app.core.macro.jgb import parse_mof_csv
from app.core.tape import Tape
from app.feeds.sink import FeedSink
from app.services.alerts import RecordingNotifier
from app.services.engine import Engine
from app.services.macro import MacroService
from app.services.settings_store import SettingsStore
from app.services.snapshot import MessageQueue, Snapshot, SnapshotBuilder
from app.services.venue_status import VenueRecord
from app.store.settings import Settings
from app.ui.window import MainWindow, WindowOptions

NOW = 1_768_935_600_000  # 2026-01-20 19:00 UTC

MOF = ("Interest Rate (Test)\r\nDate,1Y,10Y,30Y,40Y\r\n2026/1/16,0.8,2.2,3.4,3.6\r\n"
       "2026/1/19,0.8,2.266,3.562,3.721\r\n2026/1/20,0.8,2.33,3.765,3.901\r\n2026/1/21,0.8,2.5,4.0,4.2\r\n")
ICS = """BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nX-CASCADE-AS-OF:2026-01-01\r\n
BEGIN:VEVENT\r\nUID:boj@test\r\nSUMMARY:BOJ meeting\r\nDTSTART:20260120T191000Z\r\nDTEND:20260120T200000Z\r\n
X-CASCADE-KIND:boj\r\nX-CASCADE-IMPACT:high\r\nURL:https://www.boj.or.jp/\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n""".replace(
    "\n\n", "\n").replace("\r\n\n", "\r\n")


def liq(venue: str, ts: int, usd: float, side: str = "long") -> Liquidation:
    return Liquidation(venue, "BTCUSDT", "BTC", "linear_perp", side, 90_000.0, usd / 90_000, usd, ts,  # type: ignore[arg-type]
                       "all", f"{venue}{ts}")


class StubSession:
    """The window's side of a session (SessionView) over a real engine, without feeds or history."""

    def __init__(self, sink: FeedSink, now: list[int], completeness: dict[str, str],
                 views: list[VenueRecord] | None = None, banner: str | None = None) -> None:
        self.venues = list(completeness)
        self.completeness = completeness
        self.banner = banner
        self.settings = Settings()
        self.store = SettingsStore(self.settings, None)
        self.engine = Engine(sink, lambda: now[0])
        self.tape = self.engine.add_tape(Tape(max_rows=100))
        self.messages = MessageQueue()
        self.macro: MacroService | None = None
        self.macro_version = 0
        self.imported: list[str] = []
        self.retried: list[str] = []
        self._now = now
        self._builder = SnapshotBuilder(self.engine, lambda: list(views or []), lambda: now[0],
                                        "replay" if banner else "live", self.messages)

    def now_ms(self) -> int:
        return self._now[0]

    def has_news(self) -> bool:
        return self.engine._sink.has_news() or self.messages.waiting()

    def snapshot(self) -> Snapshot:
        return self._builder.build(self.macro, self.macro_version)

    def tick_size(self, venue: str, symbol: str) -> float | None:
        return None

    def import_calendar(self, path: str) -> None:
        self.imported.append(path)

    def set_time_zone(self, local: bool) -> None:
        self.store.update(time_zone="local" if local else "utc")

    def set_tape_min(self, usd: float) -> None:
        self.store.update(tape_min_usd=usd)

    def set_macro_view(self, tenors: list[str], threshold_bp: float) -> None:
        self.store.update(macro_tenors=tenors, macro_move_threshold_bp=threshold_bp)

    def retry_now(self, venue: str) -> int:
        self.retried.append(venue)
        return 1


def make_window(qtbot, sink: FeedSink, now: list[int]) -> MainWindow:  # type: ignore[no-untyped-def]
    views = [VenueRecord("binance", "live", 12.5, "sampled", observed_ms=3 * 3_600_000 + 5 * 60_000),
             VenueRecord("bybit", "offline", 0.0, "all", gaps=2, detail="connect failed")]
    session = StubSession(sink, now, {"binance": "sampled", "bybit": "all"}, views, banner="REPLAY 2026-01-20 ×1")
    window = MainWindow(session)
    qtbot.addWidget(window)
    return window


def test_tick_fills_tape_totals_notices_and_status(qtbot) -> None:
    sink = FeedSink()
    now = [NOW]
    window = make_window(qtbot, sink, now)
    sink.offer("binance", [liq("binance", NOW, 5_000), liq("binance", NOW + 1, 13_520_000, "short")])
    sink.offer("bybit", [VenueNotice("bybit", "error", "10001", "Invalid symbol")])
    window.tick()
    assert window.tape_pane.model.rowCount() == 2
    totals = window.totals_pane.table
    assert totals.item(0, 3).text() == "2"
    assert totals.item(0, 5).text() == "$13.52M"
    assert totals.item(0, 2).text() == "3h 05m"
    assert totals.item(1, 2).text() == "—"  # bybit has never been live: nothing observed
    assert "Invalid symbol" in window.notices.item(0).text()
    binance = window.status.venue_label("binance")
    bybit = window.status.venue_label("bybit")
    assert binance is not None and "live" in binance.text() and "sampled" in binance.text()
    assert bybit is not None and "offline" in bybit.text() and "2 gaps" in bybit.text()
    assert "2026-01-20 19:00:00 UTC" in window.status.clock_label.text()
    assert window.banner is not None and "REPLAY" in window.banner.text()


def test_macro_strip_and_pre_event_alert(qtbot) -> None:
    sink = FeedSink()
    now = [NOW]
    window = make_window(qtbot, sink, now)
    macro = MacroService(parse_mof_csv(MOF), load_calendar(ICS), tenors=["10Y", "30Y", "40Y"],
                         hide_after=date(2026, 1, 20))
    recorder = RecordingNotifier()
    window.attach_macro(macro, alert_minutes=30, extra_notifiers=(recorder,))
    thirty = window.macro_strip.tiles["30Y"]
    assert thirty.level.text() == "3.765%"
    assert "+20.3bp" in thirty.change.text()
    assert "RECORD" in thirty.flag.text()
    assert "4.000" not in thirty.level.text()  # the row after the replay date stays hidden
    assert "BOJ meeting" in window.macro_strip.events.text().replace("&nbsp;", " ")
    assert [alert.title for alert in recorder.alerts] == ["BOJ meeting"]  # 10 min before, lead 30 min
    assert "BOJ meeting" in window.alert_banner.toolTip() and "5a1e02" in window.alert_banner.styleSheet()
    now[0] += 60_000
    window._refresh_macro()
    assert len(recorder.alerts) == 1  # once per event


def test_curve_view_shows_no_row_after_the_replay_date(qtbot) -> None:
    from app.ui.curve_view import CurveView

    history = parse_mof_csv(MOF)
    view = CurveView(history.until(date(2026, 1, 20)), date(2026, 1, 20), "30Y")
    qtbot.addWidget(view)
    _xs, ys = view.history_line.getData()
    assert list(ys) == [3.4, 3.562, 3.765]
    view.tenor_choice.setCurrentText("40Y")
    assert list(view.history_line.getData()[1]) == [3.6, 3.721, 3.901]


def test_live_but_silent_venue_is_flagged_in_the_status_bar(qtbot) -> None:
    from app.core.silence import SILENT_AFTER_MS

    sink = FeedSink()
    now = [NOW]
    window = make_window(qtbot, sink, now)  # binance live, bybit offline
    now[0] += SILENT_AFTER_MS - 60_000
    sink.offer("bybit", [liq("bybit", now[0] + i, 1_000) for i in range(60)])
    window.tick()
    now[0] += 120_000
    window.tick()
    binance = window.status.venue_label("binance")
    assert binance is not None and "possibly silent" in binance.text()
    assert "possibly silent" in binance.toolTip()


def test_strip_menu_changes_tenors_and_threshold(qtbot) -> None:
    sink = FeedSink()
    window = make_window(qtbot, sink, [NOW])
    macro = MacroService(parse_mof_csv(MOF), load_calendar(ICS), tenors=["10Y", "30Y"], hide_after=date(2026, 1, 20))
    window.attach_macro(macro, alert_minutes=30)
    changes: list[tuple[list[str], float]] = []
    window.macro_view_changed.connect(lambda tenors, bp: changes.append((tenors, bp)))
    window.macro_strip.tenors_chosen.emit(["10Y", "30Y", "40Y"])
    assert list(window.macro_strip.tiles) == ["10Y", "30Y", "40Y"]
    window.macro_strip._toggle_tenor("10Y", False)
    assert list(window.macro_strip.tiles) == ["30Y", "40Y"]
    window.macro_strip.threshold_chosen.emit(25.0)
    assert "big move" not in window.macro_strip.tiles["30Y"].flag.text()  # +20.3bp < 25bp
    assert changes[-1] == (["30Y", "40Y"], 25.0)


def test_copy_diagnostics_puts_redacted_text_on_the_clipboard(qtbot) -> None:
    from PySide6.QtGui import QGuiApplication

    window = make_window(qtbot, FeedSink(), [NOW])
    window.copy_diagnostics()
    text = QGuiApplication.clipboard().text()
    assert "Cascade" in text or "cascade" in text


def test_venue_labels_exist_before_any_feed_reports(qtbot) -> None:
    """Labels are created with the window (showing "connecting"), not when the first status arrives:
    a label added while a temporary status message shows can stay hidden."""
    window = MainWindow(StubSession(FeedSink(), [NOW], {"binance": "sampled", "okx": "partial"}))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    for venue in ("binance", "okx"):
        label = window.status.venue_label(venue)
        assert label is not None and label.isVisible() and "connecting" in label.text()


def test_display_choices_start_from_and_report_to_the_settings(qtbot) -> None:
    session = StubSession(FeedSink(), [NOW], {"binance": "sampled"})
    window = MainWindow(session, WindowOptions(local_time=True))
    qtbot.addWidget(window)
    assert window.local_time_action.isChecked()
    chosen: list[float] = []
    window.tape_pane.min_size_changed.connect(chosen.append)
    window.tape_pane.min_size.setCurrentIndex(3)  # ≥ $50K
    assert chosen == [50_000.0]
    assert session.store.current.tape_min_usd == 50_000.0
    window.local_time_action.setChecked(False)
    assert session.store.current.time_zone == "utc"


def test_session_messages_and_macro_reach_the_window_through_the_snapshot(qtbot) -> None:
    """A failed history write (posted from the writer thread) shows in the status bar at the next tick,
    and a macro service the session loads is attached without anyone assigning window.macro."""
    session = StubSession(FeedSink(), [NOW], {"binance": "sampled"})
    window = MainWindow(session)
    qtbot.addWidget(window)
    session.messages.post("History not saved: disk I/O error")
    window.tick()
    assert window.statusBar().currentMessage() == "History not saved: disk I/O error"
    session.macro = MacroService(parse_mof_csv(MOF), load_calendar(ICS), tenors=["10Y"], hide_after=date(2026, 1, 20))
    session.macro_version = 1
    window.tick()
    assert window.macro is session.macro and not window.macro_strip.isHidden()


def test_a_refused_venue_gets_a_retry_now_button_that_asks_the_session(qtbot) -> None:
    from PySide6.QtCore import Qt

    views = [VenueRecord("binance", "refused", 0.0, "sampled", detail="HTTP 451: not available from your region"),
             VenueRecord("bybit", "live", 3.0, "all", connected=True)]
    session = StubSession(FeedSink(), [NOW], {"binance": "sampled", "bybit": "all"}, views)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.tick()
    button = window.status.retry_button("binance")
    assert button.isVisible() and "Binance" in button.text()
    assert "bybit" not in window.status._retry  # a live venue has no button
    session.messages.post("a message does not hide the button")
    window.tick()
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert session.retried == ["binance"]
    views[0] = VenueRecord("binance", "live", 5.0, "sampled", connected=True)
    window.tick()
    assert not button.isVisible()


def test_stale_closes_show_their_age_and_an_unreachable_source_in_the_strip_and_the_curve(qtbot) -> None:
    from app.ui.curve_view import CurveView

    window = make_window(qtbot, FeedSink(), [NOW + 30 * 86_400_000])  # a month after the last close
    macro = MacroService(parse_mof_csv(MOF), load_calendar(ICS), tenors=["10Y", "30Y"], source="unreachable",
                         source_detail="jgbcme.csv: failed network: timed out")
    window.attach_macro(macro, alert_minutes=30)
    strip = window.macro_strip
    assert "last MOF close 2026-01-21" in strip.source.text() and "source unreachable" in strip.source.text()
    assert "4 weeks old" in strip.source.text() and "timed out" in strip.source.toolTip()
    thirty = strip.tiles["30Y"]
    assert thirty.change.text() == "+23.5bp on 21 Jan"  # dated: not presented as today's move
    assert "▲" not in thirty.change.text() and "stale" in thirty.flag.text()
    window.open_curve("30Y")
    view = window.curve_view  # a dock tabbed beside the positions, not a window over the tape
    assert isinstance(view, CurveView)
    assert window.docks["curveDock"].widget() is view and not window.docks["curveDock"].isFloating()
    assert view.freshness_label.text() == "⚠ last MOF close 2026-01-21 · 4 weeks old · source unreachable"
    assert "through 2026-01-21" in view.history_plot.plotItem.titleLabel.text  # the last close, not today


def test_current_closes_show_no_warning(qtbot) -> None:
    window = make_window(qtbot, FeedSink(), [NOW])
    macro = MacroService(parse_mof_csv(MOF), load_calendar(ICS), tenors=["30Y"], hide_after=date(2026, 1, 20))
    window.attach_macro(macro, alert_minutes=30)
    assert window.macro_strip.source.text() == "JGB yields\nMOF close\n2026-01-20"
    assert "▲" in window.macro_strip.tiles["30Y"].change.text()


def test_every_venues_message_reaches_the_status_bar_and_lasting_ones_the_notices(qtbot) -> None:
    """Before: the last message posted in a tick covered the others for 30 s."""
    session = StubSession(FeedSink(), [NOW], {"binance": "sampled", "okx": "partial"})
    window = MainWindow(session)
    qtbot.addWidget(window)
    clock = [0]
    window.board_ms = lambda: clock[0]
    session.messages.post("instrument list unavailable (timed out); using the bundled majors", venue="binance",
                          notice="instruments")
    session.messages.post("instrument list unavailable (HTTP 451); using the bundled majors", venue="okx",
                          notice="instruments")
    window.tick()
    shown = window.statusBar().currentMessage()
    seen = {shown}
    for _ in range(3):
        clock[0] += 4_000
        window.tick()
        seen.add(window.statusBar().currentMessage())
    text = " ".join(seen)
    assert "Binance: instrument list unavailable (timed out)" in text and "OKX: instrument list unavailable" in text
    notices = [window.notices.item(i).text() for i in range(window.notices.count())]
    assert any("Binance" in n and "timed out" in n for n in notices)
    assert any("OKX" in n and "451" in n for n in notices)
    clock[0] += 30_000
    window.tick()
    assert window.statusBar().currentMessage() == ""  # each for its own timeout


def test_the_empty_tape_says_what_it_is_waiting_for_until_the_first_row(qtbot) -> None:
    sink = FeedSink()
    views = [VenueRecord("binance", "refused", 0.0, "sampled"), VenueRecord("okx", "connecting", 0.0, "partial")]
    session = StubSession(sink, [NOW], {"binance": "sampled", "okx": "partial"}, views)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.tick()
    placeholder = window.tape_pane.placeholder
    assert not placeholder.isHidden()
    assert placeholder.text() == ("Waiting for liquidations from Binance, OKX — connecting… "
                                  "(Binance refused (not available from your region))")
    sink.offer("okx", [liq("okx", NOW, 5_000)])
    window.tick()
    assert placeholder.isHidden()


def test_a_paced_window_refreshes_the_tape_every_tick_and_rolling_figures_at_their_pace(qtbot) -> None:
    sink = FeedSink()
    views = [VenueRecord("binance", "live", 12.5, "sampled", observed_ms=60_000)]
    session = StubSession(sink, [NOW], {"binance": "sampled"}, views)
    window = MainWindow(session, WindowOptions(paced=True))
    qtbot.addWidget(window)
    wall = [time.monotonic() + 10]  # after the tick the window ran when built
    window._monotonic = lambda: wall[0]
    count = lambda: window.totals_pane.table.item(0, 3).text()  # noqa: E731
    paced = [name for name, pane in window.panes.items() if getattr(pane, "refresh_every_s", 0)]
    assert "totalsDock" in paced and len(paced) >= 5

    def tick(seconds: float) -> None:
        wall[0] += seconds
        window.tick()
        assert sum(at == wall[0] for at in window._refreshed.values()) <= 1  # one paced pane a tick at most

    sink.offer("binance", [liq("binance", NOW, 5_000)])
    tick(0.01)
    assert window.tape_pane.model.rowCount() == 1
    for _ in paced:  # every paced pane is due: they take turns, one a tick
        tick(0.01)
    assert count() == "1"
    sink.offer("binance", [liq("binance", NOW + 1, 6_000)])
    tick(0.1)
    assert window.tape_pane.model.rowCount() == 2  # the tape: every tick
    assert count() == "1"  # the totals: not yet (twice a second)
    for _ in paced:
        tick(0.1)
    assert count() == "2"
    views[0] = VenueRecord("binance", "offline", 0.0, "sampled", detail="connect failed")
    tick(0.1)
    label = window.status.venue_label("binance")
    assert label is not None and "offline" in label.text()  # a venue's state shows at once, not a second later


def test_a_paced_timer_takes_a_snapshot_for_news_at_once_else_at_its_idle_pace_and_reads_first(qtbot) -> None:
    from app.ui.window import IDLE_TICK_S

    sink = FeedSink()
    now = [NOW]
    session = StubSession(sink, now, {"binance": "sampled"}, [VenueRecord("binance", "live", 1.0, "sampled")])
    window = MainWindow(session, WindowOptions(paced=True))
    qtbot.addWidget(window)
    wall = [time.monotonic() + 10]
    window._monotonic = lambda: wall[0]
    snapshots: list[int] = []
    taken = session.snapshot
    session.snapshot = lambda: (snapshots.append(now[0]), taken())[1]  # type: ignore[method-assign]
    pumped: list[float] = []
    window.read_pump = lambda: pumped.append(wall[0])

    def timer(seconds: float = 0.1) -> None:
        wall[0] += seconds
        window._on_timer()

    timer()  # the first: its idle pace is due
    assert len(snapshots) == 1 and len(pumped) == 1
    timer()  # nothing new, same second, 0.1 s after the last: reads only
    assert len(snapshots) == 1 and len(pumped) == 2
    sink.offer("binance", [MarkPrice("binance", "BTCUSDT", "BTC", 90_000.0, NOW)])
    timer()  # a mark waits for the idle pace
    assert len(snapshots) == 1
    timer(IDLE_TICK_S)  # the idle pace
    assert len(snapshots) == 2
    window.read_pump = lambda: (pumped.append(wall[0]), sink.offer("binance", [liq("binance", NOW, 5_000)]))
    timer()  # a liquidation the pump read: shown at this tick
    assert len(snapshots) == 3 and window.tape_pane.model.rowCount() == 1
    window.read_pump = lambda: pumped.append(wall[0])
    session.messages.post("binance: reconnected")
    timer()  # a message: at once
    assert len(snapshots) == 4
    now[0] += 1_000
    timer()  # the clock's second turned: at once
    assert len(snapshots) == 5
    timer()
    assert len(snapshots) == 5
    unpaced = MainWindow(session, WindowOptions(paced=False))  # tests that tick by hand: every timer ticks
    qtbot.addWidget(unpaced)
    before = len(snapshots)
    unpaced._on_timer()
    assert len(snapshots) == before + 1


def test_an_alert_never_moves_the_docks_and_stays_readable_after_it_fades(qtbot) -> None:
    """The alert line is always there: an alert colours it, then it fades to a muted 'Last alert' with its
    time. Showing and hiding it used to move every dock (a whole-window relayout as a cascade starts)."""
    from app.services.alerts import Alert
    from app.ui.notifier import ALERT_STYLE, NO_ALERT_TEXT, QUIET_STYLE, InAppNotifier

    window = make_window(qtbot, FeedSink(), [NOW])
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    notifier = next(n for n in window.alerts.notifiers if isinstance(n, InAppNotifier))
    notifier._hide.setInterval(100)
    banner = window.alert_banner
    qtbot.waitUntil(lambda: banner.height() == banner.sizeHint().height(), timeout=3000)  # laid out
    assert banner.isVisible() and banner.text() == NO_ALERT_TEXT and banner.styleSheet() == QUIET_STYLE
    placed = (banner.geometry(), window.tape_pane.mapTo(window, window.tape_pane.rect().topLeft()))
    widest = window.minimumSizeHint().width()

    long_body = "BTC longs liquidated across every venue, " * 20  # far wider than the window
    window.alerts.dispatch(Alert("liq:btc", "Cascade", long_body, "critical", NOW))
    qtbot.wait(10)
    assert banner.styleSheet() == ALERT_STYLE and notifier.fresh
    assert banner.text().startswith("⚠ Cascade") and banner.text().endswith("…")  # elided to the line
    assert banner.toolTip() == f"⚠ Cascade — {long_body}"
    assert (banner.geometry(), window.tape_pane.mapTo(window, window.tape_pane.rect().topLeft())) == placed
    assert window.minimumSizeHint().width() == widest  # a long alert never widens the window

    qtbot.waitUntil(lambda: not notifier.fresh, timeout=3000)
    assert banner.styleSheet() == QUIET_STYLE
    assert banner.text().startswith("Last alert 19:00:00: Cascade")
    assert (banner.geometry(), window.tape_pane.mapTo(window, window.tape_pane.rect().topLeft())) == placed


def test_paced_panes_take_turns_in_proportion_to_their_pace(qtbot) -> None:
    sink = FeedSink()
    session = StubSession(sink, [NOW], {"binance": "sampled"}, [VenueRecord("binance", "live", 1.0, "sampled")])
    window = MainWindow(session, WindowOptions(paced=True))
    qtbot.addWidget(window)
    wall = [time.monotonic() + 10]
    window._monotonic = lambda: wall[0]
    turns: dict[str, int] = {}
    for name, pane in window.panes.items():
        if getattr(pane, "refresh_every_s", 0):
            pane.refresh = lambda _snapshot, _name=name: turns.__setitem__(_name, turns.get(_name, 0) + 1)
    for _ in range(200):  # 40 s of ticks at 5 a second: fewer turns than the panes' paces ask for
        wall[0] += 0.2
        window.tick()
    fast, slow = turns["positionsDock"], turns["stressTableDock"]  # 0.25 s and 1 s paces
    assert fast >= 2.5 * slow > 0
