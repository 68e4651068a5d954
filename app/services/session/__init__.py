"""Demo and live are two session classes, chosen once at start-up; the window sees only `SessionView`."""

from app.services.session.base import Session, SessionView
from app.services.session.demo import DemoSession
from app.services.session.live import LiveSession

__all__ = ["DemoSession", "LiveSession", "Session", "SessionView"]
