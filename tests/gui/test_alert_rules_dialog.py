"""Alerts → Rules…: the dialog lists, adds, edits and deletes rules, shows each field's error beside
it and never saves an invalid rule; the alert log's Test alert goes through every backend; tier sounds
are told apart; stored alerts fill the log on a live start."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit

from app.core.liquidation_alerts import RateSpikeRule, SingleRule, Tier, WindowTotalRule, default_rules
from app.feeds.sink import FeedSink
from app.services.alerts import Alert, RecordingNotifier
from app.services.liquidation_alerts import LiquidationAlertService
from app.store.db import AlertRecord
from app.ui.alert_rules_dialog import AlertRulesDialog
from app.ui.notifier import SoundNotifier
from app.ui.panes.alert_log import AlertLogPane
from app.ui.window import MainWindow
from tests.gui.test_window import NOW, StubSession


def edit(dialog: AlertRulesDialog, field: str, text: str) -> None:
    widget = dialog.inputs[field]
    if isinstance(widget, QComboBox):
        widget.setCurrentIndex(widget.findData(text))
    else:
        assert isinstance(widget, QLineEdit)
        widget.setText(text)


def test_invalid_fields_show_their_error_beside_them_and_are_never_saved(qtbot) -> None:
    dialog = AlertRulesDialog(default_rules())
    qtbot.addWidget(dialog)
    saved: list[list] = []  # type: ignore[type-arg]
    dialog.rules_saved.connect(saved.append)
    assert dialog.list.count() == 4 and dialog.list.currentRow() == 0
    assert not dialog.inputs["tiers"].isHidden() and dialog.inputs["threshold_usd"].isHidden()
    edit(dialog, "tiers", "1M, 100k")
    edit(dialog, "cooldown_s", "0")
    edit(dialog, "name", "")
    dialog.save()
    assert saved == [] and dialog.result() == 0
    assert "ascending" in dialog.errors["tiers"].text()
    assert "at least 1" in dialog.errors["cooldown_s"].text()
    assert "required" in dialog.errors["name"].text()
    assert dialog.errors["coin"].text() == ""
    dialog.list.setCurrentRow(1)  # cannot leave a rule with errors
    assert dialog.list.currentRow() == 0
    edit(dialog, "tiers", "250k, 2.5M, 25M")
    edit(dialog, "cooldown_s", "1")
    edit(dialog, "name", "Big ones")
    dialog.save()
    (rules,) = saved
    assert rules[0] == SingleRule("single", "Big ones", cooldown_s=1.0, tiers=(
        Tier(250e3, "info", "chime"), Tier(2.5e6, "warning", "alarm"), Tier(25e6, "critical", "siren")))
    assert rules[1:] == default_rules()[1:]


def test_add_edit_delete_and_test_a_rule(qtbot) -> None:
    dialog = AlertRulesDialog([SingleRule("s", "Large")])
    qtbot.addWidget(dialog)
    tested: list[object] = []
    dialog.test_requested.connect(tested.append)
    dialog.add_rule("window_total")
    assert dialog.list.currentRow() == 1
    assert dialog.inputs["tiers"].isHidden() and not dialog.inputs["threshold_usd"].isHidden()
    edit(dialog, "threshold_usd", "-3")
    dialog.test()
    assert tested == [] and "positive" in dialog.errors["threshold_usd"].text()
    edit(dialog, "threshold_usd", "50M")
    edit(dialog, "window", "4h")
    edit(dialog, "coin", "eth")
    dialog.test()
    (rule,) = tested
    assert isinstance(rule, WindowTotalRule) and (rule.window, rule.threshold_usd, rule.coin) == ("4h", 50e6, "ETH")
    assert "4h ETH total ≥ $50M" in dialog.list.item(1).text()
    dialog.add_rule("rate_spike")
    edit(dialog, "factor", "1")
    assert not dialog.apply() and "above 1" in dialog.errors["factor"].text()
    edit(dialog, "factor", "4")
    assert dialog.apply() and isinstance(dialog.rules[2], RateSpikeRule) and dialog.rules[2].factor == 4
    dialog.list.setCurrentRow(0)
    dialog.delete_rule()
    assert [type(r).__name__ for r in dialog.rules] == ["WindowTotalRule", "RateSpikeRule"]
    assert dialog.list.count() == 2 and dialog.list.currentRow() == 0


class RulesSession(StubSession):
    def __init__(self, sink: FeedSink, now: list[int]) -> None:
        super().__init__(sink, now, {"bitget": "sampled"})
        self.liquidation_alerts = LiquidationAlertService(lambda: now[0])
        self.restored_alerts = [AlertRecord(NOW - 3_600_000, "liq-rule:single:2", "critical",
                                            "$13.52M long liquidated: BTCUSDT", "bitget BTCUSDT long $13.52M")]

    def alert_rules(self) -> list:  # type: ignore[type-arg]
        return self.liquidation_alerts.rules

    def set_alert_rules(self, rules: list) -> None:  # type: ignore[type-arg]
        self.liquidation_alerts.set_rules(rules)

    def test_alert(self, rule: object = None) -> Alert:
        return self.liquidation_alerts.test_alert(rule)  # type: ignore[arg-type]


def test_the_menu_opens_the_dialog_and_saved_rules_reach_the_session(qtbot) -> None:
    session = RulesSession(FeedSink(), [NOW])
    window = MainWindow(session)
    qtbot.addWidget(window)
    # The alert log is a tab of the right column's group (stress table, JGB chart, notices, alert log).
    assert window.docks["alertLogDock"] in window.tabifiedDockWidgets(window.docks["noticesDock"])
    assert window.docks["alertLogDock"] in window.tabifiedDockWidgets(window.docks["stressTableDock"])
    (stored,) = window.alert_log.rows()
    assert stored[2] == "$13.52M long liquidated: BTCUSDT" and "2026-01-20" in stored[0]
    assert "1 stored from before" in window.alert_log.count_label.text()
    window.rules_action.trigger()
    (dialog,) = window.dialogs
    assert isinstance(dialog, AlertRulesDialog) and dialog.isVisible()
    dialog.list.setCurrentRow(3)
    dialog.delete_rule()
    dialog.save()
    assert [rule.id for rule in session.alert_rules()] == ["single", "window-1h", "liq-oi-24h"]
    assert window.dialogs == []


def test_test_alert_goes_through_every_backend_and_tiers_sound_apart(qtbot) -> None:
    session = RulesSession(FeedSink(), [NOW])
    window = MainWindow(session)
    qtbot.addWidget(window)
    recorder = RecordingNotifier()
    beeps: list[int] = []
    sound = SoundNotifier(beep=lambda: beeps.append(1))
    window.alerts.add(recorder)
    window.alerts.add(sound)
    window.alert_log.test_button.click()
    window.alert_log.test_button.click()  # a test is never swallowed by a cooldown
    assert [a.title for a in recorder.alerts] == ["Test alert: Large liquidation"] * 2
    assert window.alert_log.rows()[0][2] == "Test alert: Large liquidation"
    assert not window.alert_banner.isHidden() and "Test alert" in window.alert_banner.text()
    assert sound.played == ["siren", "siren"]
    qtbot.waitUntil(lambda: len(beeps) == 6, timeout=3000)  # siren: three beeps each
    for name, count in (("chime", 1), ("alarm", 2), ("none", 0)):
        beeps.clear()
        sound.notify(Alert("k", "t", "b", "warning", NOW, sound=name))
        qtbot.waitUntil(lambda count=count: len(beeps) == count, timeout=3000)
        qtbot.wait(BEEP_SETTLE_MS)
        assert len(beeps) == count, name


BEEP_SETTLE_MS = 600


def test_the_alert_log_keeps_the_newest_first_and_is_bounded(qtbot) -> None:
    from app.ui.panes import alert_log

    pane = AlertLogPane()
    qtbot.addWidget(pane)
    for i in range(alert_log.MAX_ALERTS + 5):
        pane.add_alert(Alert(f"k{i}", f"alert {i}", "b", "info", NOW + i))
    assert pane.table.rowCount() == alert_log.MAX_ALERTS
    assert pane.rows()[0][2] == f"alert {alert_log.MAX_ALERTS + 4}"
