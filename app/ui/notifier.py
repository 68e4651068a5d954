"""Notifier backends: freedesktop notifications over D-Bus on Linux, the tray
elsewhere, an in-app banner, the alert log and a sound. Each takes app.services.alerts.Alert."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QSystemTrayIcon

from app.core.formatting import format_clock
from app.services.alerts import Alert
from app.services.desktop_notify import FreedesktopNotifier
from app.ui.panes.notices import NoticesPane

log = logging.getLogger(__name__)


class InAppNotifier:
    """The banner across the window (for `shown_ms` of wall time) plus the alert log list."""

    def __init__(self, banner: QLabel, alert_log: NoticesPane, shown_ms: int = 20_000) -> None:
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
        self._log.add_line(f"{format_clock(alert.market_ms)}  ALERT  {alert.title}: {alert.body}")


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


class SoundNotifier:
    def notify(self, alert: Alert) -> None:
        if alert.level != "info":
            QApplication.beep()
