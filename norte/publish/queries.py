"""Read models for the site: what each page shows, as plain rows, straight from the store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from norte.store.latest import multi_load_cells
from norte.store.schema import KEY_COLUMNS, vintages_query

TRADE = "_site_trade"
#: the store's ``vintages`` view, materialized once per site (one scan of ``observations``
#: instead of one per page that lists vintages or coverage)
VINTAGES = "_site_vintages"


def rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> list[dict[str, Any]]:
    rel = con.execute(sql, params or [])
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Materialize the latest Census monthly trade by country and the ``vintages`` view (used
    by several pages; :func:`coverage`, :func:`vintages` and :func:`newest_vintages` read the
    latter)."""
    # the ``vintages`` view's rows, in one scan of each table (norte.store.schema.vintages_query)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {VINTAGES} AS {vintages_query()}")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {TRADE} AS
        SELECT source, dataset, partner, period, freq, flow, value, vintage FROM observations_latest
        WHERE source = 'census' AND dataset = 'trade_by_country' AND reporter = 'USA'
          AND measure = 'value' AND freq = 'M' AND flow IN ('export', 'import')"""  # noqa: S608
    )


def monthly(con: duckdb.DuckDBPyConnection, partner: str) -> list[dict[str, Any]]:
    """Monthly exports, imports, balance and total trade with ``partner`` (US$)."""
    return rows(
        con,
        f"""SELECT period,
              sum(value) FILTER (WHERE flow = 'export') AS exports,
              sum(value) FILTER (WHERE flow = 'import') AS imports
            FROM {TRADE} WHERE partner = ? GROUP BY period ORDER BY period""",  # noqa: S608
        [partner],
    )


@dataclass
class Coverage:
    source: str
    dataset: str
    label: str | None
    rows: int
    first: dt.date
    last: dt.date
    vintages: int
    latest_vintage: dt.date


def coverage(con: duckdb.DuckDBPyConnection) -> list[Coverage]:
    """Rows, periods and vintages of every (source, dataset), from the materialized
    ``vintages`` (:func:`prepare`): one row per source, dataset and vintage there."""
    got = rows(
        con,
        f"""SELECT v.source, v.dataset, any_value(c.label_en) AS label,
                  CAST(sum(v.rows) AS BIGINT) AS rows, min(v.first_period) AS first,
                  max(v.last_period) AS last, count(DISTINCT v.vintage) AS vintages,
                  max(v.vintage) AS latest_vintage
           FROM {VINTAGES} v LEFT JOIN codes c ON c.scheme = 'dataset' AND c.code = v.dataset
           GROUP BY v.source, v.dataset ORDER BY v.source, v.dataset""",  # noqa: S608
    )
    return [Coverage(**r) for r in got]


def loads(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return rows(
        con,
        """SELECT load_id, source, format, rows, rows_skipped, vintage, vintage_from, finished,
                  outcome, regexp_extract(location, '[^/]+$') AS file, sha256
           FROM loads ORDER BY load_id""",
    )


def vintages(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return rows(
        con,
        "SELECT source, dataset, vintage, rows, first_period, last_period "  # noqa: S608
        f"FROM {VINTAGES} ORDER BY source, dataset, vintage",
    )


def newest_vintages(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The newest vintage of each source in the store (``vintages`` view): the report's
    "data as of"."""
    return rows(
        con,
        f"SELECT source, max(vintage) AS vintage FROM {VINTAGES} "  # noqa: S608
        "GROUP BY source ORDER BY source",
    )


def seed_figures(
    con: duckdb.DuckDBPyConnection, partner: str | None = None
) -> list[dict[str, Any]]:
    where = "AND (o.partner = ? OR o.reporter = ?)" if partner else ""
    params = [partner, partner] if partner else []
    return rows(
        con,
        f"""SELECT o.*, c.label_en AS document, p.label_en AS partner_name,
                   r.label_en AS reporter_name
            FROM observations_latest o
            LEFT JOIN codes c ON c.scheme = 'dataset' AND c.code = o.dataset
            LEFT JOIN codes p ON p.scheme = 'partner' AND p.code = o.partner
            LEFT JOIN codes r ON r.scheme = 'partner' AND r.code = o.reporter
            WHERE o.source = 'seed' {where} ORDER BY o.dataset, o.period""",  # noqa: S608
        params,
    )


def provenance(
    con: duckdb.DuckDBPyConnection, table: str, where: str = "TRUE", params: list[Any] | None = None
) -> list[dict[str, Any]]:
    """Which source, dataset and vintages the rows of ``table`` matching ``where`` came from.

    ``table`` must have ``source, dataset, vintage, period, freq`` columns (the site's materialized
    selections do). One row per source and dataset: ``vintages`` newest first.
    """
    return rows(
        con,
        f"""SELECT source, dataset, list(DISTINCT vintage ORDER BY vintage DESC) AS vintages,
                   count(*) AS rows, min(period) AS first, max(period) AS last,
                   min(freq) AS freq
            FROM {table} WHERE {where} GROUP BY source, dataset ORDER BY source, dataset""",  # noqa: S608
        params,
    )


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    got = rows(
        con,
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ?",
        [name],
    )
    return bool(got[0]["n"])


def sources_present(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Sources with at least one stored observation, alphabetically."""
    return [r["source"] for r in rows(con, "SELECT DISTINCT source FROM observations ORDER BY 1")]


#: the columns :func:`provenance` reads from a materialized selection
PROVENANCE_COLUMNS = ("source", "dataset", "vintage", "period", "freq")


def select_latest(
    con: duckdb.DuckDBPyConnection,
    name: str,
    where: str,
    columns: tuple[str, ...] | None = None,
) -> str:
    """Materialize the latest vintage of the observations matching ``where`` as temp table
    ``name`` (used for a chart's numbers *and* its provenance); returns the table name.
    ``columns`` (default all) keeps only those columns: on 1.2 million TransBorder rows,
    materializing the seven a chart reads takes half the time of all of them.

    What ``observations_latest WHERE where`` holds, for a ``where`` on key columns only (every
    caller's): as keys are unique within a load (the store checks), only the (source,
    dataset, period) cells holding rows of more than one load need the newest-vintage window;
    the others are taken as they are (the indicators' input slice does the same). When no cell
    holds two loads (every release day but a revision's), the rows are taken as they are
    without the window's joins: 1.2 million TransBorder rows in 0.24 s instead of 0.5 s."""
    keys = ", ".join(KEY_COLUMNS)
    if columns is None:
        inner = out = "*"
    else:
        inner = ", ".join(dict.fromkeys([*KEY_COLUMNS, "vintage", "load_id", *columns]))
        out = ", ".join(dict.fromkeys(columns))
    selected = f"FROM observations WHERE {where}"  # noqa: S608 (the callers' fixed filters)
    if not multi_load_cells(con, f"SELECT source, dataset, period, load_id {selected}"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {out} {selected}")
        return name
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {name} AS
        WITH f AS (SELECT {inner} {selected}),
        multi AS (SELECT source, dataset, period FROM f GROUP BY ALL
                  HAVING count(DISTINCT load_id) > 1)
        SELECT {out} FROM f ANTI JOIN multi USING (source, dataset, period)
        UNION ALL
        SELECT {out} FROM (SELECT * FROM f SEMI JOIN multi USING (source, dataset, period)
                       QUALIFY row_number() OVER (PARTITION BY {keys}
                                                  ORDER BY vintage DESC, load_id DESC) = 1)"""  # noqa: S608
    )
    return name
