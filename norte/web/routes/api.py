"""The data API, vintage first: ``/api/v1/observations``, ``/api/v1/series`` and
``/api/v1/series/{id}/vintages`` (how the store is read in real time: :mod:`norte.web.queries`).
The catalog routes (indicators, goals, findings, loads, codes) are in
:mod:`norte.web.routes.catalog`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from norte.web import queries as qy
from norte.web.access import Role, allow
from norte.web.errors import RESPONSES, ApiError
from norte.web.params import CSV_200, DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, page, snapshot_of
from norte.web.params import strict_query as strict_query

router = APIRouter(
    prefix="/api/v1",
    tags=["data"],
    dependencies=[Depends(strict_query), Depends(allow(Role.ANONYMOUS))],
    responses=RESPONSES,
)

Fmt = Annotated[Literal["json", "csv"], Query(description="json (default) or csv", alias="format")]
Bom = Annotated[bool, Query(description="CSV only: start with a UTF-8 BOM (for Excel)")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")]
Cursor = Annotated[str | None, Query(description="the 'next' value of the previous page")]


def _dim(what: str) -> object:
    return Query(description=f"{what}; several: comma-separated (any of)", max_length=400)


def filters(
    source: Annotated[str | None, _dim("source (census, transborder, ...)")] = None,
    dataset: Annotated[str | None, _dim("dataset within the source")] = None,
    reporter: Annotated[str | None, _dim("reporting country, ISO alpha-3")] = None,
    partner: Annotated[str | None, _dim("partner code (MEX, CAN, WORLD, ...)")] = None,
    flow: Annotated[str | None, _dim("export, import, balance, total")] = None,
    product_scheme: Annotated[str | None, _dim("product scheme (HS2, ...)")] = None,
    product: Annotated[str | None, _dim("product code")] = None,
    mode: Annotated[str | None, _dim("transport mode code")] = None,
    geo_scheme: Annotated[str | None, _dim("geography scheme")] = None,
    geo: Annotated[str | None, _dim("geography code")] = None,
    measure: Annotated[str | None, _dim("measure (value, units, ...)")] = None,
    freq: Annotated[str | None, _dim("M, Q or A")] = None,
    period_start: Annotated[dt.date | None, Query(description="first period, YYYY-MM-DD")] = None,
    period_end: Annotated[dt.date | None, Query(description="last period, YYYY-MM-DD")] = None,
    updated_after: Annotated[
        dt.date | None, Query(description="only releases (vintages) after this date")
    ] = None,
) -> qy.Filters:
    given = {
        "source": source,
        "dataset": dataset,
        "reporter": reporter,
        "partner": partner,
        "flow": flow,
        "product_scheme": product_scheme,
        "product": product,
        "mode": mode,
        "geo_scheme": geo_scheme,
        "geo": geo,
        "measure": measure,
        "freq": freq,
    }
    dims = {qy.DIMENSIONS[k]: got for k, v in given.items() if (got := qy.split(v))}
    if period_start and period_end and period_start > period_end:
        raise ApiError(400, f"period_start {period_start} is after period_end {period_end}")
    return qy.Filters(dims, period_start, period_end, updated_after)


Dims = Annotated[qy.Filters, Depends(filters)]


@router.get(
    "/observations",
    responses=CSV_200,
    summary="Observations by any dimension, at any point of real time",
)
def observations(
    request: Request,
    f: Dims,
    as_of: Annotated[
        dt.date | None, Query(description="what was known on this date (newest release ≤ it)")
    ] = None,
    realtime_start: Annotated[
        dt.date | None, Query(description="ALFRED real-time period start: every release held")
    ] = None,
    realtime_end: Annotated[dt.date | None, Query(description="real-time period end")] = None,
    fmt: Fmt = "json",
    bom: Bom = False,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    """Each row is one release of one observation: ``vintage`` (= ``realtime_start``) is the
    release it came from, ``realtime_end`` the last day it held (null: it still holds).
    Without a time parameter: the latest release of each observation."""
    realtime: tuple[dt.date, dt.date] | None = None
    if realtime_start is not None or realtime_end is not None:
        if as_of is not None:
            raise ApiError(400, "give as_of or realtime_start/realtime_end, not both")
        start = realtime_start or dt.date(1776, 7, 4)
        end = realtime_end or dt.date(9999, 12, 31)
        if start > end:
            raise ApiError(400, f"realtime_start {start} is after realtime_end {end}")
        realtime = (start, end)
    snap = snapshot_of(request)
    offset = decode_cursor(cursor, snap.id)
    con = snap.cursor()
    try:
        rows = qy.observations(
            con, f, as_of=as_of, realtime=realtime, limit=limit + 1, offset=offset
        )
    finally:
        con.close()
    return page(request, rows, qy.OBS_COLUMNS, offset, limit, fmt, bom)


SERIES_COLUMNS = [
    "id",
    *qy.SERIES_COLUMNS,
    "first_period",
    "last_period",
    "periods",
    "vintages",
    "first_vintage",
    "last_vintage",
]


@router.get("/series", responses=CSV_200, summary="Series (observation keys without the period)")
def series(
    request: Request,
    f: Dims,
    fmt: Fmt = "json",
    bom: Bom = False,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    snap = snapshot_of(request)
    offset = decode_cursor(cursor, snap.id)
    con = snap.cursor()
    try:
        rows = qy.series(con, f, limit=limit + 1, offset=offset)
    finally:
        con.close()
    return page(request, rows, SERIES_COLUMNS, offset, limit, fmt, bom)


VINTAGE_COLUMNS = [
    "vintage",
    "load_ids",
    "periods",
    "first_period",
    "last_period",
    "new_periods",
    "revised",
]


@router.get(
    "/series/{series_id}/vintages", responses=CSV_200, summary="Every release of one series"
)
def vintages(request: Request, series_id: str, fmt: Fmt = "json", bom: Bom = False) -> Response:
    """Per release: its loads, the periods it gave, how many were new and how many revised an
    earlier release's number."""
    key = qy.parse_series_id(series_id)
    if key is None:
        raise ApiError(404, f"{series_id[:60]!r} is not a series id — take one from /api/v1/series")
    snap = snapshot_of(request)
    con = snap.cursor()
    try:
        rows = qy.series_vintages(con, key)
    finally:
        con.close()
    if not rows:
        raise ApiError(404, "no such series in the store — take an id from /api/v1/series")
    for r in rows:
        r["load_ids"] = ";".join(str(i) for i in r["load_ids"]) if fmt == "csv" else r["load_ids"]
    extra = {"series": dict(zip(qy.SERIES_COLUMNS, key, strict=True))}
    return page(request, rows, VINTAGE_COLUMNS, 0, len(rows), fmt, bom, extra)
