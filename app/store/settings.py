"""The typed, versioned settings file (JSON) in the profile's config directory.

A missing file means defaults. A file we cannot read (bad JSON, wrong types, out-of-range values)
or one written by a newer Cascade is moved aside, never overwritten, and defaults are used with a
warning the UI shows. An older version is migrated step by step. Saving is atomic.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from app.core import safe_json
from app.core.proxy_url import proxy_problem
from app.store.endpoint_urls import checked_endpoints
from app.store.paths import profile_paths

SETTINGS_VERSION = 1

# MIGRATIONS[v] turns a raw version-v mapping into a version-(v + 1) mapping (without "version").
Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}

NonNegative = Annotated[float, msgspec.Meta(ge=0)]


class SavedLayout(msgspec.Struct, frozen=True):
    """A named window layout: base64 saveGeometry() and saveState()."""

    geometry: str
    state: str


class TapePaneSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """One tape pane's own filters: `name` is "tape" (the central tape, whose minimum size is
    `Settings.tape_min_usd`) or an extra tape dock's object name ("tapeDock2", …)."""

    name: str
    min_usd: NonNegative = 0.0
    venue: str | None = None  # None = every venue
    coin: str | None = None  # None = every coin


class Settings(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """User settings. Change one with `msgspec.structs.replace(settings, field=value)`."""

    endpoints: dict[str, str] = msgspec.field(default_factory=dict)  # stream -> URL; empty = real
    tape_min_usd: NonNegative = 0.0
    tape_highlight_usd: NonNegative = 10_000.0  # prints this large are bold and tinted (0: none)
    tape_max_rows: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 500
    repaint_hz: Annotated[float, msgspec.Meta(gt=0, le=240)] = 10.0
    time_zone: Literal["utc", "local"] = "utc"
    macro_tenors: list[str] = msgspec.field(default_factory=lambda: ["10Y", "20Y", "30Y", "40Y"])
    macro_move_threshold_bp: NonNegative = 10.0
    event_alert_minutes: Annotated[int, msgspec.Meta(ge=0, le=7 * 24 * 60)] = 30
    user_calendar_path: str | None = None
    window_geometry: str | None = None  # base64 QByteArray from saveGeometry()
    window_state: str | None = None  # base64 QByteArray from saveState()
    # History older than this is deleted when the app is idle (live profile only; 1 day .. 10 years).
    history_retention_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 90
    # Public accounts followed read-only per venue (a Hyperliquid address), canonical form.
    watched_accounts: dict[str, list[str]] = msgspec.field(default_factory=dict)
    # API keys imported read-only: (venue, label) only; the secrets stay in the keyring.
    imported_accounts: list[tuple[str, str]] = msgspec.field(default_factory=list)
    # One HTTP or SOCKS proxy for every connection (REST and websockets), e.g. "socks5h://127.0.0.1:1080"
    # or "http://user:pass@proxy:3128"; None: the environment's proxy variables, if any.
    proxy_url: str | None = None
    # The optional Hyperliquid liquidation source (off while None): a ws(s):// endpoint speaking a
    # `liquidationFills` subscription (a node-data service, or the user's own node). Its API key is only
    # in the OS keyring; `_key_mode` says how it is sent: `?<key_name>=key` (query), `Authorization:
    # Bearer key` (bearer), `<key_name>: key` (header) or not at all (none).
    hyperliquid_liquidations_url: str | None = None
    hyperliquid_liquidations_key_mode: Literal["query", "bearer", "header", "none"] = "query"
    hyperliquid_liquidations_key_name: Annotated[str, msgspec.Meta(min_length=1, max_length=64,
                                                                   pattern=r"^[A-Za-z0-9_.-]+$")] = "key"
    theme: Literal["dark", "light"] = "dark"
    # Layouts the user saved by name (View → Layouts), restored on request.
    named_layouts: dict[str, SavedLayout] = msgspec.field(default_factory=dict)
    # Per pane (its dock's object name, "tape" for the central tape): the watchlist id it is scoped to.
    pane_scopes: dict[str, int] = msgspec.field(default_factory=dict)
    # The central tape's venue/coin filter and every extra tape pane, in the order they were made.
    tape_panes: list[TapePaneSettings] = msgspec.field(default_factory=list)


class LoadedSettings(msgspec.Struct, frozen=True):
    settings: Settings
    warnings: list[str]
    path: Path


def default_settings_path() -> Path:
    return profile_paths().settings_file


def load_settings(path: Path | str | None = None) -> LoadedSettings:
    """Read settings; never raises for bad content (the file is moved aside instead)."""
    target = Path(path) if path is not None else default_settings_path()
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return LoadedSettings(Settings(), [], target)
    except OSError as exc:
        # Unreadable (permissions, a directory): leave it where it is, run on defaults.
        return LoadedSettings(Settings(), [f"Settings file {target} could not be read ({exc.strerror}); "
                                           "using defaults."], target)
    try:
        settings = _decode(raw)
    except _FutureVersion as future:
        moved = _move_aside(target, f"future-v{future.version}")
        return LoadedSettings(Settings(), [
            f"Settings file was written by a newer Cascade (settings version {future.version}, this one "
            f"reads up to {SETTINGS_VERSION}). {_moved_text(target, moved)} Using defaults."], target)
    except _Unreadable as bad:
        moved = _move_aside(target, "corrupt")
        return LoadedSettings(Settings(), [
            f"Settings file could not be read ({bad.reason}). {_moved_text(target, moved)} Using defaults."],
            target)
    # A bad endpoint URL drops that key only (default used), not the whole file.
    endpoints, warnings = checked_endpoints(settings.endpoints)
    if warnings:
        settings = msgspec.structs.replace(settings, endpoints=endpoints)
    # A bad optional liquidation-source URL turns that source off (named in the warning), nothing else.
    settings, source_warnings = checked_liquidation_sources(settings)
    warnings = [*warnings, *source_warnings]
    # A watched address a venue does not accept drops that entry only, named in the warning.
    watched, watch_warnings = checked_watched(settings.watched_accounts)
    if watch_warnings:
        settings = msgspec.structs.replace(settings, watched_accounts=watched)
        warnings = [*warnings, *watch_warnings]
    proxy_text = proxy_problem(settings.proxy_url)
    if proxy_text is not None:
        settings = msgspec.structs.replace(settings, proxy_url=None)
        warnings = [*warnings, f"{proxy_text}; no proxy is used."]
    return LoadedSettings(settings, warnings, target)


def checked_liquidation_sources(settings: Settings) -> tuple[Settings, list[str]]:
    """Each optional liquidation source's URL (`<prefix>_url`) must be a ws(s):// URL with a host;
    one that is not is dropped (the source stays off) with a warning naming it."""
    from app.core.venues import registry
    from app.store.endpoint_urls import endpoint_problem

    warnings: list[str] = []
    for venue in registry.VENUES:
        optional = venue.optional_liquidations
        if optional is None:
            continue
        field = f"{optional.settings_prefix}_url"
        url = getattr(settings, field, None)
        if url is None:
            continue
        problem = endpoint_problem(optional.stream, url)
        if problem is not None:
            warnings.append(f"{field}: {problem}; the {venue.display_name} liquidation source stays off.")
            settings = msgspec.structs.replace(settings, **{field: None})
    return settings, warnings


def checked_watched(watched: dict[str, list[str]]) -> tuple[dict[str, list[str]], list[str]]:
    """Watched accounts in the venues' canonical form, distinct; an unknown venue, a venue that cannot
    watch accounts, or an address the venue's check refuses is dropped with a warning naming it."""
    from app.core.venues import registry

    clean: dict[str, list[str]] = {}
    warnings: list[str] = []
    for venue, addresses in watched.items():
        descriptor = registry.find(venue)
        accounts = descriptor.accounts if descriptor is not None else None
        if accounts is None:
            warnings.append(f"Watched accounts for {venue!r} ignored: that venue cannot watch public accounts.")
            continue
        kept: list[str] = []
        for address in addresses:
            normal = accounts.normalize(address)
            if normal is None:
                warnings.append(f"Watched account {address!r} on {venue} ignored: not a valid address.")
            elif normal not in kept:
                kept.append(normal)
        if kept:
            clean[venue] = kept
    return clean, warnings


def read_settings(path: Path | str) -> Settings | None:
    """The settings as load_settings would give them, read-only: a missing, unreadable or unsupported
    file is None and is left where it is (for headless commands that must not touch the profile)."""
    try:
        return _decode(Path(path).read_bytes())
    except (OSError, _Unreadable, _FutureVersion):
        return None


def save_settings(settings: Settings, path: Path | str | None = None) -> Path:
    """Write atomically: a temp file in the same directory, fsync, then os.replace."""
    target = Path(path) if path is not None else default_settings_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {"version": SETTINGS_VERSION, **msgspec.to_builtins(settings)}
    data = msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"
    fd, temp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)
    return target


