"""The read snapshot of each request and its ETag, as a pure ASGI middleware.

Before the app runs, :meth:`SnapshotPool.acquire` gives the request its snapshot (in
``request.state.snapshot``; released when the answer is sent, body included); the answer
carries ``ETag: "<snapshot id>"`` unless it set its own, and a ``GET`` whose ``If-None-Match``
matches a 200's ETag answers 304. Errors raised before the answer starts become the one
envelope (:mod:`norte.web.errors`). A pure ASGI middleware, not Starlette's
``BaseHTTPMiddleware`` (which runs each request's app in a task group with memory streams).
"""

from __future__ import annotations

from typing import Any

import duckdb
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from norte.errors import NorteError
from norte.web import errors
from norte.web.snapshots import Snapshot, SnapshotPool

#: paths that do not read the store (no snapshot is taken for them)
NO_SNAPSHOT = ("/openapi.json", "/api/docs", "/api/redoc", "/api/assets/")


def _matches(match: bytes, etag: bytes) -> bool:
    return match.strip() == b"*" or etag in {m.strip() for m in match.split(b",")}


class SnapshotEtag:
    def __init__(self, app: ASGIApp, pool: SnapshotPool) -> None:
        self.app = app
        self.pool = pool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        snap: Snapshot | None = None
        started = False
        not_modified = False
        match = next((v for k, v in scope.get("headers", ()) if k == b"if-none-match"), None)
        is_get = scope["method"] == "GET"

        async def wrapped(message: Message) -> None:
            nonlocal started, not_modified
            if message["type"] == "http.response.start":
                started = True
                headers: list[Any] = list(message.get("headers", ()))
                etag = next((v for k, v in headers if k.lower() == b"etag"), None)
                if etag is None and snap is not None:
                    etag = f'"{snap.id}"'.encode()
                    headers.append((b"etag", etag))
                if etag and match and is_get and message["status"] == 200:
                    if _matches(match, etag):
                        not_modified = True
                        await send(
                            {
                                "type": "http.response.start",
                                "status": 304,
                                "headers": [(b"etag", etag)],
                            }
                        )
                        return
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and not_modified:
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        try:
            if not scope["path"].startswith(NO_SNAPSHOT):
                snap = self.pool.acquire()
                scope.setdefault("state", {})["snapshot"] = snap
            await self.app(scope, receive, wrapped)
        except Exception as e:  # noqa: BLE001 - the envelope, inside CORS, for any bug
            if started:
                raise
            answer: Response
            if isinstance(e, NorteError):
                answer = await errors.norte_error(Request(scope), e)
            elif isinstance(e, duckdb.OutOfMemoryException):
                answer = errors.envelope(
                    503,
                    "too_large",
                    "this query needs more memory than the server gives one request — narrow "
                    "it (dataset=, period_start=, a smaller limit) or try again later",
                )
            else:
                answer = errors.internal(e)
            await answer(scope, receive, send)
        finally:
            if snap is not None:
                self.pool.release(snap)
