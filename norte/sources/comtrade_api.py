"""UN Comtrade API v1 ``/get`` answers, as ``norte fetch comtrade`` saves them.

The file is Comtrade's ``{"elapsedTime": ..., "count": N, "data": [...]}`` body with
``norte_format`` and ``norte_request`` (reporter, freq, period, flowCode, retrieved) first.
Rules: one observation per row, ``primaryValue`` (a JSON number, US$; null = missing) as
measure ``value`` unit ``USD``; source ``comtrade``, dataset ``comtrade_hs``; reporter
``reporterISO``; partner ``partnerISO`` (``W00`` World -> ``WORLD``); ``flowCode`` ``X`` export,
``M`` import, ``RX``/``RM`` re-export/re-import (export/import with ``detail``
``flow=reexport|reimport``); ``cmdCode`` ``TOTAL`` = all products, else ``HS<digits>`` +
the code; breakdowns other than the totals (``customsCode`` not ``C00``, ``motCode`` not 0,
``partner2Code`` not 0) go into ``detail``; ``period`` ``YYYY`` (A) or ``YYYYMM`` (M).
Vintage: the retrieval date (``/get`` carries no release date).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from norte.errors import InputError
from norte.sources.api_body import needer, read_json, tagged
from norte.sources.common import stage_columns
from norte.sources.series import detail
from norte.store.db import StageContext, StageInfo

SOURCE = "comtrade"
FORMAT = "comtrade-api"
DESCRIPTION = "UN Comtrade API v1 /get JSON, as saved by norte fetch comtrade"
FIELDS = ("freqCode", "period", "reporterISO", "flowCode", "partnerISO", "cmdCode", "primaryValue")
FLOWS = {
    "X": ("export", None),
    "M": ("import", None),
    "RX": ("export", "reexport"),
    "RM": ("import", "reimport"),
}


def detect(path: Path) -> bool:
    return tagged(path, FORMAT)


_need = needer("a UN Comtrade v1 data row", "fetch it again with norte fetch comtrade")


def _period(text: str, freq: str, path: Path, place: str) -> dt.date:
    try:
        if freq == "A" and len(text) == 4:
            return dt.date(int(text), 1, 1)
        if freq == "M" and len(text) == 6:
            return dt.date(int(text[:4]), int(text[4:]), 1)
    except ValueError:
        pass
    raise InputError(path, place, f"{text!r} is not a {freq} period", expected="YYYY or YYYYMM")


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    body = read_json(path)
    request = _need(body, "norte_request", path, "top level")
    rows = _need(body, "data", path, "top level")
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "flow",
            "reporter",
            "partner",
            "product_scheme",
            "product_code",
            "detail",
            "period",
            "freq",
            "value",
            "status",
        )
    }
    for n, row in enumerate(rows):
        place = f"data[{n}]"
        vals = {f: _need(row, f, path, place) for f in FIELDS}
        freq = str(vals["freqCode"])
        if freq not in ("A", "M"):
            raise InputError(path, f"{place}.freqCode", f"{freq!r}", expected="A or M")
        code = str(vals["flowCode"])
        if code not in FLOWS:
            raise InputError(path, f"{place}.flowCode", f"flow {code!r}", expected="X, M, RX, RM")
        flow, kind = FLOWS[code]
        cmd = str(vals["cmdCode"])
        extra: dict[str, str | None] = {"flow": kind}
        for k, total in (("customsCode", "C00"), ("motCode", "0"), ("partner2Code", "0")):
            v = row.get(k)
            if v not in (None, "") and str(v) != total:
                extra[k.removesuffix("Code").lower()] = str(v)
        partner = str(vals["partnerISO"] or "")
        raw = vals["primaryValue"]
        if raw is not None and not isinstance(raw, int | float):
            raise InputError(path, f"{place}.primaryValue", f"{raw!r} is not a number")
        cols["flow"].append(flow)
        cols["reporter"].append(str(vals["reporterISO"]))
        cols["partner"].append("WORLD" if partner in ("W00", "WLD") else partner or None)
        cols["product_scheme"].append(None if cmd == "TOTAL" else f"HS{len(cmd)}")
        cols["product_code"].append(None if cmd == "TOTAL" else cmd)
        cols["detail"].append(detail(extra))
        cols["period"].append(_period(str(vals["period"]), freq, path, f"{place}.period"))
        cols["freq"].append(freq)
        cols["value"].append(None if raw is None else float(raw))
        cols["status"].append("missing" if raw is None else None)
    if not rows:
        raise InputError(path, "data", "no rows", hint="the request matched nothing")
    stage_columns(
        con,
        {"source": SOURCE, "dataset": "comtrade_hs", "measure": "value", "unit": "USD", **cols},
    )
    retrieved = dt.date.fromisoformat(str(_need(request, "retrieved", path, "norte_request")))
    notes = [
        f"UN Comtrade {request.get('reporter')} {request.get('freq')} {request.get('period')}: "
        f"{len(rows):,} rows"
    ]
    return StageInfo(
        format=FORMAT,
        vintage=retrieved,
        vintage_from=f"retrieval date {retrieved} (Comtrade /get states no release date)",
        notes=notes,
    )
