"""The HTTP client's rules, unit by unit: Retry-After, redaction of path tokens and secret
headers, the cache guard (``fresh_after``) and dropping a bad body from the cache."""

from __future__ import annotations

import email.utils
import json
import time
from pathlib import Path

from norte.fetch.http import Client, redact, retry_after
from norte.fetch.scrub import register_secret, scrub
from tests.fetch.conftest import Replay


def test_retry_after_seconds_and_http_dates() -> None:
    now = 1_000_000.0
    assert retry_after("7", now) == 7.0
    assert retry_after(email.utils.formatdate(now + 90, usegmt=True), now) == 90.0
    assert retry_after(email.utils.formatdate(now - 90, usegmt=True), now) == 0.0
    assert retry_after("soon", now) is None and retry_after("", now) is None


def test_a_token_in_the_url_path_is_redacted() -> None:
    token = "path-token-5f4e3d2c1b0a"
    register_secret(token)
    url = f"https://example.org/api/INDICATOR/1/es/00/false/BIE/2.0/{token}"
    assert redact(url, {"type": "json"}) == (
        "https://example.org/api/INDICATOR/1/es/00/false/BIE/2.0/***?type=json"
    )
    assert token not in scrub(f"GET {url} failed")


def test_secret_headers_are_sent_but_never_stored(replay: Replay, tmp_path: Path) -> None:
    replay.handler = lambda m, p, q, b: (200, {}, b'{"ok": true}')
    c = Client(tmp_path / "cache")
    for key in ("header-key-aaaaaaaaaaaa", "header-key-bbbbbbbbbbbb"):
        c.get(f"{replay.base}/x", {"a": "1"}, headers={"Ocp-Apim-Subscription-Key": key})
    c.close()
    assert [r.headers["Ocp-Apim-Subscription-Key"] for r in replay.requests] == [
        "header-key-aaaaaaaaaaaa"
    ]  # the second call came from the cache: the key is no part of the cache key
    for f in (tmp_path / "cache").iterdir():
        assert b"header-key" not in f.read_bytes() and "header-key" not in f.name


def test_cache_guard_and_discard(replay: Replay, tmp_path: Path) -> None:
    replay.handler = lambda m, p, q, b: (200, {}, json.dumps({"n": len(replay.requests)}).encode())
    c = Client(tmp_path / "cache")
    url = f"{replay.base}/y"
    first = c.get(url, {})
    assert c.get(url, {}, fresh_after=first.retrieved_at - 60).from_cache  # released before
    newer = c.get(url, {}, fresh_after=time.time() + 60)  # released after the cached copy
    assert not newer.from_cache and json.loads(newer.body) == {"n": 2}
    newer.discard()
    again = c.get(url, {})
    c.close()
    assert not again.from_cache and len(replay.requests) == 3
