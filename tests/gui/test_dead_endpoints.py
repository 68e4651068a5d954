"""Acceptance (issue 11): every endpoint, websocket and REST, pointed at local dead addresses (a closed
port; a listener that accepts TCP and never completes a handshake). The live app — its session and an
offscreen window — shows every venue offline, converts with the cached instrument metadata where a
previous run left it and the bundled snapshot elsewhere, says which, and closes cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import msgspec

from app.core.instruments import load_bundled
from app.core.timing import Timing
from app.core.venues import registry
from app.feeds.metadata import load_cache, write_cache
from app.services.runtime import DEFAULT_VENUES, connection_specs
from app.services.session import LiveSession
from app.store.paths import profile_paths
from app.store.settings import Settings, save_settings
from app.ui.window import MainWindow

CACHED_AT_MS = 1_768_900_000_000  # 2026-01-20 09:06:40 UTC


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _silent_listener() -> Iterator[int]:
    """Accepts TCP connections (the kernel completes them) and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def _dead_endpoints(closed: int, silent: int) -> dict[str, str]:
    streams = [spec.stream for spec in connection_specs(DEFAULT_VENUES, None, load_bundled())]
    endpoints = {stream: f"ws://127.0.0.1:{closed if n % 2 else silent}/{stream}" for n, stream in enumerate(streams)}
    rest_keys = [f"{venue}/rest" for venue in DEFAULT_VENUES] + ["mof/rest"]
    rest_keys += [accounts.rest_stream for v in DEFAULT_VENUES if (accounts := registry.by_name(v).accounts)]
    for n, key in enumerate(dict.fromkeys(rest_keys)):
        endpoints[key] = f"http://127.0.0.1:{silent if n % 2 else closed}"
    return endpoints


async def test_dead_endpoints_show_every_venue_offline_use_cached_or_bundled_metadata_and_close(qtbot) -> None:
    profile = profile_paths("dead-endpoints").ensure()
    bundled_btc = load_bundled().get("binance", "BTCUSDT")
    assert bundled_btc is not None
    cached_btc = msgspec.structs.replace(bundled_btc, tick_size=0.5)  # only the cache says 0.5
    write_cache(profile.cache_dir, {"binance": [cached_btc]}, CACHED_AT_MS)
    with _silent_listener() as silent:
        save_settings(Settings(endpoints=_dead_endpoints(_closed_port(), silent)), profile.settings_file)
        session = LiveSession(profile)
        assert set(session.settings.endpoints) == set(_dead_endpoints(1, 2))  # every URL accepted
        snapshots = []
        take = session.snapshot

        def snapshot():  # type: ignore[no-untyped-def]
            snapshots.append(take())  # what the window is given, each tick
            return snapshots[-1]

        session.snapshot = snapshot  # type: ignore[method-assign]
        session.timing = Timing(60.0)  # handshake and REST deadlines in a fraction of a wall second
        window = MainWindow(session)
        qtbot.addWidget(window)
        await session.open()
        await session.start()
        try:
            async with asyncio.timeout(8):
                while True:
                    window.tick()
                    records = snapshots[-1].venues
                    if len(records) == len(DEFAULT_VENUES) and all(r.state == "offline" for r in records):
                        break
                    await asyncio.sleep(0.02)
            window.tick()
            labels = {venue: window.status.venue_label(venue) for venue in DEFAULT_VENUES}
            texts = {venue: label.text() for venue, label in labels.items() if label is not None}
            tooltips = {venue: label.toolTip() for venue, label in labels.items() if label is not None}
            notices = [n.text for snap in snapshots for n in snap.notices]
        finally:
            window.close()
            async with asyncio.timeout(5):  # the app's close: the session stops, nothing hangs
                await session.stop()
    assert set(texts) == set(DEFAULT_VENUES) and all(" offline " in text for text in texts.values()), texts
    assert "instruments: cached 2026-01-20 09:06 UTC" in tooltips["binance"]
    assert "instruments: bundled" in tooltips["okx"]
    assert session.instruments.get("binance", "BTCUSDT").tick_size == 0.5  # type: ignore[union-attr]
    assert session.metadata_sources["binance"] == "cached 2026-01-20 09:06 UTC"
    assert all(session.metadata_sources[v] == "bundled" for v in DEFAULT_VENUES if v != "binance"
               and registry.by_name(v).rest is not None)
    assert any(text.startswith("instrument list: cached 2026-01-20 09:06 UTC") for text in notices), notices
    assert load_cache(profile.cache_dir)["binance"].rows == [cached_btc]  # a failed fetch never erases it
    assert session.shutdown_steps[-1] == "settings"
