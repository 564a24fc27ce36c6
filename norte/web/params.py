"""What every API route shares: unknown query parameters refused, the opaque ``next`` cursor,
and the answer as JSON (with ``Link: rel="next"``) or CSV (``?format=csv``, ``bom=1`` for
Excel).

A cursor is the offset of the next row and the snapshot it was made on (base64url JSON). A
snapshot never changes, so the offset names the same row on every request; a cursor of a
snapshot the server has moved past is refused (410) rather than silently continued on other
data — start again without ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import io
import json
import math
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from norte.web.errors import ApiError
from norte.web.snapshots import Snapshot

#: the 200 answer of a route that speaks CSV too (``format=csv``), for the OpenAPI document
CSV_200: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON ({data, next}), or CSV with format=csv",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10000


def _query_names(dep: Dependant) -> set[str]:
    names = {p.alias for p in dep.query_params}
    for sub in dep.dependencies:
        names |= _query_names(sub)
    return names


def allowed_params(route: APIRoute) -> list[str]:
    """The query parameters ``route`` declares (its own and its dependencies')."""
    return sorted(_query_names(route.dependant))


def strict_query(request: Request) -> None:
    """A dependency: 400 for a query parameter the route does not know, naming the allowed
    ones (a mistyped ``as_of`` must not silently return revised numbers)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = allowed_params(route)
    unknown = sorted(set(request.query_params) - set(allowed))
    if unknown:
        raise ApiError(
            400,
            f"unknown query parameter {', '.join(repr(u) for u in unknown)} — this endpoint "
            f"takes {', '.join(allowed) or 'no parameters'}",
            kind="unknown_parameter",
            parameter=unknown[0],
            allowed=allowed,
        )


def snapshot_of(request: Request) -> Snapshot:
    s: Snapshot = request.state.snapshot
    return s


def encode_cursor(offset: int, snapshot_id: str) -> str:
    raw = json.dumps({"o": offset, "s": snapshot_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, snapshot_id: str) -> int:
    """The offset a cursor names (0 without one); 400 for a damaged cursor, 410 for one of
    another snapshot."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        got = json.loads(raw)
        offset, sid = got["o"], got["s"]
        if not isinstance(offset, int) or offset < 0 or not isinstance(sid, str):
            raise ValueError(cursor)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            400,
            f"cursor {cursor[:40]!r} is not a cursor this API made — use the 'next' value of "
            "a response as it is",
            kind="bad_cursor",
        ) from None
    if sid != snapshot_id:
        raise ApiError(
            410,
            f"the data changed since this cursor was made (snapshot {sid}, now {snapshot_id})"
            " — start again without 'cursor'",
            kind="stale_cursor",
        )
    return offset


def _cell(v: Any) -> Any:
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


def clean(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: _cell(v) for k, v in r.items()} for r in rows]


def to_csv(rows: list[dict[str, Any]], columns: list[str], bom: bool) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if bom else "\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else _cell(r.get(c)) for c in columns])
    return ("\ufeff" if bom else "") + buf.getvalue()


def page(
    request: Request,
    rows: list[dict[str, Any]],
    columns: list[str],
    offset: int,
    limit: int,
    fmt: str,
    bom: bool,
    extra: dict[str, Any] | None = None,
) -> Response:
    """One page of ``rows`` (fetched with ``limit + 1`` to know whether more follow) as JSON
    ``{"data": [...], "next": cursor|null, ...extra}`` or CSV, with ``Link: rel="next"``."""
    more = len(rows) > limit
    rows = rows[:limit]
    sid = snapshot_of(request).id
    nxt = encode_cursor(offset + limit, sid) if more else None
    headers: dict[str, str] = {}
    if nxt is not None:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
        url = str(request.url.replace(query=urlencode([*query, ("cursor", nxt)])))
        headers["Link"] = f'<{url}>; rel="next"'
    if fmt == "csv":
        return Response(
            to_csv(rows, columns, bom),
            media_type="text/csv; charset=utf-8",
            headers=headers,
        )
    body: dict[str, Any] = {"data": clean(rows), "next": nxt, **(extra or {})}
    return JSONResponse(body, headers=headers)
