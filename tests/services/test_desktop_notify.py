from __future__ import annotations

import asyncio

from jeepney import DBusAddress, new_method_call

from app.services.alerts import Alert
from app.services.desktop_notify import NOTIFY_SIGNATURE, FreedesktopNotifier, notify_body

ALERT = Alert("macro-event:boj", "BOJ meeting", "starts in 30m 00s", "warning", 0)


def test_notify_message_has_the_freedesktop_signature() -> None:
    address = DBusAddress("/org/freedesktop/Notifications", bus_name="org.freedesktop.Notifications",
                          interface="org.freedesktop.Notifications")
    message = new_method_call(address, "Notify", NOTIFY_SIGNATURE, notify_body(ALERT))
    assert NOTIFY_SIGNATURE == "susssasa{sv}i"
    assert message.serialise(serial=1)  # jeepney checks every argument against the signature
    assert notify_body(ALERT)[3:5] == ("BOJ meeting", "starts in 30m 00s")


async def test_without_a_session_bus_it_disables_itself_quietly(monkeypatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/cascade-test-bus")
    notifier = FreedesktopNotifier()
    notifier.notify(ALERT)
    await asyncio.sleep(0.2)
    assert notifier._disabled
    notifier.notify(ALERT)  # a no-op now, never an exception
    await notifier.close()


async def test_close_waits_for_cancelled_sends(monkeypatch) -> None:
    """A send still pending at shutdown is cancelled and finished inside close(), never left for a later
    processEvents to step (qasync then refuses to enter it and the exit hangs)."""
    notifier = FreedesktopNotifier()
    started = asyncio.Event()

    async def slow_send(alert: Alert) -> None:
        started.set()
        await asyncio.sleep(60)

    monkeypatch.setattr(notifier, "_send", slow_send)
    notifier.notify(ALERT)
    await started.wait()
    pending = list(notifier._tasks)
    await notifier.close()
    assert pending and all(task.done() for task in pending)
