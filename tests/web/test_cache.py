"""The response cache per read snapshot (norte.web.cache): answers move with the snapshot, a
caller-dependent route or a caller with credentials is never served from it, it is bounded."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

from norte.web.access import Role, route_access
from norte.web.app import create_app
from norte.web.cache import EntryCache
from norte.web.snapshots import ensure_published
from tests.web.conftest import FIRST, REVISED, Client, make_store
from tests.web.test_authz_matrix import populate


def test_etag_and_body_move_together_after_a_new_snapshot(shared: Path, tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    make_store(db, shared, [FIRST], derive=False)
    ensure_published(db)
    app = create_app(db, sites_dir=tmp_path / "sites")
    cache: EntryCache = app.state.response_cache
    client = Client(app)
    try:
        a1 = client.get("/api/v1/loads")
        a2 = client.get("/api/v1/loads")
        assert a1.status_code == a2.status_code == 200
        assert cache.hits == 1 and len(cache) == 1  # the second answer came from the cache
        assert (a2.headers["etag"], a2.content) == (a1.headers["etag"], a1.content)
        assert (
            client.get("/api/v1/loads", headers={"If-None-Match": a1.headers["etag"]}).status_code
            == 304
        )

        # absolute links name the host asked for: another Host is another answer
        url = "/api/v1/observations?limit=1"
        links = {
            h: client.get(url, headers={"Host": h}).headers["link"] for h in ("a.test", "b.test")
        }
        assert "//a.test/" in links["a.test"] and "//b.test/" in links["b.test"]

        make_store(db, shared, list(REVISED), derive=False)  # publishes a new snapshot
        b = client.get("/api/v1/loads")
        assert b.headers["etag"] != a1.headers["etag"]
        assert len(b.json()["data"]) == 3 and len(a1.json()["data"]) == 1
        assert cache.snapshot_id == b.headers["etag"].strip('"') and len(cache) == 1
        # the old ETag no longer answers 304: it names a snapshot the server left
        old = client.get("/api/v1/loads", headers={"If-None-Match": a1.headers["etag"]})
        assert old.status_code == 200 and old.content == b.content
    finally:
        client.close()
        app.state.pool.close()


def test_caller_dependent_routes_and_callers_with_credentials_are_never_cached(
    tmp_path: Path,
) -> None:
    from norte.store import Store

    accounts = tmp_path / "accounts.sqlite"
    populate(accounts)
    db = tmp_path / "norte.duckdb"
    Store(db).close()
    ensure_published(db)
    app = create_app(db, accounts=accounts, sites_dir=tmp_path / "sites")
    cache: EntryCache = app.state.response_cache
    routes = {id(r): r for r in app.routes if isinstance(r, APIRoute)}
    kept = [routes[i] for i in app.state.cacheable]
    assert kept, "no route is cacheable"
    for r in kept:
        assert route_access(r) == (Role.ANONYMOUS, False, None), r.path
        assert not r.endpoint.__module__.endswith(("accounts", "account_pages", "board"))
    # the accounts layer's routes and the board (it reads the accounts database) are out
    assert not [r.path for r in kept if r.path.startswith(("/board", "/account", "/sign"))]
    client = Client(app)
    try:
        for _ in range(2):
            assert client.get("/board.json").status_code == 200
        assert len(cache) == 0 and cache.hits == 0
        for _ in range(2):  # a public route, but the caller brings credentials
            client.get("/api/v1/loads", headers={"Authorization": "Bearer nope"})
            client.get("/api/v1/loads", headers={"Cookie": "norte_session=x"})
        assert len(cache) == 0 and cache.hits == 0
        client.get("/api/v1/loads")
        client.get("/api/v1/loads")
        assert len(cache) == 1 and cache.hits == 1
    finally:
        client.close()
        app.state.pool.close()


def test_the_cache_is_an_lru_bounded_by_bytes() -> None:
    cache = EntryCache(max_bytes=1_000)
    entry = (200, [(b"etag", b'"s1"')], b"x" * 200)
    keys = [("s1", f"/p{i}", b"", b"", b"", b"") for i in range(5)]
    assert cache.get(keys[0]) is None  # the cache is now on snapshot s1
    for k in keys[:3]:
        assert cache.put(k, entry)
    assert cache.get(keys[0]) is not None  # recently used: kept
    cache.put(keys[3], entry)
    cache.put(keys[4], entry)
    assert cache.bytes <= 1_000 and len(cache) < 5
    assert cache.get(keys[1]) is None  # the least recently used went first
    assert cache.get(keys[4]) is not None
    assert not cache.put(
        ("s1", "/big", b"", b"", b"", b""), (200, [], b"x" * 2_000)
    )  # larger than all
    assert not cache.put(("s0", "/old", b"", b"", b"", b""), entry)  # not the current snapshot
    assert (
        cache.get(("s2", "/p4", b"", b"", b"", b"")) is None and len(cache) == 0
    )  # dropped with s1