class _Unreadable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _FutureVersion(Exception):
    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


def _decode(raw: bytes) -> Settings:
    try:  # bounded: a 200,000-deep file is refused here, not by a RecursionError
        document = safe_json.loads(raw)
    except safe_json.JsonInputError as exc:
        raise _Unreadable(str(exc)) from None
    if not isinstance(document, dict):
        raise _Unreadable("not a JSON object")
    version = document.pop("version", None)
    if type(version) is not int or version < 1:
        raise _Unreadable(f"missing or invalid version {version!r}")
    if version > SETTINGS_VERSION:
        raise _FutureVersion(version)
    for step in range(version, SETTINGS_VERSION):
        try:
            document = MIGRATIONS[step](document)
        except Exception as exc:  # a migration meeting data it cannot handle = an unreadable file
            raise _Unreadable(f"cannot migrate from version {step}: {exc!r}") from None
    try:
        return msgspec.convert(document, Settings)
    except msgspec.ValidationError as exc:
        raise _Unreadable(str(exc)) from None


def _move_aside(target: Path, label: str) -> Path | None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    base = target.with_name(f"{target.name}.{label}-{stamp}")
    candidate, n = base, 1
    while candidate.exists():
        candidate = base.with_name(f"{base.name}-{n}")
        n += 1
    try:
        os.replace(target, candidate)
    except OSError:
        return None
    return candidate


def _moved_text(target: Path, moved: Path | None) -> str:
    if moved is None:
        return f"It could not be moved aside and was left at {target}."
    return f"It was kept as {moved}."


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open directories."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
