"""One Cascade per profile: an OS file lock held for the life of the process.

The lock dies with the process (flock / msvcrt), so a crash never leaves a stale lock behind; the pid
written into the file is only for the message a second instance shows.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO

from app.core.errors import KnownError

# The pid is written after this many bytes: Windows locks byte 0, and a locked byte cannot be read.
_PID_OFFSET = 1


class ProfileLocked(KnownError):
    """Another running Cascade holds this profile."""

    def __init__(self, path: Path, pid: int | None) -> None:
        who = f" (pid {pid})" if pid is not None else ""
        super().__init__(f"Cascade is already running with this profile{who}.")
        self.path = path
        self.pid = pid


class ProfileLock:
    """`ProfileLock(path).acquire()` or `with ProfileLock(path):`. Raises ProfileLocked if held elsewhere."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._handle: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> ProfileLock:
        if self._handle is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Open without truncating: the holder's pid must stay readable until we own the lock.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        handle = os.fdopen(fd, "r+b", buffering=0)
        try:
            if not _try_lock(handle):
                raise ProfileLocked(self.path, _read_pid(handle))
            handle.seek(_PID_OFFSET)
            handle.truncate()
            handle.write(f"{os.getpid()}\n".encode())
            os.fsync(handle.fileno())
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        return self

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        with contextlib.suppress(OSError):
            _unlock(handle)
        handle.close()

    def __enter__(self) -> ProfileLock:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()


def _read_pid(handle: IO[bytes]) -> int | None:
    try:
        handle.seek(_PID_OFFSET)
        text = handle.read(32).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


if sys.platform == "win32":  # pragma: no cover - not testable on the CI machines
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
