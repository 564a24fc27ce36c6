"""One reusable 127.0.0.1 replay server for the live connectors' tests.

A test sets ``replay.handler(method, path, query, body) -> (status, headers, body)`` answering
the agency's documented shapes, and may queue failures in ``replay.script`` that are served
first, one per request: ``(status, headers, body)`` tuples, or :data:`DROP` (the headers
promise a body, half of it is sent, the connection is closed: a dropped connection mid-body).
Every request is recorded in ``replay.requests`` (method, path with query, headers).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

Answer = tuple[int, dict[str, str], bytes]
Handler = Callable[[str, str, dict[str, list[str]], bytes], Answer]
DROP = "drop"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]


@dataclass
class Replay:
    base: str = ""
    handler: Handler = lambda m, p, q, b: (404, {}, b"no handler")
    script: list[Answer | str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    def answer(self, method: str, target: str, body: bytes) -> Answer | str:
        if self.script:
            return self.script.pop(0)
        u = urlparse(target)
        return self.handler(method, u.path, parse_qs(u.query, keep_blank_values=True), body)


@pytest.fixture
def replay() -> Iterator[Replay]:
    with serve() as state:
        yield state


@contextmanager
def serve() -> Iterator[Replay]:
    """The replay server as a context manager (the fixture; also usable outside pytest)."""
    state = Replay()

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.requests.append(Request(method, self.path, dict(self.headers.items())))
            answer = state.answer(method, self.path, body)
            if answer == DROP:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.write(b'{"partial": [1, 2, 3')
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            assert not isinstance(answer, str)
            status, headers, payload = answer
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def run_cli(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """``norte ARGS`` in a subprocess, store ``cwd/s.duckdb``, this checkout's norte."""
    full = {
        **os.environ,
        "NORTE_DB": str(cwd / "s.duckdb"),
        "PYTHONPATH": str(REPO),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "norte.cli", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def client(tmp_path: Path, sleeps: list[float] | None = None, retries: int = 4) -> Any:
    """A client whose waits are recorded in ``sleeps`` instead of slept."""
    from norte.fetch.http import Client

    return Client(
        tmp_path / "cache",
        retries=retries,
        backoff=0.5,
        sleep=(sleeps if sleeps is not None else []).append,
    )


def transient_failures_then_success(replay: Replay, fetch: Callable[[], Any]) -> list[float]:
    """Queue a 429 with Retry-After (seconds), a 429 with an HTTP-date, a 503 and a dropped
    connection before the real answers; ``fetch`` must still succeed. Returns the waits."""
    sleeps: list[float] = []
    replay.script = [
        (429, {"Retry-After": "3"}, b"Too Many Requests"),
        (429, {"Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT"}, b"Rate limit"),
        (503, {}, b"<html>Service Unavailable</html>"),
        DROP,
    ]
    result = fetch_with(fetch, sleeps)
    assert result, "the fetch returned nothing after the transient failures"
    waits = [s for s in sleeps if not 0 < s <= 0.05]  # pacing waits (rate limits) left out
    assert waits[:4] == [3.0, 0.0, 2.0, 4.0], sleeps
    assert not replay.script
    return sleeps


def fetch_with(fetch: Callable[..., Any], sleeps: list[float]) -> Any:
    return fetch(sleeps)


HTML = (200, {"Content-Type": "text/html"}, b"<!DOCTYPE html><html><body>Maintenance</body></html>")
