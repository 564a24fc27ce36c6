"""A new snapshot is prepared (its site rendered) before the server moves to it: meanwhile every
request, page or API, reads the current snapshot without waiting; then all move together."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from norte.store import snapshot as snap
from norte.web.app import create_app
from norte.web.site import RenderOptions
from norte.web.snapshots import SnapshotPool, ensure_published
from tests.web.conftest import FIRST, REVISED, Client, make_store


def _wait(until: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 120
    while not until():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_the_pool_moves_only_when_the_new_snapshot_is_prepared(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "norte.duckdb"
    make_store(db, shared, [FIRST], derive=False)
    ensure_published(db)
    go = threading.Event()
    asked: list[str] = []
    mode = {"work": True, "fail": False}

    def prepare(sid: str, path: Path) -> Callable[[], None] | None:
        asked.append(sid)
        if not mode["work"]:
            return None

        def work() -> None:
            assert path.is_file()
            go.wait(60)
            if mode["fail"]:
                raise RuntimeError("render broke")

        return work

    pool = SnapshotPool(db, prepare=prepare)
    try:
        a = pool.current().id
        make_store(db, shared, [REVISED[0]], derive=False)  # publishes b
        b = snap.current(db)
        assert b is not None and b[0] != a
        for _ in range(3):  # no request waits for the preparation: they read a
            with pool.use() as s:
                assert s.id == a
        assert asked == [b[0]]  # prepared once
        go.set()
        _wait(lambda: pool.current().id == b[0], "the pool never moved to b")

        # a preparation that fails: the pool moves anyway and says why
        go.clear()
        mode["fail"] = True
        make_store(db, shared, [REVISED[1]], derive=False)  # publishes c
        c = snap.current(db)
        assert c is not None and pool.current().id == b[0]
        go.set()
        _wait(lambda: pool.current().id == c[0], "the pool never moved to c")
        assert "preparing snapshot" in capsys.readouterr().err

        # a preparation that takes too long: the pool moves without waiting for it
        go.clear()
        mode["fail"] = False
        pool.prepare_timeout = 0.5
        make_store(db, shared, [FIRST, *REVISED], derive=False)  # publishes c2
        c2 = snap.current(db)
        assert c2 is not None and pool.current().id == c[0]  # preparing
        _wait(lambda: pool.current().id == c2[0], "the pool waited past its timeout")
        go.set()

        # nothing to prepare (no page served yet): it moves at once
        mode["work"] = False
        make_store(db, shared, [FIRST, *REVISED], derive=True)  # publishes d
        d = snap.current(db)
        assert d is not None and pool.current().id == d[0]
    finally:
        pool.close()


def test_pages_and_api_stay_on_the_old_snapshot_until_the_new_site_is_rendered(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "norte.duckdb"
    make_store(db, shared, [FIRST], derive=False)
    ensure_published(db)
    render = RenderOptions(png=False, languages=("en",))
    app = create_app(db, render=render, sites_dir=tmp_path / "sites")
    client = Client(app)
    real = app.state.sites._render
    go = threading.Event()
    rendered: list[str] = []

    def held_render(sid: str, path: Path) -> object:
        if rendered:  # the first site renders at once; hold the next one
            go.wait(120)
        rendered.append(sid)
        return real(sid, path)

    monkeypatch.setattr(app.state.sites, "_render", held_render)
    try:
        page_a = client.get("/")
        etag_a = page_a.headers["etag"]
        assert client.get("/api/v1/loads").headers["etag"] == etag_a
        make_store(db, shared, list(REVISED), derive=False)  # publishes b
        for _ in range(3):  # the new site is rendering: everyone still reads a
            for url in ("/", "/api/v1/loads", "/goals/3.json"):
                r = client.get(url)
                assert r.status_code == 200 and r.headers["etag"] == etag_a, url
        assert app.state.response_cache.hits >= 6  # and from the cache
        go.set()
        _wait(lambda: client.get("/api/v1/loads").headers["etag"] != etag_a, "never moved")
        page_b = client.get("/")
        etag_b = page_b.headers["etag"]
        assert etag_b != etag_a and client.get("/api/v1/loads").headers["etag"] == etag_b
        assert len(client.get("/api/v1/loads").json()["data"]) == 3
        assert page_b.content != page_a.content
        assert len(rendered) == 2
    finally:
        client.close()
        app.state.pool.close()
        app.state.sites.close()
