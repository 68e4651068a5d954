"""The workspace: themes, named layouts, the window restored as it was left, keyboard shortcuts from one
table, the settings dialog (validated field by field, saved, applied live), the tape's own actions."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from app.core.tape import Tape
from app.feeds.sink import FeedSink
from app.services.layouts import layout_name_problem, with_layout, without_layout
from app.services.settings_form import FieldError, number, parse_endpoints, parse_proxy, tenor_parser
from app.services.settings_store import SettingsStore
from app.store.settings import Settings, load_settings
from app.ui import shortcuts
from app.ui.theme import DARK, LIGHT, LONG_COLOR, apply_theme, palette
from app.ui.window import MainWindow
from tests.gui.test_window import NOW, StubSession, liq


@pytest.fixture(autouse=True)
def dark_again():  # type: ignore[no-untyped-def]
    yield
    if palette() is not DARK:
        apply_theme("dark")  # the theme is process-wide: the next test starts dark


def window_on(qtbot, store: SettingsStore) -> MainWindow:  # type: ignore[no-untyped-def]
    session = StubSession(FeedSink(), [NOW], {"binance": "sampled", "bybit": "all"})
    session.store = store
    session.settings = store.current
    apply_theme(store.current.theme)  # as main() does before the window
    window = MainWindow(session)
    qtbot.addWidget(window)
    return window


def test_theme_switch_restyles_widgets_plots_and_colours_and_is_saved(qtbot) -> None:
    store = SettingsStore(Settings(), None)
    window = window_on(qtbot, store)
    plot = window.curve_view.curve_plot
    assert plot.backgroundBrush().color().name() == DARK.plot_background
    window.workspace.theme_action.trigger()  # View → Light theme
    assert palette() is LIGHT and store.current.theme == "light"
    assert LIGHT.window in QApplication.instance().styleSheet()  # type: ignore[union-attr]
    assert plot.backgroundBrush().color().name() == LIGHT.plot_background  # plots already drawn follow
    chart = window.panes["jgbLiquidationsDock"]
    assert chart.jgb_plot.backgroundBrush().color().name() == LIGHT.plot_background
    assert LONG_COLOR.name().lower() == LIGHT.long.lower()  # the tape's long colour, shared in place
    window.workspace.theme_action.trigger()
    assert palette() is DARK and store.current.theme == "dark"
    assert pg.getConfigOption("background") == DARK.plot_background


def test_closing_and_reopening_restores_layout_and_theme(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    store = SettingsStore(Settings(), None)
    first = window_on(qtbot, store)
    first.show()
    first.workspace.set_theme("light")
    first.docks["noticesDock"].hide()
    first.docks["curveDock"].raise_()
    geometry, state = first.layout_state()  # what shutdown saves (session.save_layout)
    store.update(window_geometry=geometry, window_state=state)
    first.close()
    from app.store.settings import save_settings

    save_settings(store.current, path)
    reopened = load_settings(path).settings
    assert reopened.theme == "light" and reopened.window_state == state
    apply_theme("dark")
    second = window_on(qtbot, SettingsStore(reopened, None))
    assert palette() is LIGHT and second.workspace.theme_action.isChecked()
    assert second.restore_layout(reopened.window_geometry, reopened.window_state)
    second.show()
    assert second.docks["noticesDock"].isHidden()
    assert not second.docks["totalsDock"].isHidden()
    assert second.docks["positionsDock"].isVisible() and not second.docks["curveDock"].isFloating()


def test_named_layouts_save_load_delete(qtbot) -> None:
    store = SettingsStore(Settings(), None)
    window = window_on(qtbot, store)
    window.show()
    layouts = window.workspace.layouts
    window.docks["positionsDock"].hide()
    assert layouts.save("  Compact ")
    assert list(store.current.named_layouts) == ["Compact"]
    assert [a.text() for a in layouts.load_menu.actions()] == ["Compact"]
    window.docks["positionsDock"].show()
    assert layouts.load("Compact")
    assert window.docks["positionsDock"].isHidden()
    layouts.reset()  # Default layout: the docks as built
    assert not window.docks["positionsDock"].isHidden()
    assert not layouts.save("   ")  # refused, and said in the status bar
    layouts.delete("Compact")
    assert store.current.named_layouts == {}
    assert not layouts.load_menu.actions()[0].isEnabled()  # "(no saved layouts)"
    dialog = layouts.ask_name()  # non-blocking prompt; accepting it saves
    dialog.textValueSelected.emit("Wide")
    assert "Wide" in store.current.named_layouts


def test_layout_name_rules_and_steps() -> None:
    saved = with_layout({}, "b", "g", "s")
    saved = with_layout(saved, "A", "g2", "s2")
    assert list(saved) == ["A", "b"]
    assert layout_name_problem("", saved) == "A layout needs a name."
    assert layout_name_problem("x" * 61, saved) is not None
    assert layout_name_problem("bad\x07", saved) is not None
    assert layout_name_problem("b", saved) is None  # replacing is allowed
    assert list(without_layout(saved, "A")) == ["b"]


def test_every_shortcut_is_bound_and_listed_once(qtbot) -> None:
    window = window_on(qtbot, SettingsStore(Settings(), None))
    workspace = window.workspace
    assert workspace.missing == []
    keys = [shortcut.keys for shortcut in workspace.table]
    assert len(keys) == len(set(keys))  # no key does two things
    for shortcut in workspace.table:
        action = workspace.actions[shortcut.action]
        assert action.shortcut() == QKeySequence(shortcut.keys), shortcut
        assert action in window.actions()  # fires with its menu closed
    dialog = workspace.show_shortcuts()  # Help → Keyboard shortcuts, from the same table
    assert dialog.table.rowCount() == len(workspace.table)
    listed = {dialog.table.item(row, 0).text() for row in range(dialog.table.rowCount())}
    assert listed == {shortcuts.native_text(keys) for keys in keys}
    assert "pane.totalsDock" in {s.action for s in workspace.table}


def test_tape_pause_resume_and_clear(qtbot) -> None:
    sink = FeedSink()
    session = StubSession(sink, [NOW], {"binance": "sampled"})
    window = MainWindow(session)
    qtbot.addWidget(window)
    workspace = window.workspace
    sink.offer("binance", [liq("binance", NOW, 5_000)])
    window.tick()
    assert window.tape_pane.model.rowCount() == 1
    workspace.pause_action.trigger()
    sink.offer("binance", [liq("binance", NOW + 1, 6_000), liq("binance", NOW + 2, 7_000)])
    window.tick()
    assert window.tape_pane.model.rowCount() == 1 and window.tape_pane.new_badge.text() == "2 new"
    window.tape_pane._hover_ended()  # the pointer leaving does not resume a tape the user paused
    window.tick()
    assert window.tape_pane.model.rowCount() == 1
    workspace.pause_action.trigger()  # resume
    assert window.tape_pane.model.rowCount() == 3
    workspace.clear_action.trigger()
    assert window.tape_pane.model.rowCount() == 0 and session.tape.shown == 0
    sink.offer("binance", [liq("binance", NOW + 3, 8_000)])
    window.tick()
    assert window.tape_pane.model.rowCount() == 1  # new rows after a clear, no stale bookkeeping


def test_tape_clear_forgets_history_for_a_refilter() -> None:
    tape = Tape(max_rows=10)
    tape.push([liq("binance", NOW, 5_000)])
    tape.take_update()
    tape.clear()
    assert tape.refilter(tape.filter) == [] and tape.new_count == 0


# --- settings dialog ------------------------------------------------------------------------------------


def test_settings_dialog_shows_each_error_beside_its_field_and_saves_nothing(qtbot) -> None:
    store = SettingsStore(Settings(), None)
    window = window_on(qtbot, store)
    dialog = window.workspace.open_settings()
    dialog.inputs["repaint_hz"].setText("0")
    dialog.inputs["proxy_url"].setText("ftp://proxy:8080")
    dialog.inputs["endpoints"].setPlainText("bybit/linear = wss://127.0.0.1:9000/x\nokx/public = http://x")
    dialog.inputs["tape_max_rows"].setText("12.5")
    assert not dialog.save()
    assert dialog.isVisible() and store.current == Settings()
    assert dialog.errors["repaint_hz"].text() == "must be more than 0"
    assert not dialog.errors["repaint_hz"].isHidden()
    assert "socks5://" in dialog.errors["proxy_url"].text()
    assert dialog.errors["endpoints"].text().startswith("line 2 (okx/public): not a valid ws(s) URL")
    assert dialog.errors["tape_max_rows"].text() == "a whole number"
    assert dialog.errors["theme"].isHidden()


def test_settings_dialog_saves_through_the_store_and_applies_live(qtbot) -> None:
    store = SettingsStore(Settings(), None)
    window = window_on(qtbot, store)
    from app.core.macro.calendar import load_calendar
    from app.core.macro.jgb import parse_mof_csv
    from app.services.macro import MacroService
    from tests.gui.test_window import ICS, MOF

    window.attach_macro(MacroService(parse_mof_csv(MOF), load_calendar(ICS)), alert_minutes=30)
    dialog = window.workspace.open_settings()
    dialog.inputs["repaint_hz"].setText("4")
    dialog.inputs["tape_min_usd"].setText("25,000")
    dialog.inputs["tape_highlight_usd"].setText("50000")
    dialog.inputs["macro_tenors"].setText("30y, 10Y")
    dialog.inputs["proxy_url"].setText("socks5h://127.0.0.1:1080")
    dialog.inputs["history_retention_days"].setText("30")
    dialog.inputs["theme"].setCurrentIndex(dialog.inputs["theme"].findData("light"))
    dialog.inputs["time_zone"].setCurrentIndex(dialog.inputs["time_zone"].findData("local"))
    assert dialog.save()
    current = store.current
    assert (current.repaint_hz, current.tape_min_usd, current.tape_highlight_usd) == (4.0, 25_000.0, 50_000.0)
    assert current.macro_tenors == ["10Y", "30Y"] and current.proxy_url == "socks5h://127.0.0.1:1080"
    assert (current.history_retention_days, current.theme, current.time_zone) == (30, "light", "local")
    # live: the repaint timer, the tape's filter (listed as its own choice), highlight, strip, theme, time
    assert window.timer.interval() == 250
    assert window.tape_pane.tape.filter.min_usd == 25_000.0
    assert window.tape_pane.min_size.currentData() == 25_000.0
    assert window.tape_pane.model.highlight_usd == 50_000.0
    assert list(window.macro_strip.tiles) == ["10Y", "30Y"]
    assert palette() is LIGHT and window.local_time_action.isChecked()


def test_settings_dialog_writes_the_file_through_the_store(qtbot, tmp_path: Path) -> None:
    from app.ui.settings_dialog import SettingsDialog

    path = tmp_path / "settings.json"

    async def edit() -> None:  # the store writes off the loop thread: it needs a running loop
        store = SettingsStore(Settings(), path)
        dialog = SettingsDialog(store)
        qtbot.addWidget(dialog)
        dialog.inputs["history_retention_days"].setText("45")
        dialog.inputs["endpoints"].setPlainText("bybit/linear = ws://127.0.0.1:9000/v5/public/linear")
        assert dialog.save()
        await store.flush()

    asyncio.run(edit())
    saved = load_settings(path)
    assert saved.warnings == []
    assert saved.settings.history_retention_days == 45
    assert saved.settings.endpoints == {"bybit/linear": "ws://127.0.0.1:9000/v5/public/linear"}
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # atomic: no temp file left


def test_settings_dialog_unknown_tenor_is_refused(qtbot) -> None:
    store = SettingsStore(Settings(), None)
    window = window_on(qtbot, store)
    from app.core.macro.calendar import load_calendar
    from app.core.macro.jgb import parse_mof_csv
    from app.services.macro import MacroService
    from tests.gui.test_window import ICS, MOF

    window.attach_macro(MacroService(parse_mof_csv(MOF), load_calendar(ICS)), alert_minutes=30)
    dialog = window.workspace.open_settings()
    dialog.inputs["macro_tenors"].setText("10Y, 7Y")
    assert not dialog.save()
    assert dialog.errors["macro_tenors"].text() == "no 7Y series; have 1Y, 10Y, 30Y, 40Y"


@pytest.mark.parametrize(("text", "error"), [
    ("", "required"), ("abc", "a number"), ("-1", "at least 0"), ("nan", "a finite number"),
    ("inf", "a finite number"),
])
def test_number_parser_errors(text: str, error: str) -> None:
    with pytest.raises(FieldError, match=error):
        number(low=0)(text)


def test_field_parsers() -> None:
    assert number(1, 10, integer=True)(" 1_0 ") == 10
    assert number(low=0)("12,500.5") == 12_500.5
    assert parse_proxy("") is None
    assert parse_proxy(" http://user:pw@proxy.lan:3128 ") == "http://user:pw@proxy.lan:3128"
    for bad, why in (("proxy.lan:3128", "scheme"), ("http://", "no host"), ("http://h:99999", "not a URL"),
                     ("http://h:1/path", "no path"), ("socks5://a b", "no spaces")):
        with pytest.raises(FieldError, match=why):
            parse_proxy(bad)
    assert parse_endpoints("# test\n\nbybit/rest = https://127.0.0.1:8/\n") == {"bybit/rest": "https://127.0.0.1:8/"}
    with pytest.raises(FieldError, match="line 1: write it as"):
        parse_endpoints("wss://x")
    with pytest.raises(FieldError, match="line 2: bybit/rest is given twice"):
        parse_endpoints("bybit/rest = https://a\nbybit/rest = https://b")
    assert tenor_parser(None)("40y;10Y, 10Y") == ["10Y", "40Y"]
    with pytest.raises(FieldError, match="at least one tenor"):
        tenor_parser(None)(" , ")
    with pytest.raises(FieldError, match="not a tenor"):
        tenor_parser(None)("ten years")


# --- the JGB chart and the right column ------------------------------------------------------------------


def test_jgb_chart_sets_each_utc_days_liquidations_beside_that_days_move(qtbot) -> None:
    from datetime import date

    from app.core.macro.calendar import load_calendar
    from app.core.macro.jgb import parse_mof_csv
    from app.services.macro import MacroService
    from app.store.db import HistoryDb
    from app.ui.panes.jgb_chart import JgbChartPane
    from tests.gui.test_window import ICS, MOF

    class Session:
        macro = MacroService(parse_mof_csv(MOF), load_calendar(ICS), hide_after=date(2026, 1, 20))
        history = HistoryDb.open(":memory:")

        def now_ms(self) -> int:
            return NOW

    session = Session()
    try:
        session.history.write_liquidations([liq("binance", NOW, 4_000), liq("bybit", NOW - 5, 2_000, "short")])
        session.history.flush(5)
        pane = JgbChartPane(session)
        qtbot.addWidget(pane)
        pane.reload(NOW)  # no running loop: read here
        view = pane.view
        assert view is not None and len(view.days) == 30 and view.days[-1].day == date(2026, 1, 20)
        today = view.days[-1]
        assert today.change_bp == pytest.approx(20.3)  # 3.562 -> 3.765, the close dated that UTC day
        assert (today.liquidations.long_usd, today.liquidations.short_usd) == (4_000, 2_000)
        assert "1 days with liquidations stored ($6.00K)" in pane.summary.text()
        assert "needs 3+ days" in pane.summary.text()
        assert len(pane.jgb_plot.getPlotItem().items) >= 1 and len(pane.liq_plot.getPlotItem().items) == 2
        pane.view = None

        async def on_the_loop() -> None:  # with a running loop the store is read off the loop thread
            pane.reload(NOW)
            assert pane._reading is not None
            await pane._reading
            await asyncio.sleep(0)  # the done callback

        asyncio.run(on_the_loop())
        assert pane.view is not None and pane.view.days[-1].liquidations.count == 2
    finally:
        session.history.close()


@pytest.mark.parametrize(("size", "chart_in_column"), [((1600, 1000), True), ((1100, 700), False)])
def test_first_start_gives_the_totals_their_rows_and_the_chart_what_is_left(qtbot, size, chart_in_column) -> None:
    from PySide6.QtCore import Qt

    window = window_on(qtbot, SettingsStore(Settings(), None))
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    chart, positions = window.docks["jgbLiquidationsDock"], window.docks["positionsDock"]
    tabbed = chart in window.tabifiedDockWidgets(positions)
    assert tabbed is not chart_in_column
    if chart_in_column:
        assert window.dockWidgetArea(chart) == Qt.DockWidgetArea.RightDockWidgetArea
    totals = window.totals_pane
    assert totals.table.height() >= totals.table.maximumHeight() - 2  # every venue row and the total shown
    window.notices.add_line("19:00:00  Bybit  10001: Invalid symbol")  # the badge opens...
    window.alert_banner.setText("⚠ an alert")  # ...and an alert fills the line above the docks
    notices = window.docks["noticesDock"]
    qtbot.waitUntil(lambda: totals.table.height() >= totals.table.maximumHeight() - 2 and notices.height() > 60,
                    timeout=3000)
