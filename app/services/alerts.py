"""The alert path: one dispatcher fanning alerts out to Notifier backends.

Backends (D-Bus notification, tray message, in-app banner, sound) live in app/ui and implement
`Notifier`; tests use `RecordingNotifier`. Times are MarketClock epoch ms carried on each alert, so
cooldowns and "N minutes before" follow scenario time in the demo. No Qt here.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from app.core.macro.calendar import MacroEvent, countdown_text

log = logging.getLogger(__name__)

Level = Literal["info", "warning", "critical"]


@dataclass(frozen=True, slots=True)
class Alert:
    key: str  # dedupe identity, e.g. "macro-event:fomc-2026-01-28@cascade-macro"
    title: str
    body: str
    level: Level
    market_ms: int  # MarketClock time the alert was raised
    cooldown_ms: int | None = None  # the raising rule's own cooldown for this key (None: the dispatcher's)
    sound: str | None = None  # a named sound (liquidation alert tiers); None: the level's default


class Notifier(Protocol):
    def notify(self, alert: Alert) -> None: ...


class RecordingNotifier:
    """Keeps every alert it is given (tests assert on `alerts`)."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def notify(self, alert: Alert) -> None:
        self.alerts.append(alert)


class AlertHistoryNotifier:
    """Hands each delivered alert to a store (the session's history); a failure is logged, not raised."""

    def __init__(self, store: Callable[[Alert], None]) -> None:
        self._store = store

    def notify(self, alert: Alert) -> None:
        try:
            self._store(alert)
        except Exception:
            log.exception("could not store alert %s", alert.key)


class AlertDispatcher:
    """Fans alerts out to every notifier; the same key is suppressed within `cooldown_ms` of market
    time (or the alert's own `cooldown_ms`, set by a rule that keeps its own); every alert delivered is
    kept in a bounded log (newest last). A failing backend is logged and never stops the others."""

    def __init__(self, notifiers: Iterable[Notifier] = (), cooldown_ms: int = 15 * 60_000, log_size: int = 500):
        self.notifiers: list[Notifier] = list(notifiers)
        self.cooldown_ms = cooldown_ms
        self.log: deque[Alert] = deque(maxlen=log_size)
        self.suppressed = 0
        self._last_sent: dict[str, int] = {}

    def add(self, notifier: Notifier) -> None:
        self.notifiers.append(notifier)

    def dispatch(self, alert: Alert) -> bool:
        """Deliver `alert` unless its key fired less than the cooldown ago; True if delivered."""
        last = self._last_sent.get(alert.key)
        cooldown_ms = self.cooldown_ms if alert.cooldown_ms is None else alert.cooldown_ms
        if last is not None and 0 <= alert.market_ms - last < cooldown_ms:
            self.suppressed += 1
            return False
        self._last_sent[alert.key] = alert.market_ms
        self.log.append(alert)
        for notifier in self.notifiers:
            try:
                notifier.notify(alert)
            except Exception:  # a broken backend (no D-Bus, no tray) must not silence the others
                log.exception("notifier %r failed", notifier)
        return True


class EventAlertScheduler:
    """On each tick, alerts `lead_minutes` before each high-impact event starts, once per event.

    An event whose alert moment passed while the app was not ticking (start-up, sleep) still alerts
    if it has not started yet; events already under way are not announced.
    """

    def __init__(
        self,
        dispatcher: AlertDispatcher,
        events: Sequence[MacroEvent] = (),
        lead_minutes: float = 15.0,
        impacts: Iterable[str] = ("high",),
    ) -> None:
        self.dispatcher = dispatcher
        self.lead_ms = int(lead_minutes * 60_000)
        self.impacts = frozenset(impacts)
        self.events: tuple[MacroEvent, ...] = ()
        self._announced: set[str] = set()
        self.set_events(events)

    def set_events(self, events: Sequence[MacroEvent]) -> None:
        """Replace the calendar (e.g. after a user import); announced UIDs stay announced."""
        self.events = tuple(e for e in events if e.impact in self.impacts)

    def tick(self, now_ms: int) -> list[Alert]:
        raised: list[Alert] = []
        for event in self.events:
            if event.uid in self._announced:
                continue
            until = event.start_ms - now_ms
            if 0 < until <= self.lead_ms:
                self._announced.add(event.uid)
                alert = Alert(
                    key=f"macro-event:{event.uid}",
                    title=event.title,
                    body=f"starts in {countdown_text(until)}",
                    level="warning",
                    market_ms=now_ms,
                )
                if self.dispatcher.dispatch(alert):
                    raised.append(alert)
        return raised
