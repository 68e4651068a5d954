"""A local HTTP server answering as a venue's REST API would: routes by path (query ignored), every
request recorded (method, path, query, headers), unknown paths 404. Runs in a thread on 127.0.0.1:0."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Answer = Any | Callable[[], tuple[int, Any]]


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]


@dataclass
class FakeVenue:
    routes: dict[str, Answer]
    seen: list[Seen] = field(default_factory=list)
    base_url: str = ""

    @property
    def paths(self) -> list[str]:
        return [request.path for request in self.seen]


@contextmanager
def serve(routes: dict[str, Answer]) -> Iterator[FakeVenue]:
    venue = FakeVenue(dict(routes))

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parts = urlsplit(self.path)
            venue.seen.append(Seen(self.command, parts.path, parts.query, dict(self.headers.items())))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            answer = venue.routes.get(parts.path)
            if answer is None:
                status, body = 404, {"code": -1, "msg": f"no route {parts.path}"}
            elif callable(answer):
                status, body = answer()
            else:
                status, body = 200, answer
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up first
                self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    venue.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-venue", daemon=True)
    thread.start()
    try:
        yield venue
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
