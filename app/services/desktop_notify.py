"""Freedesktop notifications (org.freedesktop.Notifications) over the session bus with jeepney, sent
asynchronously on the running loop: a hung notification daemon can never stall the feeds. jeepney is
pure Python and typed by explicit D-Bus signatures, which PySide6's QtDBus makes awkward for `Notify`
(it needs a uint32 and an a{sv})."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from app.services.alerts import Alert

log = logging.getLogger(__name__)

NOTIFY_SIGNATURE = "susssasa{sv}i"
_URGENCY = {"info": 0, "warning": 1, "critical": 2}


def notify_body(alert: Alert, app_name: str = "Cascade", timeout_ms: int = 15_000) -> tuple[Any, ...]:
    urgency = ("y", _URGENCY.get(alert.level, 1))
    return (app_name, 0, "dialog-warning", alert.title, alert.body, [], {"urgency": urgency}, timeout_ms)


class FreedesktopNotifier:
    def __init__(self) -> None:
        self._connection: Any = None
        self._connecting = asyncio.Lock()  # alerts raised together share one connection
        self._disabled = False
        self._tasks: set[asyncio.Task[None]] = set()

    def notify(self, alert: Alert) -> None:
        if self._disabled:
            return
        task = asyncio.ensure_future(self._send(alert))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect(self) -> Any:
        from jeepney.io.asyncio import open_dbus_connection

        async with self._connecting:
            if self._connection is None:
                self._connection = await asyncio.wait_for(open_dbus_connection(bus="SESSION"), 5)
            return self._connection

    async def _send(self, alert: Alert) -> None:
        try:
            from jeepney import DBusAddress, new_method_call

            connection = await self._connect()
        except (ImportError, OSError, KeyError, ValueError, TimeoutError) as error:
            # No session bus (headless, a container): the in-app banner and the alert log still show it.
            self._disabled = True
            log.info("desktop notifications unavailable: %s", error)
            return
        address = DBusAddress("/org/freedesktop/Notifications", bus_name="org.freedesktop.Notifications",
                              interface="org.freedesktop.Notifications")
        try:
            await connection.send(new_method_call(address, "Notify", NOTIFY_SIGNATURE, notify_body(alert)))
        except OSError as error:  # the bus went away: reconnect on the next alert
            log.info("desktop notification not sent: %s", error)
            self._connection = None

    async def close(self) -> None:
        """Cancel pending sends and wait for them to finish: a cancelled task left to step later (from a
        processEvents inside the main task) would make qasync refuse to enter it and hang the exit."""
        pending = list(self._tasks)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
