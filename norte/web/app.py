"""The web app of ``norte serve``: the site's pages, their JSON twins, the data API.

:func:`create_app` wires the parts: every request reads one read snapshot of the store
(:mod:`norte.web.snapshots`; its id is the ETag, ``If-None-Match`` answers 304); errors are one
envelope (:mod:`norte.web.errors`) with the CORS headers; routers are the data API
(:mod:`norte.web.routes.api`, :mod:`norte.web.routes.catalog`), the API docs
(:mod:`norte.web.routes.docs`), the accounts layer when installed, and the pages
(:mod:`norte.web.routes.pages`, last: it ends with a catch-all). Every route must declare who may
call it (:func:`norte.web.access.check_every_route_declared`).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from norte.accounts.watches import StoreSource
from norte.web import errors
from norte.web.access import Role, check_every_route_declared, route_access
from norte.web.cache import MAX_BYTES, EntryCache, ResponseCache
from norte.web.etag import SnapshotEtag
from norte.web.site import RenderOptions, SiteCache
from norte.web.snapshots import SnapshotPool

ACCOUNTS_MODULE = "norte.web.routes.accounts"


def create_app(
    db: Path,
    *,
    accounts: Path | None = None,
    render: RenderOptions | None = None,
    sites_dir: Path | None = None,
    cache_bytes: int = MAX_BYTES,
    shared_sites: bool = False,
    fast_path: bool = True,
    isolate_renders: bool = False,
) -> FastAPI:
    """The app serving the store ``db`` (through its read snapshots: the store must publish
    them, see :func:`norte.web.snapshots.ensure_published`). ``accounts`` is the accounts
    database; the accounts layer (module ``norte.web.routes.accounts``, when present) gets it
    through its ``install(app, accounts)``. ``render`` sets how pages are rendered (as
    ``norte build`` does by default); ``sites_dir`` where (default: a temporary folder;
    ``shared_sites``: worker processes share it, see :class:`~norte.web.site.SiteCache`).
    ``cache_bytes`` bounds the response cache (:mod:`norte.web.cache`; 0 turns it off);
    ``fast_path`` puts it before the whole app (:class:`NorteApp`), else inside the
    middleware, after CORS. A new snapshot's site is rendered before the server moves to it
    (:class:`~norte.web.snapshots.SnapshotPool`'s ``prepare``); ``isolate_renders`` renders
    in a child process at a lower priority (``norte serve`` does)."""
    app = NorteApp(
        title="norte",
        summary="U.S.–Mexico–Canada trade monitor: every release of every number",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=_lifespan,
    )
    sites = SiteCache(
        render or RenderOptions(), sites_dir, shared=shared_sites, isolate=isolate_renders
    )
    app.state.sites = sites
    app.state.pool = SnapshotPool(db, prepare=sites.prepare)
    errors.install(app)

    app.add_middleware(SnapshotEtag, pool=app.state.pool)
    cacheable: set[int] = set()  # ids of the routes whose answers may be kept
    app.state.cacheable = cacheable
    app.state.response_cache = EntryCache(cache_bytes)
    cache_options: dict[str, Any] = {
        "snapshot_id": lambda: app.state.pool.current().id,
        "cacheable": lambda: cacheable,
        "entries": app.state.response_cache,
    }
    if not fast_path:
        app.add_middleware(ResponseCache, **cache_options)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "Link"],
        max_age=600,
    )

    from norte.web.routes import api, catalog, docs, pages

    add_routes(app, api.router)
    add_routes(app, catalog.router)
    add_routes(app, docs.router)
    # only the routes that read nothing but the store (never accounts routes nor /board)
    cacheable.update(map(id, public_routes(api.router, catalog.router, pages.router)))
    if accounts is not None:
        install = importlib.import_module(ACCOUNTS_MODULE).install
        install(app, accounts, watch_source=_snapshot_watch_source(app))
        from norte.web.routes import board  # the live board reads the accounts' goals

        add_routes(app, board.router)
    add_routes(app, pages.router)  # last: ends with a catch-all
    check_flat(app)
    app.openapi = lambda: errors.openapi_without_422(app)  # type: ignore[method-assign]
    check_every_route_declared(app)
    if fast_path:
        app.fast_path = ResponseCache(partial(FastAPI.__call__, app), **cache_options)
    return app


class NorteApp(FastAPI):
    """FastAPI with the fast path: when :attr:`fast_path` is set, every request goes through
    it first (:class:`norte.web.cache.ResponseCache` placed before Starlette's middleware
    stack), so a cache hit is answered without the error and CORS middleware, the snapshot/ETag
    layer, routing or FastAPI; a miss runs the whole app and its answer is kept only as the
    cache's rules allow (a public route, a caller without credentials, the current snapshot)."""

    fast_path: ResponseCache | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.fast_path is not None and scope["type"] == "http":
            await self.fast_path(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def _snapshot_watch_source(app: FastAPI) -> StoreSource:
    """The personal feeds read the server's current read snapshot (one for the whole feed)."""

    @contextmanager
    def connect() -> Iterator[duckdb.DuckDBPyConnection]:
        with app.state.pool.use() as snapshot:
            cur = snapshot.cursor()
            try:
                yield cur
            finally:
                cur.close()

    return StoreSource(connect)


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Add ``router``'s routes to ``app`` one by one. (``app.include_router`` in FastAPI 0.165
    adds one nested ``_IncludedRouter`` entry instead, which
    :func:`~norte.web.access.check_every_route_declared` cannot look into: its routes would
    pass unchecked.) A route made on an ``APIRouter`` already carries the router's prefix and
    dependencies."""
    for route in router.routes:
        app.router.routes.append(route)


def public_routes(*routers: APIRouter) -> list[APIRoute]:
    """The routes of ``routers`` anyone may call with the same answer: declared ANONYMOUS,
    with no organisation or token-scope condition."""
    return [
        r
        for router in routers
        for r in router.routes
        if isinstance(r, APIRoute) and route_access(r) == (Role.ANONYMOUS, False, None)
    ]


def check_flat(app: FastAPI) -> None:
    """Refuse routes the access check cannot see (nested routers)."""
    hidden = [type(r).__name__ for r in app.routes if not isinstance(r, APIRoute | Route)]
    if hidden:
        raise RuntimeError(
            f"nested routes ({', '.join(sorted(set(hidden)))}) hide their access declarations"
            " from norte.web.access.check_every_route_declared — add routers with "
            "norte.web.app.add_routes(app, router), not app.include_router"
        )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.pool.close()
    app.state.sites.close()
