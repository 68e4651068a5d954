"""Notifier backends: freedesktop notifications over D-Bus on Linux, the tray
elsewhere, an in-app banner, the alert log and a sound. Each takes app.services.alerts.Alert."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QSystemTrayIcon

from app.services.alerts import Alert
from app.services.desktop_notify import FreedesktopNotifier
from app.ui.panes.alert_log import AlertLogPane

log = logging.getLogger(__name__)


class InAppNotifier:
    """The banner across the window (for `shown_ms` of wall time) plus the alert log pane."""

    def __init__(self, banner: QLabel, alert_log: AlertLogPane, shown_ms: int = 20_000) -> None:
        self._banner = banner
        self._log = alert_log
        self._hide = QTimer(banner)
        self._hide.setSingleShot(True)
        self._hide.setInterval(shown_ms)
        self._hide.timeout.connect(banner.hide)

    def notify(self, alert: Alert) -> None:
        self._banner.setText(f"⚠ {alert.title} — {alert.body}")
        self._banner.show()
        self._hide.start()
        self._log.add_alert(alert)


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
