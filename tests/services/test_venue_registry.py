"""A venue added to the registry is picked up by runtime, instrument metadata and the replay server with
no other code change: a fake descriptor stands in for a new venue module."""

from __future__ import annotations

from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from app.core.instruments import Instrument, Instruments
from app.core.timing import Timing
from app.core.venues import registry
from app.core.venues.descriptor import (
    ConnectionRules,
    ConnectRequest,
    ListingPage,
    ReplayPeer,
    ReplayRules,
    RestInstruments,
    RestListing,
    VenueDescriptor,
)
from app.core.venues.protocol import ConnectionSpec
from app.feeds.metadata import HttpResponse, fetch_live_instruments
from app.replay.recording import RecordingWriter
from app.replay.server import ReplayServer, frame_topic
from app.services.runtime import FeedRuntime, connection_specs, venue_completeness

pytestmark = pytest.mark.timeout(10)

NAME, STREAM = "fakex", "fakex/ws"


def _connect(request: ConnectRequest) -> list[ConnectionSpec]:
    url = (request.endpoints or {}).get(STREAM, "wss://fake.test/ws")
    return [ConnectionSpec(NAME, STREAM, url, ("subscribe",), None, None, 5.0, "all", lambda *a, **k: [])]


def _answer(peer: ReplayPeer, message: str | bytes) -> list[object]:
    peer.topics.add("t")
    return [f"ack {message}"]


FAKE = VenueDescriptor(
    name=NAME,
    display_name="Fake X",
    completeness="all",
    default_endpoints={STREAM: "wss://fake.test/ws"},
    parse=lambda *a, **k: [],
    rules=ConnectionRules(stall_after_s=5.0),
    connect=_connect,
    rest=RestInstruments("https://fake.test", (RestListing(
        lambda base, _: base + "/instruments",
        lambda body, problems: ListingPage([Instrument(NAME, "FOOUSDT", "FOO", "linear_perp", 1.0)], None),
    ),)),
    replay=ReplayRules(topic=lambda frame: "t" if frame.startswith("{") else None, answer=_answer),
)


@pytest.fixture(autouse=True)
def with_fake_venue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "VENUES", (*registry.VENUES, FAKE))


def test_runtime_builds_the_new_venues_connections() -> None:
    (spec,) = connection_specs((NAME,), {STREAM: "ws://127.0.0.1:1/x"}, Instruments())
    assert (spec.venue, spec.url) == (NAME, "ws://127.0.0.1:1/x")
    assert venue_completeness((NAME,)) == {NAME: "all"}
    runtime = FeedRuntime(lambda: 0, venues=(NAME,), instruments=Instruments())
    assert [record.venue for record in runtime.venue_records()] == [NAME]


async def test_metadata_fetches_the_new_venues_listing() -> None:
    urls: list[str] = []

    async def fetch(url: str, timeout_s: float) -> HttpResponse:
        urls.append(url)
        return HttpResponse(200, b"{}")

    result = await fetch_live_instruments([NAME], fetch=fetch, timing=Timing(20.0))
    assert urls == ["https://fake.test/instruments"]
    assert result.fetched == {NAME: 1} and result.instruments.get(NAME, "FOOUSDT") is not None


async def test_replay_server_answers_and_routes_from_the_descriptor(tmp_path: Path) -> None:
    assert frame_topic(NAME, "{}") == "t" and frame_topic(NAME, "x") is None
    path = tmp_path / "r.gz"
    with RecordingWriter(path, {"scenario": "t", "start_ms": 0, "streams": [STREAM]}) as writer:
        writer.write(10, STREAM, "{}")
    server = ReplayServer(path, timing=Timing(60))
    await server.start(autoplay=False)
    try:
        async with connect(server.endpoints()[STREAM]) as ws:
            await ws.send("hello")
            assert await ws.recv() == "ack hello"
            server.play()
            assert await ws.recv() == "{}"  # subscribed to "t" by the answer, so the frame arrives
    finally:
        await server.stop()
