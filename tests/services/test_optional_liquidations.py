"""Turning on Hyperliquid's optional liquidation source: off by default; the settings URL is validated;
the key comes only from the keyring (a missing one is told, never invented); a session with it on
counts Hyperliquid in its totals as `all`, and the runtime delivers its liquidations from the replay
server with the venue's status no longer saying it has no feed."""

from __future__ import annotations

import logging
from pathlib import Path

import msgspec
import pytest

from app.core.timing import Timing
from app.core.venues import hyperliquid_liquidations
from app.replay.server import ReplayServer
from app.services import optional_liquidations
from app.services.runtime import FeedRuntime
from app.store.settings import Settings, load_settings, save_settings
from tests.feeds.conftest import SCALE, wait_until
from tests.feeds.test_hyperliquid_liquidations_client import STREAM, recording

URL = "wss://hypercore.example/ws"


def test_off_by_default() -> None:
    assert Settings().hyperliquid_liquidations_url is None
    assert optional_liquidations.configured(Settings(), ["binance", "hyperliquid"]) == ()


def test_a_bad_url_leaves_the_source_off_with_a_warning(tmp_path: Path) -> None:
    path = save_settings(Settings(hyperliquid_liquidations_url="https://not-a-websocket.example"),
                         tmp_path / "settings.json")
    loaded = load_settings(path)
    assert loaded.settings.hyperliquid_liquidations_url is None
    (warning,) = loaded.warnings
    assert "hyperliquid_liquidations_url" in warning and "stays off" in warning
    good = save_settings(Settings(hyperliquid_liquidations_url=URL, hyperliquid_liquidations_key_mode="bearer"),
                         tmp_path / "good.json")
    assert load_settings(good).settings.hyperliquid_liquidations_url == URL
    assert load_settings(good).warnings == []


async def test_the_key_is_read_from_the_keyring_only(memory_keyring, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    settings = Settings(hyperliquid_liquidations_url=URL)
    notices: list[tuple[str, str]] = []
    (source,) = (await optional_liquidations.sources(settings, ["binance", "hyperliquid"], notices)).values()
    assert source.url == URL and source.auth is None
    assert notices and "no API key in the keyring" in notices[0][1]
    await optional_liquidations.store_key("hyperliquid", "sekrit-key-42")
    assert memory_keyring.store == {(hyperliquid_liquidations.KEYRING_SERVICE,
                                     hyperliquid_liquidations.KEYRING_NAME): "sekrit-key-42"}
    notices.clear()
    sources = await optional_liquidations.sources(settings, ["hyperliquid"], notices)
    auth = sources["hyperliquid"].auth
    assert notices == [] and auth is not None
    assert auth.apply(URL) == (f"{URL}?key=sekrit-key-42", None)
    assert "sekrit" not in caplog.text and "sekrit" not in repr(sources)
    unkeyed = msgspec.structs.replace(settings, hyperliquid_liquidations_key_mode="none")
    assert (await optional_liquidations.sources(unkeyed, ["hyperliquid"]))["hyperliquid"].auth is None


def test_a_live_session_with_the_source_on_counts_hyperliquid_as_complete() -> None:
    from app.services.session import LiveSession
    from app.store.paths import profile_paths

    profile = profile_paths("hl-liquidations").ensure()
    save_settings(Settings(hyperliquid_liquidations_url=URL), profile.settings_file)
    session = LiveSession(profile)
    assert session.optional_liquidations == ("hyperliquid",)
    assert session.completeness["hyperliquid"] == "all"
    assert "hyperliquid=0" in session.summary_line().split(" (")[0]
    off = LiveSession(profile_paths("hl-off").ensure())
    assert off.optional_liquidations == () and off.completeness["hyperliquid"] == "partial"
    assert "hyperliquid" not in off.summary_line().split(" (")[0]  # before "(unreachable: …)"


async def test_the_runtime_delivers_its_liquidations_and_the_status_has_a_feed(tmp_path: Path) -> None:
    from app.core.venues.descriptor import LiquidationSource

    timing = Timing(SCALE)
    server = ReplayServer(recording(tmp_path / "hl.jsonl.gz", 50), timing=timing)
    await server.start()
    endpoints = server.endpoints()
    runtime = FeedRuntime(clock=server.market_ms, endpoints=endpoints, venues=("hyperliquid",), timing=timing,
                          streams=(STREAM,), liquidation_sources={"hyperliquid": LiquidationSource(endpoints[STREAM])})
    try:
        assert [spec.stream for spec in runtime.specs] == [STREAM]
        runtime.start()
        received = []
        await wait_until(lambda: len(received.__iadd__(runtime.sink.drain().liquidations) or received) >= 50,
                         what="every liquidation")
        (record,) = runtime.venue_records()
        assert record.completeness == "all" and record.liquidation_note == ""
        assert "publishes no market-wide" not in record.detail
    finally:
        await runtime.stop()
        await server.stop()
    assert len({e.id for e in received}) == len(received) == 50


async def test_a_restart_of_the_venue_keeps_the_memory_of_fills_counted(memory_keyring) -> None:  # type: ignore[no-untyped-def]
    """Watching an address restarts the venue's connections: the source's snapshot on the new
    subscription must meet the same memory, or it would be counted again."""
    from app.core.instruments import load_bundled
    from app.services.runtime import connection_specs

    sources = await optional_liquidations.sources(Settings(hyperliquid_liquidations_url=URL), ["hyperliquid"])
    first, again = (
        next(spec for spec in connection_specs(("hyperliquid",), None, load_bundled(), liquidation_sources=sources)
             if spec.stream == hyperliquid_liquidations.STREAM)
        for _ in range(2))
    assert first is not again and first.new_state is not None and again.new_state is not None
    assert first.new_state() is again.new_state()
    assert isinstance(first.new_state(), hyperliquid_liquidations.SeenFills)
