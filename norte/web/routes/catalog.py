"""The API's catalog routes: indicators (and their values), goals with their lights and
history, findings (the JSON of docs/findings.md), loads and codes. Raw numbers, as stored."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, Query, Request, Response

from norte import settings
from norte.goals.board import STATUS_COLS
from norte.indicators.spec import DIMS
from norte.web.access import Role, allow
from norte.web.errors import RESPONSES, ApiError
from norte.web.params import CSV_200, DEFAULT_LIMIT, decode_cursor, page, snapshot_of, strict_query
from norte.web.routes.api import Bom, Cursor, Fmt, Limit

router = APIRouter(
    prefix="/api/v1",
    tags=["catalog"],
    dependencies=[Depends(strict_query), Depends(allow(Role.ANONYMOUS))],
    responses=RESPONSES,
)


def _query(request: Request, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    con = snapshot_of(request).cursor()
    try:
        cur = con.execute(sql, params)
        cols = [d[0] for d in cur.description or ()]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


LOAD_COLUMNS = [
    "load_id",
    "source",
    "location",
    "sha256",
    "format",
    "rows",
    "rows_skipped",
    "vintage",
    "vintage_from",
    "started",
    "finished",
    "outcome",
    "notes",
]


@router.get("/loads", responses=CSV_200, summary="Every loaded file, with its sha256 and vintage")
def loads(
    request: Request,
    source: Annotated[str | None, Query(max_length=100)] = None,
    fmt: Fmt = "json",
    bom: Bom = False,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    offset = decode_cursor(cursor, snapshot_of(request).id)
    where, params = ("source = ?", [source]) if source else ("TRUE", [])
    rows = _query(
        request,
        f"SELECT {', '.join(LOAD_COLUMNS)} FROM loads WHERE {where} "  # noqa: S608
        "ORDER BY load_id LIMIT ? OFFSET ?",
        [*params, limit + 1, offset],
    )
    return page(request, rows, LOAD_COLUMNS, offset, limit, fmt, bom)


CODE_COLUMNS = ["scheme", "code", "label_en", "label_es", "label_fr", "kind", "parent", "note"]


@router.get("/codes", responses=CSV_200, summary="Every code used, with labels in en/es/fr")
def codes(
    request: Request,
    scheme: Annotated[str | None, Query(max_length=100)] = None,
    code: Annotated[str | None, Query(max_length=100)] = None,
    fmt: Fmt = "json",
    bom: Bom = False,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    offset = decode_cursor(cursor, snapshot_of(request).id)
    parts, params = ["TRUE"], []
    for col, v in (("scheme", scheme), ("code", code)):
        if v is not None:
            parts.append(f"{col} = ?")
            params.append(v)
    rows = _query(
        request,
        f"SELECT {', '.join(CODE_COLUMNS)} FROM codes WHERE {' AND '.join(parts)} "  # noqa: S608
        "ORDER BY scheme, code LIMIT ? OFFSET ?",
        [*params, limit + 1, offset],
    )
    return page(request, rows, CODE_COLUMNS, offset, limit, fmt, bom)


@router.get("/indicators", summary="The indicator catalog")
def indicators_list(
    goal: Annotated[int | None, Query(ge=1, le=4)] = None,
    lang: Annotated[str, Query(pattern="^(en|es|fr)$")] = "en",
) -> dict[str, Any]:
    from norte.indicators.catalog import indicators, load_catalog
    from norte.indicators.cli import _describe

    found = [_describe(i, lang) for i in indicators(load_catalog())]
    return {"data": [i for i in found if goal in (None, i["goal"])], "next": None}


@router.get("/indicators/{indicator_id}", summary="One indicator: its definition and notes")
def indicator_one(
    request: Request,
    indicator_id: str,
    lang: Annotated[str, Query(pattern="^(en|es|fr)$")] = "en",
) -> dict[str, Any]:
    """The definition (as in ``/indicators``), ``classification`` (how its series crosses a
    classification edition change: converted codes and their concordance, or where and why it
    stops) and ``product_detail`` (the product level it reads, and the command that loads it
    when none is loaded), as ``norte indicators show --json`` gives them."""
    from norte.indicators.catalog import indicators, load_catalog
    from norte.indicators.cli import _describe
    from norte.indicators.detail import store_notes

    found = [i for i in indicators(load_catalog()) if i.id == indicator_id]
    if not found:
        raise ApiError(404, f"no indicator {indicator_id!r} — see /api/v1/indicators")
    con = snapshot_of(request).cursor()
    try:
        notes = store_notes(con, found[0])
    finally:
        con.close()
    return {"data": _describe(found[0], lang) | notes}


#: an indicator value row: its id, the dimensions kept through the transforms (the engine's
#: ``DIMS``), then the period and value
IND_COLUMNS = [
    "indicator_id",
    *DIMS,
    "period",
    "freq",
    "value",
    "unit",
    "input_vintage",
]


@router.get(
    "/indicators/{indicator_id}/values", responses=CSV_200, summary="An indicator's computed values"
)
def indicator_values(
    request: Request,
    indicator_id: str,
    as_of: Annotated[dt.date | None, Query(description="input vintage at or before")] = None,
    fmt: Fmt = "json",
    bom: Bom = False,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    offset = decode_cursor(cursor, snapshot_of(request).id)
    source = "indicator_values_latest"
    params: list[Any] = [indicator_id]
    if as_of is not None:
        source, params = "indicator_values_as_of(?)", [as_of, indicator_id]
    cols = ", ".join(IND_COLUMNS)
    rows = _query(
        request,
        f"SELECT {cols} FROM {source} WHERE indicator_id = ? "  # noqa: S608
        f"ORDER BY {cols} LIMIT ? OFFSET ?",
        [*params, limit + 1, offset],
    )
    if not rows and offset == 0:
        _known_indicator(indicator_id)
    return page(request, rows, IND_COLUMNS, offset, limit, fmt, bom)


def _known_indicator(ident: str) -> None:
    from norte.indicators.catalog import indicators, load_catalog

    if ident not in {i.id for i in indicators(load_catalog())}:
        raise ApiError(404, f"no indicator {ident!r} — see /api/v1/indicators")


def _goal_id(ident: str) -> str:
    return f"goal-{ident}" if ident.isdigit() else ident


@router.get("/goals", summary="Goals with the count of lights per colour")
def goals(request: Request) -> dict[str, Any]:
    rows = _query(
        request,
        "SELECT goal_id, any_value(owner) AS owner, sum(n)::BIGINT AS lights, "
        "map(list(status ORDER BY status), list(n ORDER BY status)) AS by_status FROM ("
        "  SELECT goal_id, owner, status, count(*) AS n FROM goal_status_latest"
        "  GROUP BY ALL) GROUP BY goal_id ORDER BY goal_id",
        [],
    )
    for r in rows:
        r["by_status"] = dict(r["by_status"])
    return {"data": rows, "next": None}


#: a goal_status row: the light's key, then the numbers behind it (norte.goals.board's columns)
GOAL_COLUMNS = [
    "goal_id",
    "owner",
    "target_id",
    "indicator_id",
    "input_vintage",
    *STATUS_COLS,
    "computed_at",
]


@router.get("/goals/{goal}", summary="A goal's lights, each with its history across vintages")
def goal(request: Request, goal: str) -> Response:
    gid = _goal_id(goal)
    cols = ", ".join(GOAL_COLUMNS)
    rows = _query(
        request,
        f"SELECT {cols} FROM goal_status WHERE goal_id = ? "  # noqa: S608
        "ORDER BY target_id, input_vintage NULLS LAST",
        [gid],
    )
    if not rows:
        raise ApiError(404, f"no goal {goal!r} with lights in the store — see /api/v1/goals")
    lights: dict[str, dict[str, Any]] = {}
    for r in rows:
        light = lights.setdefault(r["target_id"], {"history": []})
        light["history"].append(r)
        light.update({k: v for k, v in r.items() if k != "history"})
    from norte.web.params import clean

    data = [{**v, "history": clean(v["history"])} for v in lights.values()]
    return page(request, clean(data), GOAL_COLUMNS, 0, len(data), "json", False, {"goal": gid})


@router.get("/findings", summary="News-style findings (JSON schema: docs/findings.md)")
def findings(
    request: Request,
    since: Annotated[dt.date | None, Query(description="periods starting on or after")] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1e6)] = None,
    type: Annotated[str | None, Query(max_length=100, description="finding type")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    from norte.findings.storage import read

    snap = snapshot_of(request)
    offset = decode_cursor(cursor, snap.id)
    config, path = settings.load_toml(None)
    review = settings.flag_on(settings.resolve("findings_review", None, config, path))
    con: duckdb.DuckDBPyConnection = snap.cursor()
    try:
        got = read(
            con,
            since=since,
            min_score=min_score,
            limit=offset + limit + 1,
            types=[type] if type else None,
            review="published" if review else None,
        )
    finally:
        con.close()
    rows = [json.loads(json.dumps(f.to_json(), default=str)) for f in got[offset:]]
    return page(request, rows, [], offset, limit, "json", False)
