"""`norte fetch census` against a local HTTP server replaying the Census API's documented shapes
(real rows from the shared API file; 204, 429, 5xx, HTML 'Invalid Key', 400 plain text)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from norte.fetch.census import fetch_trade
from norte.fetch.http import Client, FetchError

KEY = "s3cr3t-census-key-0123456789abcdef012345"


class Replay:
    """Scripted responses: a queue of (status, headers, body) then the real data."""

    def __init__(self, rows: list[list[str]]) -> None:
        self.rows = rows
        self.script: list[tuple[int, dict[str, str], bytes]] = []
        self.requests: list[str] = []

    def respond(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        if self.script:
            return self.script.pop(0)
        get = query["get"][0].split(",")
        start, _, end = query["time"][0].removeprefix("from ").partition(" to ")
        header = self.rows[0]
        wanted = [h for h in get if h in header]
        out: list[list[str]] = [[*wanted, "time"]]
        for r in self.rows[1:]:
            t = f"{r[header.index('YEAR')]}-{r[header.index('MONTH')]}"
            if start <= t <= end:
                out.append([*(r[header.index(h)] for h in wanted), t])
        if len(out) == 1:
            return 204, {}, b""
        return 200, {"Content-Type": "application/json"}, json.dumps(out).encode()


@pytest.fixture
def api(shared: Path) -> Iterator[tuple[str, Replay]]:
    with gzip.open(shared / "census/api/exports-country-2013-2024.json.gz", "rt") as f:
        rows = json.load(f)
    replay = Replay(rows)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            u = urlparse(self.path)
            replay.requests.append(self.path)
            status, headers, body = replay.respond(u.path, parse_qs(u.query))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/data/timeseries/intltrade", replay
    server.shutdown()


def cli(args: list[str], tmp: Path, base: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NORTE_CENSUS_API_URL": base,
        "NORTE_CENSUS_KEY": KEY,
        "NORTE_DB": str(tmp / "s.duckdb"),
    }
    return subprocess.run(
        [sys.executable, "-m", "norte.cli", *args],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _real_rows(shared: Path, months: set[str]) -> int:
    with gzip.open(shared / "census/api/exports-country-2013-2024.json.gz", "rt") as f:
        rows = json.load(f)
    h = rows[0]
    return sum(f"{r[h.index('YEAR')]}-{r[h.index('MONTH')]}" in months for r in rows[1:])


def test_fetch_retries_saves_and_ingests_without_leaking_key(
    api: tuple[str, Replay], shared: Path, tmp_path: Path
) -> None:
    base, replay = api
    replay.script = [
        (429, {"Retry-After": "0"}, b"Too Many Requests"),
        (503, {"Retry-After": "0"}, b"<html>Service Unavailable</html>"),
    ]
    r = cli(
        ["fetch", "census", "--flow", "exports", "--from", "2024-01", "--to", "2024-03"],
        tmp_path,
        base,
    )
    assert r.returncode == 0, r.stderr
    assert "HTTP 429, retry 1/4" in r.stderr and "HTTP 503, retry 2/4" in r.stderr
    assert len(replay.requests) == 3
    expected = _real_rows(shared, {"2024-01", "2024-02", "2024-03"})
    assert f": {expected:,} rows (loaded" in r.stderr
    saved = list((tmp_path / "downloads").glob("*.json.gz"))
    assert len(saved) == 1
    # the saved body is the API's own shape and norte reads it like a downloaded file
    body = json.loads(gzip.decompress(saved[0].read_bytes()))
    assert body[0][:3] == ["CTY_CODE", "CTY_NAME", "ALL_VAL_MO"]
    # the key went to the server but is nowhere else: output, cache, store
    assert all(f"key={KEY}" in q for q in replay.requests)
    assert KEY not in r.stderr + r.stdout
    for f in (tmp_path / "downloads").rglob("*"):
        if f.is_file():
            assert KEY.encode() not in f.read_bytes() and KEY not in f.name
    q = cli(["query", "SELECT location, vintage_from FROM loads", "--json"], tmp_path, base)
    assert KEY not in q.stdout and '"vintage_from": "option"' in q.stdout


def test_cache_resumes_without_asking_again(api: tuple[str, Replay], tmp_path: Path) -> None:
    base, replay = api
    args = ["fetch", "census", "--flow", "exports", "--from", "2024-01", "--to", "2024-01"]
    assert cli(args, tmp_path, base).returncode == 0
    n = len(replay.requests)
    again = cli(args, tmp_path, base)
    assert again.returncode == 0
    assert len(replay.requests) == n  # served from the cache
    assert "cache hit" in again.stderr and "already-loaded" in again.stderr
    # a TTL of 0 asks the API again
    fresh = cli([*args, "--cache-ttl", "0"], tmp_path, base)
    assert fresh.returncode == 0 and len(replay.requests) == n + 1


def test_no_data_204(api: tuple[str, Replay], tmp_path: Path) -> None:
    base, _ = api
    r = cli(
        ["fetch", "census", "--flow", "exports", "--from", "2009-01", "--to", "2009-02"],
        tmp_path,
        base,
    )
    assert r.returncode == 0, r.stderr
    assert "no data for exports 2009-01..2009-02" in r.stderr
    assert not list((tmp_path / "downloads").glob("*.json.gz"))


def test_html_invalid_key_is_an_error_naming_the_fix(
    api: tuple[str, Replay], tmp_path: Path
) -> None:
    base, replay = api
    replay.script = [
        (
            200,
            {"Content-Type": "text/html"},
            b"<html><title>Invalid Key</title><body>Invalid Key</body></html>",
        )
    ]
    r = cli(
        ["fetch", "census", "--flow", "exports", "--from", "2024-01", "--to", "2024-01"],
        tmp_path,
        base,
    )
    assert r.returncode == 2
    assert "HTTP 200 but the body is HTML" in r.stderr and "NORTE_CENSUS_KEY" in r.stderr
    assert "key=***" in r.stderr and KEY not in r.stderr
    assert (
        not (tmp_path / "s.duckdb").exists()
        or "0" in cli(["query", "SELECT count(*) FROM observations"], tmp_path, base).stdout
    )


def test_bad_request_400_and_persistent_5xx(
    api: tuple[str, Replay], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, replay = api
    monkeypatch.setenv("NORTE_CENSUS_API_URL", base)
    monkeypatch.delenv("NORTE_CENSUS_KEY", raising=False)
    sleeps: list[float] = []
    client = Client(tmp_path / "cache", retries=3, backoff=0.5, sleep=sleeps.append)
    replay.script = [(400, {}, b"error: unknown variable 'ALL_VAL_MOX'")]
    with pytest.raises(FetchError, match=r"HTTP 400: error: unknown variable 'ALL_VAL_MOX'"):
        fetch_trade(client, "exports", "2024-01", "2024-01", tmp_path)
    replay.script = [(500, {}, b"oops")] * 4
    with pytest.raises(FetchError, match="HTTP 500 after 4 attempts"):
        fetch_trade(client, "exports", "2024-01", "2024-01", tmp_path)
    assert sleeps == [0.5, 1.0, 2.0]  # exponential backoff between the 4 attempts
    client.close()
