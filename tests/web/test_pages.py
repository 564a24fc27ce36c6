"""The app's pages are the static site's: every file ``render_site`` (what ``norte build``
writes) produces for the snapshot is served byte for byte at the same path; every page has its
JSON twin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from norte.publish.site import render_site
from norte.store import Store
from norte.web.site import built_label, mode_of
from tests.web.conftest import Client, Served


@pytest.fixture(scope="module")
def static_site(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static build of the snapshot the app serves (same options, same built time)."""
    snap = served.app.state.pool.current()
    out = tmp_path_factory.mktemp("static")
    with Store(snap.path, read_only=True) as store:
        render_site(
            store,
            out,
            mode_of(store),
            geo_dir=served.render.geo_dir,
            png=served.render.png,
            languages=served.render.languages or ("en", "es", "fr"),
            built=built_label(snap.id),
        )
    return out


def test_every_static_file_is_served_identically(client: Client, static_site: Path) -> None:
    files = sorted(p for p in static_site.rglob("*") if p.is_file())
    pages = [p for p in files if p.suffix == ".html"]
    assert len(pages) > 20 and any(p.parts[-2] == "es" for p in pages)
    for p in files:
        rel = p.relative_to(static_site).as_posix()
        got = client.get("/" + rel)
        assert got.status_code == 200, rel
        assert got.content == p.read_bytes(), f"{rel} differs"
        if p.suffix == ".html":
            assert got.headers["content-type"] == "text/html; charset=utf-8"
    assert client.get("/").content == (static_site / "index.html").read_bytes()
    assert client.get("/es/").content == (static_site / "es/index.html").read_bytes()


def test_every_page_has_a_json_twin(client: Client, static_site: Path, served: Served) -> None:
    sid = served.app.state.pool.current().id
    for p in sorted(static_site.rglob("*.html")):
        rel = p.relative_to(static_site).as_posix()
        twin = client.get("/" + rel.removesuffix(".html") + ".json")
        assert twin.status_code == 200, rel
        body = twin.json()
        assert body["page"] == rel and body["snapshot"] == sid and body["values"]


def test_goal_twin_holds_the_numbers_of_its_page(client: Client) -> None:
    assert client.get("/goals/3", follow_redirects=False).headers["location"] == "/goal-3.html"
    twin = client.get("/goals/3.json").json()
    assert twin == client.get("/goal-3.json").json()
    assert twin["values"]["goal"]["number"] == 3
    text = json.dumps(twin["values"])
    assert "<svg" not in text  # markup stays on the page; the data is here


def test_the_page_says_when_its_snapshot_was_published(client: Client, served: Served) -> None:
    sid = served.app.state.pool.current().id
    stamp = built_label(sid)  # "YYYY-MM-DD HH:MM"
    assert len(stamp) == 16 and stamp[:4] == sid[:4]
