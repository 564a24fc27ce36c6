"""The SQL of the data API: observations by any dimension, at any point of real time, series and
their vintages. Parametrized SQL only: values travel as ``?`` parameters; the only names put
into the text are the fixed column names of :data:`DIMENSIONS`.

Every stored row is one release (``vintage``) of one observation; it *held* from its vintage
until the day before the next vintage of the same key (``realtime_end``; NULL: it still holds).
The three ways to read the store are windows on that validity:

- latest (no time parameter): the rows that still hold (= ``observations_latest``);
- ``as_of=D``: the rows that held on ``D`` (= ``observations_as_of(D)``);
- ``realtime_start=A&realtime_end=B`` (ALFRED's real-time period): every row that held on any
  day of ``[A, B]`` — a key revised in between appears once per release.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import duckdb

from norte.store.schema import KEY_COLUMNS

#: query parameter → column, filterable on every data endpoint (comma-separated: any of)
DIMENSIONS: dict[str, str] = {
    "source": "source",
    "dataset": "dataset",
    "reporter": "reporter",
    "partner": "partner",
    "flow": "flow",
    "product_scheme": "product_scheme",
    "product": "product_code",
    "mode": "mode",
    "geo_scheme": "geo_scheme",
    "geo": "geo_code",
    "measure": "measure",
    "freq": "freq",
}
SERIES_COLUMNS: tuple[str, ...] = tuple(c for c in KEY_COLUMNS if c != "period")
_KEY = ", ".join(KEY_COLUMNS)
_ORDER = ", ".join(f"{c} NULLS FIRST" for c in KEY_COLUMNS)
OBS_COLUMNS: list[str] = [
    *KEY_COLUMNS,
    "value",
    "status",
    "vintage",
    "realtime_start",
    "realtime_end",
    "load_id",
]


@dataclass
class Filters:
    """Dimension values (any of each list), a period range and a vintage lower bound."""

    dims: dict[str, list[str]] = field(default_factory=dict)
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    updated_after: dt.date | None = None
    series: tuple[str | None, ...] | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The WHERE clause on key columns (safe before the validity window) and params."""
        parts: list[str] = []
        params: list[Any] = []
        for col, values in self.dims.items():
            if col not in DIMENSIONS.values():
                raise ValueError(col)
            parts.append(f"{col} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
        if self.period_start is not None:
            parts.append("period >= ?")
            params.append(self.period_start)
        if self.period_end is not None:
            parts.append("period <= ?")
            params.append(self.period_end)
        if self.series is not None:
            for col, v in zip(SERIES_COLUMNS, self.series, strict=True):
                if v is None:
                    parts.append(f"{col} IS NULL")
                else:
                    parts.append(f"{col} = ?")
                    params.append(v)
        return (" AND ".join(parts) or "TRUE"), params


def split(value: str | None) -> list[str] | None:
    """``"MEX,CAN"`` → ``["MEX", "CAN"]``; None or blank → None."""
    if value is None:
        return None
    got = [v.strip() for v in value.split(",") if v.strip()]
    return got or None


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description or ()]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def observations(
    con: duckdb.DuckDBPyConnection,
    f: Filters,
    *,
    as_of: dt.date | None = None,
    realtime: tuple[dt.date, dt.date] | None = None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """Rows (``limit`` of them from ``offset``, in key then vintage order) of the store read
    as the module says, each with the release it came from (``vintage`` = ``realtime_start``)
    and the last day it held (``realtime_end``, NULL while it still holds)."""
    where, params = f.where()
    if realtime is not None:
        held = "vintage <= ? AND (next_vintage IS NULL OR next_vintage > ?)"
        held_params: list[Any] = [realtime[1], realtime[0]]
    elif as_of is not None:
        held = "vintage <= ? AND (next_vintage IS NULL OR next_vintage > ?)"
        held_params = [as_of, as_of]
    else:
        held, held_params = "next_vintage IS NULL", []
    if f.updated_after is not None:
        held += " AND vintage > ?"
        held_params.append(f.updated_after)
    sql = f"""
        WITH picked AS (SELECT * FROM observations WHERE {where}),
        timed AS (
            SELECT *, lead(vintage) OVER (
                PARTITION BY {_KEY} ORDER BY vintage, load_id) AS next_vintage
            FROM picked)
        SELECT {", ".join(KEY_COLUMNS)}, value, status, vintage,
               vintage AS realtime_start,
               CAST(next_vintage - INTERVAL 1 DAY AS DATE) AS realtime_end, load_id
        FROM timed WHERE {held}
        ORDER BY {_ORDER}, vintage
        LIMIT ? OFFSET ?"""  # noqa: S608 - only fixed column names are interpolated
    return _rows(con.execute(sql, [*params, *held_params, limit, offset]))


def series_id(row: dict[str, Any]) -> str:
    """The opaque id of a series (its key without the period)."""
    raw = json.dumps([row[c] for c in SERIES_COLUMNS], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_series_id(sid: str) -> tuple[str | None, ...] | None:
    """The key a series id stands for, or None when it is not one."""
    try:
        got = json.loads(base64.urlsafe_b64decode(sid + "=" * (-len(sid) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(got, list) or len(got) != len(SERIES_COLUMNS):
        return None
    if not all(v is None or isinstance(v, str) for v in got):
        return None
    return tuple(got)


def series(
    con: duckdb.DuckDBPyConnection, f: Filters, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Series (keys without the period) with their span and releases."""
    where, params = f.where()
    having, hparams = ("", [])
    if f.updated_after is not None:
        having, hparams = "HAVING max(vintage) > ?", [f.updated_after]
    cols = ", ".join(SERIES_COLUMNS)
    order = ", ".join(f"{c} NULLS FIRST" for c in SERIES_COLUMNS)
    sql = f"""
        SELECT {cols}, min(period) AS first_period, max(period) AS last_period,
               count(DISTINCT period) AS periods, count(DISTINCT vintage) AS vintages,
               min(vintage) AS first_vintage, max(vintage) AS last_vintage
        FROM observations WHERE {where}
        GROUP BY {cols} {having}
        ORDER BY {order}
        LIMIT ? OFFSET ?"""  # noqa: S608 - only fixed column names are interpolated
    got = _rows(con.execute(sql, [*params, *hparams, limit, offset]))
    return [{"id": series_id(r), **r} for r in got]


def series_vintages(
    con: duckdb.DuckDBPyConnection, key: tuple[str | None, ...]
) -> list[dict[str, Any]]:
    """The releases of one series: when, which load, how many periods it gave, how many of
    them revised an earlier release's number."""
    where, params = Filters(series=key).where()
    sql = f"""
        WITH picked AS (SELECT * FROM observations WHERE {where}),
        timed AS (
            SELECT *, lag(value) OVER (PARTITION BY period ORDER BY vintage, load_id) AS before,
                   row_number() OVER (PARTITION BY period ORDER BY vintage, load_id) AS nth
            FROM picked)
        SELECT vintage, list(DISTINCT load_id ORDER BY load_id) AS load_ids,
               count(*) AS periods, min(period) AS first_period, max(period) AS last_period,
               count(*) FILTER (WHERE nth = 1) AS new_periods,
               count(*) FILTER (WHERE nth > 1 AND value IS DISTINCT FROM before) AS revised
        FROM timed GROUP BY vintage ORDER BY vintage"""  # noqa: S608
    return _rows(con.execute(sql, params))
