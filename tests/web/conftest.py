"""A store from real shared files with two Census releases (the mid-2024 workbook, first
release; the 2025 API files, revised), its indicators, findings and goal lights, published as a
read snapshot once per session; the app on it, and a synchronous client that calls the app in
process (httpx over ASGI: no socket)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from norte.findings.cli import refresh
from norte.goals import record_all
from norte.ingest import ingest
from norte.store import Store
from norte.web.app import create_app
from norte.web.site import RenderOptions
from norte.web.snapshots import ensure_published

FIRST = "census/country.xlsx"  # vintage 2024-08-06: 1985-01 .. 2024-06, first release
REVISED = (  # vintage 2025-02-06: 2013-01 .. 2024-12, revised
    "census/api/exports-country-2013-2024.json.gz",
    "census/api/imports-country-2013-2024.json.gz",
)


def make_store(db: Path, shared: Path, files: list[str], derive: bool = True) -> None:
    with Store(db) as store:
        ingest(store, [shared / f for f in files], out=io.StringIO())
        if derive:
            refresh(store, out=io.StringIO())
            record_all(store)


class Client:
    """``get`` on the app in process; one event loop for the client's life."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://norte.test"
        )

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.get(url, **kw))

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.request(method, url, **kw))

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@dataclass
class Served:
    db: Path
    app: FastAPI
    client: Client
    render: RenderOptions


@pytest.fixture(scope="session")
def served(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("web")
    db = root / "norte.duckdb"
    make_store(db, shared, [FIRST, *REVISED])
    ensure_published(db)
    # two languages of three: every page family, both folder layouts, a third less to render
    render = RenderOptions(png=False, geo_dir=shared / "geo", languages=("en", "es"))
    app = create_app(db, render=render, sites_dir=root / "sites")
    client = Client(app)
    yield Served(db, app, client, render)
    client.close()
    app.state.pool.close()
    app.state.sites.close()


@pytest.fixture
def client(served: Served) -> Client:
    return served.client
