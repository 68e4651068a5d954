"""MOF poller against a local HTTP server: 304 honoured, 5xx retried with backoff, garbage rejected."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from app.core.timing import Timing
from app.feeds.mof_poller import (
    CURRENT_FILE,
    HISTORY_FILE,
    MofPoller,
    load_history,
    next_poll_ms,
)

HEADER = "Date,1Y,2Y,3Y,4Y,5Y,6Y,7Y,8Y,9Y,10Y,15Y,20Y,25Y,30Y,40Y"
ROW = "2026/5/{day},1.1,1.4,1.5,1.7,1.9,2.0,2.1,2.2,2.4,2.5,3.0,3.4,3.6,3.7,{y40}"


def csv(*rows: str) -> bytes:
    return ("\r\n".join(["Interest Rate,,,,,,,,,,,,,,,(Unit : %)", HEADER, *rows]) + "\r\n").encode()


class Script:
    """What the fake MOF server answers, per path, in order; records request headers."""

    def __init__(self) -> None:
        self.responses: dict[str, list[tuple[int, bytes, dict[str, str]]]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []

    def queue(self, path: str, status: int, body: bytes = b"", **headers: str) -> None:
        self.responses.setdefault(path, []).append((status, body, headers))


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            script.requests.append((self.path, dict(self.headers)))
            queued = script.responses.get(self.path) or [(404, b"", {})]
            status, body, headers = queued.pop(0) if len(queued) > 1 else queued[0]
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/interest_rate/", script
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


class RecordingTiming(Timing):
    """Scaled so backoff sleeps take no wall time; remembers the delays it was asked for."""

    def __init__(self) -> None:
        super().__init__(scale=1_000_000)
        self.slept: list[float] = []

    async def sleep(self, transport_seconds: float) -> None:
        self.slept.append(transport_seconds)
        await super().sleep(transport_seconds)


NOW_MS = int(datetime(2026, 5, 13, 9, 0, tzinfo=UTC).timestamp() * 1000)


def poller(cache: Path, base: str, timing: Timing | None = None) -> MofPoller:
    return MofPoller(cache, base_url=base, timing=timing or RecordingTiming(), now_ms=lambda: NOW_MS)


CURRENT_PATH = "/interest_rate/" + CURRENT_FILE


async def test_200_then_304_honoured_with_validators(server: tuple[str, Script], tmp_path: Path) -> None:
    base, script = server
    script.queue(CURRENT_PATH, 200, csv(ROW.format(day=12, y40=3.8)), ETag='"v1"', Last_Modified="Tue, 12 May 2026")
    script.queue(CURRENT_PATH, 304)
    mof = poller(tmp_path, base)
    assert (await mof.refresh(CURRENT_FILE)).outcome == "updated"
    second = await mof.refresh(CURRENT_FILE)
    assert second.outcome == "not_modified"
    headers = script.requests[-1][1]
    assert headers.get("If-None-Match") == '"v1"'
    assert headers.get("If-Modified-Since") == "Tue, 12 May 2026"
    history = mof.history()
    assert history.last_date == date(2026, 5, 12)  # cached current month merged over the bundle
    assert history.column("40Y")[-1] == 3.8
    assert history.first_date == date(1974, 9, 24)


async def test_5xx_retried_with_backoff(server: tuple[str, Script], tmp_path: Path) -> None:
    base, script = server
    script.queue(CURRENT_PATH, 503, Retry_After="7")
    script.queue(CURRENT_PATH, 500)
    script.queue(CURRENT_PATH, 200, csv(ROW.format(day=12, y40=3.8)))
    timing = RecordingTiming()
    result = await poller(tmp_path, base, timing).refresh(CURRENT_FILE)
    assert result.outcome == "updated"
    assert len(script.requests) == 3
    assert len(timing.slept) == 2
    assert timing.slept[0] >= 7  # Retry-After honoured
    assert timing.slept[1] > 5 * 0.8  # exponential backoff from 5 s (±20 % jitter)


async def test_5xx_gives_up_after_budget(server: tuple[str, Script], tmp_path: Path) -> None:
    base, script = server
    script.queue(CURRENT_PATH, 502)
    result = await poller(tmp_path, base).refresh(CURRENT_FILE)
    assert result.outcome == "failed" and "502" in result.detail
    assert len(script.requests) == 4


async def test_garbage_rejected_without_losing_cache(server: tuple[str, Script], tmp_path: Path) -> None:
    base, script = server
    good = csv(ROW.format(day=12, y40=3.8))
    script.queue(CURRENT_PATH, 200, good, ETag='"v1"')
    script.queue(CURRENT_PATH, 200, b"<html><body>maintenance</body></html>", ETag='"bad"')
    mof = poller(tmp_path, base)
    await mof.refresh(CURRENT_FILE)
    result = await mof.refresh(CURRENT_FILE)
    assert result.outcome == "rejected"
    assert mof.cache.body(CURRENT_FILE) == good
    assert mof.cache.meta(CURRENT_FILE)["etag"] == '"v1"'  # the bad body's validator is not kept either
    assert mof.history().last_date == date(2026, 5, 12)


async def test_truncated_body_rejected(server: tuple[str, Script], tmp_path: Path) -> None:
    base, script = server
    script.queue(CURRENT_PATH, 200, csv(ROW.format(day=12, y40=3.8), "2026/5/13,1.1,1.4"))
    result = await poller(tmp_path, base).refresh(CURRENT_FILE)
    assert result.outcome == "rejected" and "line 4" in result.detail


async def test_4xx_not_retried(server: tuple[str, Script], tmp_path: Path) -> None:
    base, script = server
    script.queue(CURRENT_PATH, 403)
    result = await poller(tmp_path, base).refresh(CURRENT_FILE)
    assert result.outcome == "refused"
    assert len(script.requests) == 1


async def test_network_error_retried_then_failed(tmp_path: Path) -> None:
    mof = poller(tmp_path, "http://127.0.0.1:9/")  # discard port: connection refused
    result = await mof.refresh(CURRENT_FILE)
    assert result.outcome == "failed" and mof.requests == 4


async def test_poll_once_fetches_history_when_missing(server: tuple[str, Script], tmp_path: Path) -> None:
    base, script = server
    script.queue("/interest_rate/" + HISTORY_FILE, 200, csv(ROW.format(day=11, y40=3.7)))
    script.queue(CURRENT_PATH, 200, csv(ROW.format(day=12, y40=3.8)))
    mof = poller(tmp_path, base)
    history = await mof.poll_once()
    assert [path for path, _ in script.requests] == ["/interest_rate/" + HISTORY_FILE, CURRENT_PATH]
    assert history.column("40Y")[-2:].tolist() == [3.7, 3.8]
    assert not mof.history_due()


def test_load_history_falls_back_to_bundle(tmp_path: Path) -> None:
    (tmp_path / "jgbcme.csv").write_bytes(b"garbage")  # a damaged cache is ignored
    assert load_history(tmp_path).last_date == date(2026, 4, 30)
    assert load_history(None).last_date == date(2026, 4, 30)


def tokyo_ms(y: int, m: int, d: int, hour: int, minute: int = 0) -> int:
    from zoneinfo import ZoneInfo

    return int(datetime(y, m, d, hour, minute, tzinfo=ZoneInfo("Asia/Tokyo")).timestamp() * 1000)


def test_schedule() -> None:
    wed = date(2026, 5, 13)
    # before the close: wait for 16:00 JST
    assert next_poll_ms(tokyo_ms(2026, 5, 13, 10), date(2026, 5, 12), 1) == tokyo_ms(2026, 5, 13, 16)
    # after 16:00 without the day's row: 30 minutes later
    now = tokyo_ms(2026, 5, 13, 16, 5)
    assert next_poll_ms(now, date(2026, 5, 12), 2) == now + 30 * 60_000
    # row present: next weekday 16:00
    assert next_poll_ms(now, wed, 2) == tokyo_ms(2026, 5, 14, 16)
    # budget spent: give up for today
    assert next_poll_ms(now, date(2026, 5, 12), 8) == tokyo_ms(2026, 5, 14, 16)
    # Friday evening with the row → Monday
    assert next_poll_ms(tokyo_ms(2026, 5, 15, 17), date(2026, 5, 15), 1) == tokyo_ms(2026, 5, 18, 16)
    # Saturday → Monday
    assert next_poll_ms(tokyo_ms(2026, 5, 16, 12), date(2026, 5, 15), 0) == tokyo_ms(2026, 5, 18, 16)


async def test_a_failed_poll_is_remembered_as_unreachable_and_a_good_one_as_ok(
        server: tuple[str, Script], tmp_path: Path) -> None:
    assert poller(tmp_path, "http://127.0.0.1:9/").source == "bundled"  # nothing fetched yet
    mof = poller(tmp_path, "http://127.0.0.1:9/")  # discard port: connection refused
    await mof.poll_once()
    assert mof.source == "unreachable" and "network" in mof.source_detail
    assert poller(tmp_path, "http://127.0.0.1:9/").source == "unreachable"  # the next start knows it too
    base, script = server
    script.queue("/interest_rate/" + HISTORY_FILE, 200, csv(ROW.format(day=11, y40=3.7)))
    script.queue(CURRENT_PATH, 200, csv(ROW.format(day=12, y40=3.8)))
    good = poller(tmp_path, base)
    await good.poll_once()
    assert (good.source, good.source_detail) == ("ok", "")
    assert good.cache.poll_status() == ("ok", "")
