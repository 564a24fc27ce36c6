"""Read snapshots: writers publish them only when asked (the folder exists), they hold exactly
the committed store, old ones are pruned, the server moves to a new one between requests and
closes the old one when its requests are done — and ``norte serve`` answers while ``norte
ingest`` writes, every response from one snapshot."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import httpx

from norte.store import Store
from norte.store import snapshot as snap
from norte.web.snapshots import SnapshotPool, ensure_published
from tests.web.conftest import FIRST, REVISED, make_store

TABLES = ("observations", "loads", "codes", "observations_latest")


def _counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}
    finally:
        con.close()


def test_no_folder_no_snapshot(shared: Path, tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    make_store(db, shared, [FIRST], derive=False)
    assert not snap.folder(db).exists() and snap.current(db) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["norte.duckdb"]


def test_a_writer_publishes_the_committed_store_and_prunes(shared: Path, tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    make_store(db, shared, [FIRST], derive=False)
    first = ensure_published(db)
    found = snap.current(db)
    assert found is not None and found[0] == first
    assert _counts(found[1]) == _counts(db)
    make_store(db, shared, list(REVISED), derive=False)  # an ingest: publishes on close
    second = snap.current(db)
    assert second is not None and second[0] != first and second[0] > first
    assert _counts(second[1]) == _counts(db) != _counts(found[1])
    con = duckdb.connect(str(second[1]), read_only=True)  # views and macros came along
    (n,) = con.execute("SELECT count(*) FROM observations_as_of('2024-12-31')").fetchall()[0]
    con.close()
    assert n == _counts(found[1])["observations_latest"]
    for _ in range(snap.KEEP + 2):
        Store(db).close()
    kept = sorted(p.name for p in snap.folder(db).iterdir())
    assert len([k for k in kept if k.endswith(".duckdb")]) == snap.KEEP + 1
    assert "CURRENT" in kept and not [k for k in kept if k.startswith(".")]


def test_pool_moves_between_requests_and_drains_the_old(shared: Path, tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    make_store(db, shared, [FIRST], derive=False)
    ensure_published(db)
    pool = SnapshotPool(db)
    a = pool.acquire()  # a request in flight on snapshot A
    make_store(db, shared, list(REVISED), derive=False)
    b = pool.acquire()  # the next request reads the new one
    assert b.id != a.id and a.retired and not a.closed
    cur = a.cursor()  # A still answers its request
    assert cur.execute("SELECT count(*) FROM loads").fetchall() == [(1,)]
    cur.close()
    pool.release(a)
    assert a.closed and pool.closed == [a.id]
    assert b.cursor().execute("SELECT count(*) FROM loads").fetchall() == [(3,)]
    pool.release(b)
    assert not b.closed  # current: stays open
    pool.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _norte(*args: str) -> list[str]:
    return [sys.executable, "-m", "norte.cli", *args]


def test_serve_answers_while_ingest_writes(shared: Path, tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    make_store(db, shared, [FIRST], derive=False)
    port = _free_port()
    env = {**os.environ, "NORTE_LOCK_TIMEOUT": "0"}
    server = subprocess.Popen(
        _norte("--db", str(db), "serve", "--port", str(port), "--no-png"),
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    seen: list[tuple[int, str, int]] = []  # status, ETag, loads in the body
    stop = threading.Event()
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    first = http.get("/api/v1/loads")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, server.stderr.read() if server.stderr else ""
                    assert time.monotonic() < deadline, "norte serve did not start"
                    time.sleep(0.2)
            etag_a = first.headers["etag"]

            def poll() -> None:
                with httpx.Client(base_url=base, timeout=30) as c:
                    while not stop.is_set():
                        r = c.get("/api/v1/loads")
                        seen.append(
                            (r.status_code, r.headers.get("etag", ""), len(r.json()["data"]))
                        )

            poller = threading.Thread(target=poll)
            poller.start()
            # --wait 0: the server must not hold the store, or this fails at once (exit 4)
            ingest = subprocess.run(
                _norte(
                    "--db", str(db), "--wait", "0", "ingest", *[str(shared / f) for f in REVISED]
                ),
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert ingest.returncode == 0, ingest.stderr
            deadline = time.monotonic() + 30
            while http.get("/api/v1/loads").headers["etag"] == etag_a:
                assert time.monotonic() < deadline, "the server never moved to the new snapshot"
                time.sleep(0.1)
            stop.set()
            poller.join(timeout=60)
            after = http.get("/api/v1/loads")
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
    assert after.headers["etag"] != etag_a and len(after.json()["data"]) == 3
    assert len(seen) >= 5 and {s for s, _, _ in seen} == {200}  # answered during the ingest
    loads_of = {etag_a: 1, after.headers["etag"]: 3}
    assert {e for _, e, _ in seen} <= set(loads_of)
    for _, etag, n in seen:  # no response mixes two snapshots
        assert n == loads_of[etag]


def test_pages_come_from_the_newest_rendered_site_while_a_new_one_renders(
    shared: Path, tmp_path: Path
) -> None:
    from norte.web.site import RenderOptions, SiteCache

    db = tmp_path / "norte.duckdb"
    make_store(db, shared, [FIRST], derive=False)
    ensure_published(db)
    a = snap.current(db)
    assert a is not None
    cache = SiteCache(RenderOptions(png=False, languages=("en",)), tmp_path / "sites")
    assert cache.get(*a).snapshot_id == a[0]  # the first site renders at once
    make_store(db, shared, list(REVISED), derive=False)
    b = snap.current(db)
    assert b is not None and b[0] != a[0]
    served = cache.get(*b)  # no waiting: the old site, its own ETag
    assert served.snapshot_id == a[0] and (served.root / "index.html").is_file()
    deadline = time.monotonic() + 300
    while cache.get(*b).snapshot_id != b[0]:
        assert time.monotonic() < deadline, "the new site never rendered"
        time.sleep(0.2)
    new = cache.get(*b)
    assert (new.root / "index.html").read_bytes() != (served.root / "index.html").read_bytes()
    cache.close()
