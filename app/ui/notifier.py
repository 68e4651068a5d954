"""Notifier backends: freedesktop notifications over D-Bus on Linux, the tray
elsewhere, an in-app banner, the alert log and a sound. Each takes app.services.alerts.Alert."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QSystemTrayIcon

from app.core.formatting import format_clock
from app.services.alerts import Alert
from app.services.desktop_notify import FreedesktopNotifier
from app.ui.panes.alert_log import AlertLogPane

log = logging.getLogger(__name__)


ALERT_STYLE = "background: #5a1e02; color: #ffdfb6; font-weight: bold; padding: 4px 10px;"
"""The banner while an alert is fresh."""
QUIET_STYLE = "color: #7d8590; font-weight: bold; padding: 4px 10px;"
"""The banner at rest: the same height (padding and weight), muted."""
NO_ALERT_TEXT = "No alert this session"


class InAppNotifier:
    """The alert line across the window plus the alert log pane. The line is always there: an alert shows
    in full colour for `shown_ms` of wall time, then stays muted with the time it was raised. Showing and
    hiding it moved every dock below it: a whole-window relayout and repaint (20-35 ms, issue 14) at the
    moment a cascade starts, and the window jumping under the trader's eyes."""

    def __init__(self, banner: QLabel, alert_log: AlertLogPane, shown_ms: int = 20_000) -> None:
        self._banner = banner
        self._log = alert_log
        self._last: Alert | None = None
        self._hide = QTimer(banner)
        self._hide.setSingleShot(True)
        self._hide.setInterval(shown_ms)
        self._hide.timeout.connect(self._quiet)
        banner.setStyleSheet(QUIET_STYLE)
        banner.setText(banner.tr(NO_ALERT_TEXT))

    @property
    def fresh(self) -> bool:
        """An alert is showing in full colour."""
        return self._hide.isActive()

    def notify(self, alert: Alert) -> None:
        self._last = alert
        self._banner.setStyleSheet(ALERT_STYLE)
        self._show(f"⚠ {alert.title} — {alert.body}")
        self._hide.start()
        self._log.add_alert(alert)

    def _quiet(self) -> None:
        self._banner.setStyleSheet(QUIET_STYLE)
        alert = self._last
        if alert is not None:
            self._show(f"Last alert {format_clock(alert.market_ms)}: {alert.title} — {alert.body}")

    def _show(self, text: str) -> None:
        """Elided to the line's width (the whole text in the tooltip): nothing cut mid-letter."""
        banner = self._banner
        banner.setToolTip(text)
        banner.ensurePolished()
        room = banner.contentsRect().width() - 24  # the style's horizontal padding and a margin
        if room > 80:
            text = banner.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room)
        banner.setText(text)


class DesktopNotifier:
    """A system notification: freedesktop over D-Bus on Linux, the tray icon's message elsewhere."""

    def __init__(self, tray: QSystemTrayIcon | None = None) -> None:
        self._tray = tray
        self._freedesktop = FreedesktopNotifier() if sys.platform.startswith("linux") else None

    async def close(self) -> None:
        if self._freedesktop is not None:
            await self._freedesktop.close()

    def notify(self, alert: Alert) -> None:
        if self._freedesktop is not None:
            self._freedesktop.notify(alert)
        elif self._tray is not None and QSystemTrayIcon.isSystemTrayAvailable():
            self._tray.showMessage(alert.title, alert.body, QSystemTrayIcon.MessageIcon.Warning, 15_000)


# Each named sound (a liquidation rule tier's) is its own pattern of system beeps: chime 1, alarm 2,
# siren 3, BEEP_GAP_MS apart. Without a sound name, a warning or critical alert beeps once.
SOUND_BEEPS = {"chime": 1, "alarm": 2, "siren": 3, "none": 0}
BEEP_GAP_MS = 220


def beeps_for(alert: Alert) -> int:
    if alert.sound is None:
        return 0 if alert.level == "info" else 1
    return SOUND_BEEPS.get(alert.sound, 1)


class SoundNotifier:
    def __init__(self, beep: Callable[[], None] = QApplication.beep) -> None:
        self._beep = beep
        self.played: list[str] = []  # the sounds played (tests, diagnostics)

    def notify(self, alert: Alert) -> None:
        beeps = beeps_for(alert)
        if not beeps:
            return
        self.played.append(alert.sound or alert.level)
        self._beep()
        for n in range(1, beeps):
            QTimer.singleShot(n * BEEP_GAP_MS, self._beep)
