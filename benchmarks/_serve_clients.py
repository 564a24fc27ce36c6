"""The serve benchmark's load clients: the old one (httpx, one connection each) and the light
one (raw asyncio streams, :mod:`_rawhttp`), closed loop or with think time; and the clock that
says when they stop."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

import httpx
from _rawhttp import Connection, HttpError

#: the request mix: (kind, URL)
Mix = list[tuple[str, str]]


@dataclass
class Hit:
    start: float
    ms: float
    ok: bool
    kind: str
    etag: str


class Clock:
    """When the clients stop: at ``seconds``, or — if the ingest has not ended or the server
    has not moved to its snapshot by then — 5 s after both (at most ``longest``, default ``2 × seconds``), so every
    run includes the move."""

    def __init__(self, seconds: float, longest: float | None = None) -> None:
        self.seconds = seconds
        self.longest = 2 * seconds if longest is None else longest
        self.t0 = time.monotonic()
        self.first_etag = ""
        self.moved: float | None = None
        self.ingest_end: float | None = None

    def running(self) -> bool:
        now = time.monotonic() - self.t0
        if now < self.seconds:
            return True
        if now >= self.longest:
            return False
        if self.moved is None or self.ingest_end is None:
            return True
        return now < max(self.moved, self.ingest_end) + 5

    def hit(self, started: float, ok: bool, kind: str, etag: str) -> Hit:
        if etag and not self.first_etag:
            self.first_etag = etag
        if etag and etag != self.first_etag and self.moved is None:
            self.moved = started - self.t0
        return Hit(started - self.t0, (time.monotonic() - started) * 1000, ok, kind, etag)


async def httpx_client(
    n: int,
    base: str,
    mix: Mix,
    clock: Clock,
    hits: list[Hit],
    errors: list[str],
    think: bool,
) -> None:
    """The old load client: httpx, one connection each."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        i = n
        while clock.running():
            kind, url = mix[i % len(mix)]
            i += 1
            s = time.monotonic()
            try:
                r = await http.get(url)
                ok = r.status_code == 200
                if not ok:
                    errors.append(f"{r.status_code} {url}: {r.text[:200]}")
                etag = r.headers.get("etag", "")
            except httpx.HTTPError as e:
                ok, etag = False, ""
                errors.append(f"{type(e).__name__} {url}")
            hits.append(clock.hit(s, ok, kind, etag))
            if think:
                await asyncio.sleep(random.uniform(0.5, 1.5))


async def raw_client(
    n: int,
    base: str,
    mix: Mix,
    clock: Clock,
    hits: list[Hit],
    errors: list[str],
    think: bool,
) -> None:
    """The light load client: raw asyncio streams, keep-alive (benchmarks/_rawhttp.py)."""
    host, port = base.removeprefix("http://").split(":")
    conn = Connection(host, int(port))
    i = n
    try:
        while clock.running():
            kind, url = mix[i % len(mix)]
            i += 1
            s = time.monotonic()
            try:
                r = await asyncio.wait_for(conn.get(url), 30)
                ok = r.status == 200
                if not ok:
                    errors.append(f"{r.status} {url}: {r.body[:200]!r}")
                etag = r.etag
            except (HttpError, TimeoutError, OSError) as e:
                ok, etag = False, ""
                errors.append(f"{type(e).__name__} {url}: {e}")
                await conn.close()
            hits.append(clock.hit(s, ok, kind, etag))
            if think:
                await asyncio.sleep(random.uniform(0.5, 1.5))
    finally:
        await conn.close()
