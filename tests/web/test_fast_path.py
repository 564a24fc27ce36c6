"""The fast path (norte.web.app.NorteApp): a cache hit is answered before Starlette's middleware
and routing, with exactly the answer the full app gives (status, headers in order, body —
ETag/304 and CORS included), and a caller with credentials, or a route whose answer is not the
same for everyone, always reaches the app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from norte.web.app import create_app
from norte.web.cache import EntryCache
from tests.web.conftest import Client, Served
from tests.web.test_authz_matrix import USERS, populate

URLS = [
    "/api/v1/loads",
    "/api/v1/observations?source=census&partner=MEX&flow=export&limit=5",
    "/api/v1/observations?source=census&partner=MEX&format=csv&limit=5",
    "/api/v1/series?source=census&limit=3",
    "/api/v1/goals",
    "/api/v1/codes?scheme=partner&limit=5",
    "/",
    "/goal-3.html",
    "/goals/3.json",
    "/es/index.html",
]


class Counting:
    """Stands in for an app's middleware stack: counts the requests that reach it."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = app.build_middleware_stack()
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        await self.inner(scope, receive, send)


def _raw(r: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return r.status_code, list(r.headers.raw), r.content


@pytest.fixture
def apps(served: Served, tmp_path: Path) -> Iterator[tuple[Client, Client, FastAPI]]:
    """The full app without any cache (the slow path) and the app with the fast path, on the
    same snapshot and one rendered site."""
    kw: dict[str, Any] = {"render": served.render, "sites_dir": tmp_path, "shared_sites": True}
    slow_app = create_app(served.db, cache_bytes=0, fast_path=False, **kw)
    fast_app = create_app(served.db, **kw)
    slow, fast = Client(slow_app), Client(fast_app)
    yield slow, fast, fast_app
    for c, a in ((slow, slow_app), (fast, fast_app)):
        c.close()
        a.state.pool.close()


def test_a_fast_path_answer_equals_the_full_apps(apps: tuple[Client, Client, FastAPI]) -> None:
    slow, fast, app = apps
    cache: EntryCache = app.state.response_cache
    etag = slow.get("/api/v1/loads").headers["etag"]
    variants: list[dict[str, str]] = [
        {},
        {"Origin": "https://example.org"},  # CORS headers on the answer
        {"Accept": "text/csv"},
        {"If-None-Match": etag},  # 304
        {"If-None-Match": etag, "Origin": "https://example.org"},  # 304 with CORS
        {"If-None-Match": '"an-old-snapshot"'},  # not a match: 200
    ]
    for url in URLS:
        for headers in variants:
            expected = _raw(slow.get(url, headers=headers))
            assert expected[0] in (200, 304), (url, headers, expected[0])
            fast.get(url, headers=headers)  # a miss: runs the app and keeps its answer
            hits = cache.hits
            got = _raw(fast.get(url, headers=headers))
            assert cache.hits == hits + 1, (url, headers)  # answered from the cache
            assert got == expected, (url, headers)
    assert any(k[5].endswith(b" 304") for k in cache._entries)  # the 304s are entries too


def test_a_hit_runs_no_middleware_nor_routing(apps: tuple[Client, Client, FastAPI]) -> None:
    _, fast, app = apps
    first = fast.get("/api/v1/goals")
    counting = Counting(app)
    app.middleware_stack = counting  # type: ignore[assignment]
    again = fast.get("/api/v1/goals")
    assert counting.calls == 0 and _raw(again) == _raw(first)
    assert fast.get("/api/v1/goals/3").status_code == 200  # a miss goes through the app
    assert counting.calls == 1


def test_callers_with_credentials_and_caller_dependent_routes_always_reach_the_app(
    served: Served, tmp_path: Path
) -> None:
    from norte.accounts import Accounts
    from norte.accounts import sessions as ses
    from norte.accounts import tokens as tok
    from norte.accounts.users import find_user
    from norte.web.access import set_resolver

    accounts = tmp_path / "accounts.sqlite"
    populate(accounts)
    acc = Accounts(accounts)
    try:
        email = USERS["editor"][0]
        user = find_user(acc.con, email)
        assert user is not None
        session = ses.create(acc.con, user).secret
        token, _ = tok.create_api(acc.con, email, "fast path", ("read",))
    finally:
        acc.close()
    app = create_app(
        served.db, accounts=accounts, render=served.render, sites_dir=tmp_path / "sites"
    )
    cache: EntryCache = app.state.response_cache
    client = Client(app)
    try:
        for url in ("/api/v1/loads", "/goal-3.html"):
            assert client.get(url).status_code == 200  # anonymous: kept
        counting = Counting(app)
        app.middleware_stack = counting  # type: ignore[assignment]
        stored = len(cache)
        credentials = [
            {"Cookie": f"__Host-norte_session={session}"},  # a real session
            {"Authorization": f"Bearer {token}"},  # a real API token
            {"Authorization": "Bearer not-a-token"},  # a bad one: the app says so
            {"Cookie": "anything=1"},
        ]
        calls = 0
        for url in ("/api/v1/loads", "/goal-3.html"):
            for headers in credentials:
                client.get(url, headers=headers)
                calls += 1
                assert counting.calls == calls, (url, headers)  # not served from the cache
        assert len(cache) == stored  # and nothing kept from them
        # routes whose answer depends on the accounts database or the caller: never kept
        for url in ("/board.json", "/board", "/signin", "/me", "/feeds/watches.atom?token=x"):
            for _ in range(2):
                client.get(url)
                calls += 1
                assert counting.calls == calls, url
        assert len(cache) == stored
    finally:
        client.close()
        set_resolver(None)
        app.state.pool.close()
        app.state.sites.close()
