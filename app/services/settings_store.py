"""The one current copy of the user's settings: every change goes through `update`, which writes the
file off the event loop (coalesced: a burst of changes is one write of the latest state). The demo
passes no path and never writes."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import msgspec

from app.store.settings import Settings, save_settings

log = logging.getLogger(__name__)


class SettingsStore:
    def __init__(self, settings: Settings, path: Path | None) -> None:
        self.current = settings
        self._path = path
        self._task: asyncio.Task[None] | None = None
        self._dirty = False

    def update(self, **changes: Any) -> Settings:
        self.current = msgspec.structs.replace(self.current, **changes)
        if self._path is not None:
            self._dirty = True
            if self._task is None or self._task.done():
                self._task = asyncio.ensure_future(self._write())
        return self.current

    async def _write(self) -> None:
        assert self._path is not None
        while self._dirty:
            self._dirty = False
            try:
                await asyncio.to_thread(save_settings, self.current, self._path)
            except OSError as error:  # disk full, read-only home: the user is told via the log
                log.warning("settings not saved: %s", error)
                return
            except Exception:  # a bug must not cost the shutdown (and its summary): log it with its traceback
                log.exception("settings not saved")
                return

    async def flush(self) -> None:
        """Wait until the latest settings are on disk (shutdown)."""
        if self._task is not None:
            await self._task
