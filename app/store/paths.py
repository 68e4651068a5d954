"""Platform directories for one Cascade profile (config, data, cache, log).

Nothing is created at import time: callers ask for a directory and `ensure()` it when they write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "Cascade"
DEFAULT_PROFILE = "default"
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_profile_name(profile: str) -> str:
    """A profile name becomes a directory name: keep it to a safe, portable alphabet."""
    if not _PROFILE_NAME.match(profile) or profile in (".", ".."):
        raise ValueError(f"invalid profile name {profile!r}: use letters, digits, '.', '_' or '-'")
    return profile


@dataclass(frozen=True, slots=True)
class ProfilePaths:
    """Where one profile keeps its files. Pure path arithmetic; `ensure()` creates directories."""

    profile: str
    config_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def history_db(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "profile.lock"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "cascade.log"

    def ensure(self) -> ProfilePaths:
        for directory in (self.config_dir, self.data_dir, self.cache_dir, self.log_dir):
            directory.mkdir(parents=True, exist_ok=True)
        return self


def profile_paths(profile: str = DEFAULT_PROFILE) -> ProfilePaths:
    """The platform's directories for `profile` (read from the environment on every call)."""
    check_profile_name(profile)
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return ProfilePaths(
        profile=profile,
        config_dir=Path(dirs.user_config_dir) / profile,
        data_dir=Path(dirs.user_data_dir) / profile,
        cache_dir=Path(dirs.user_cache_dir) / profile,
        log_dir=Path(dirs.user_log_dir) / profile,
    )
