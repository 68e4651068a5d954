"""Profile lock: one holder at a time, across processes; a dead holder leaves no stale lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.store.lock import ProfileLock, ProfileLocked
from app.store.paths import profile_paths

ROOT = Path(__file__).resolve().parents[2]

_TRY_LOCK = r"""
import sys
from app.store.lock import ProfileLock, ProfileLocked
try:
    ProfileLock(sys.argv[1]).acquire()
except ProfileLocked as exc:
    print("LOCKED", exc.pid, exc)
    sys.exit(3)
print("ACQUIRED")
"""

_HOLD_LOCK = r"""
import sys, time
from app.store.lock import ProfileLock
lock = ProfileLock(sys.argv[1]).acquire()
print("HOLDING", flush=True)
time.sleep(60)
"""


def _try_in_child(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _TRY_LOCK, str(path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=30)


def test_a_second_process_sees_profile_locked_with_our_pid(tmp_path: Path) -> None:
    path = tmp_path / "profile.lock"
    with ProfileLock(path):
        out = _try_in_child(path)
        assert out.returncode == 3, out.stderr
        assert out.stdout.split()[:2] == ["LOCKED", str(os.getpid())]
        assert f"Cascade is already running with this profile (pid {os.getpid()})." in out.stdout
    out = _try_in_child(path)
    assert out.returncode == 0 and out.stdout.strip() == "ACQUIRED"


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    path = tmp_path / "profile.lock"
    with subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                          text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "HOLDING"
            with pytest.raises(ProfileLocked) as info:
                ProfileLock(path).acquire()
            assert info.value.pid == holder.pid
            os.kill(holder.pid, signal.SIGKILL)
        finally:
            holder.kill()
            holder.wait()
    with ProfileLock(path) as lock:
        assert lock.held
        assert path.read_bytes()[1:].decode().strip() == str(os.getpid())


def test_second_lock_in_the_same_process_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "profile.lock"
    first = ProfileLock(path).acquire()
    try:
        assert first.acquire() is first  # re-acquiring the same object is a no-op
        with pytest.raises(ProfileLocked):
            ProfileLock(path).acquire()
    finally:
        first.release()
    first.release()
    assert not first.held


def test_profile_paths_give_a_lock_in_the_data_dir(isolated_home: Path) -> None:
    paths = profile_paths("work")
    assert not paths.data_dir.exists()
    with ProfileLock(paths.lock_file):
        assert paths.lock_file.exists()
    assert profile_paths("other").lock_file != paths.lock_file


@pytest.mark.parametrize("name", ["", "..", "a/b", "x" * 80, "-x"])
def test_bad_profile_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        profile_paths(name)
