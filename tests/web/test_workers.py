"""``norte serve --workers N``: uvicorn worker processes built by the app factory, sharing the
snapshot files and one folder of rendered sites (rendered once, not once per worker)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from norte.web import site as site_mod
from norte.web.site import SiteCache
from tests.web.conftest import FIRST, make_store
from tests.web.test_snapshots import _free_port


def test_serve_with_two_workers_starts_and_answers(shared: Path, tmp_path: Path) -> None:
    db = tmp_path / "norte.duckdb"
    make_store(db, shared, [FIRST], derive=False)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "norte.cli", "--db", str(db), "serve", "--port", str(port)]
        + ["--no-png", "--workers", "2"],
        cwd=tmp_path,
        env={**os.environ, "NORTE_LOCK_TIMEOUT": "0"},
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                first = httpx.get(base + "/api/v1/loads", timeout=30)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "norte serve --workers 2 did not start"
                time.sleep(0.3)
        assert first.status_code == 200 and len(first.json()["data"]) == 1
        for _ in range(6):  # a new connection each: either worker may answer
            r = httpx.get(base + "/api/v1/loads", timeout=30)
            assert (r.status_code, r.headers["etag"]) == (200, first.headers["etag"])
        page = httpx.get(base + "/", timeout=300)
        assert page.status_code == 200 and page.headers["etag"] == first.headers["etag"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.returncode == 0, server.stderr.read() if server.stderr else ""


def test_workers_sharing_a_sites_folder_render_a_snapshot_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []

    def fake_render(store: object, snapshot_id: str, out: Path, options: object) -> int:
        rendered.append(snapshot_id)
        out.mkdir(parents=True)
        (out / "index.html").write_text(snapshot_id, encoding="utf-8")
        return 1

    class FakeStore:
        def __init__(self, *a: object, **k: object) -> None: ...
        def __enter__(self) -> FakeStore:
            return self

        def __exit__(self, *a: object) -> None: ...

    monkeypatch.setattr(site_mod, "render_snapshot", fake_render)
    monkeypatch.setattr(site_mod, "Store", FakeStore)
    root = tmp_path / "sites"
    root.mkdir()
    a, b = SiteCache(root=root, shared=True), SiteCache(root=root, shared=True)
    assert a.get("s1", tmp_path / "s1.duckdb").root == root / "s1"
    assert b.get("s1", tmp_path / "s1.duckdb").root == root / "s1"  # found a's site
    assert rendered == ["s1"]
    # a new snapshot: b serves its newest while a renders; then b adopts a's files
    assert a._render("s2", tmp_path / "s2.duckdb").root == root / "s2"
    assert b.get("s2", tmp_path / "s2.duckdb").root == root / "s2"
    assert rendered == ["s1", "s2"]
    a.close()
    b.close()
    assert (root / "s2" / "index.html").read_text(encoding="utf-8") == "s2"  # shared: kept


def test_the_workers_socket_hands_its_connections_tcp_nodelay() -> None:
    import socket

    import uvicorn

    from norte.web.cli import listening_socket

    config = uvicorn.Config("norte.web.cli:app_from_env", factory=True, host="127.0.0.1", port=0)
    sock = listening_socket(config)
    try:
        sock.listen()  # a worker's server does this
        client = socket.create_connection(sock.getsockname()[:2])
        conn, _ = sock.accept()
        with client, conn:  # what a worker's asyncio gets (it would not set it: protocol 0)
            assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()
