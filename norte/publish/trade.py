"""Census trade by country for the site, with every number taken from one release (vintage).

Why not ``observations_latest``: a newer release may carry partner rows but no world row (or
only some months), and the newest row of each key then mixes releases — a partner value of one
release over the world total of another. Here every table, share, rank and annual total names
the release it comes from:

- the periods a page shows come from the series it shows (the country rows for the ranking,
  the partner's own rows for a partner page), never from the world total;
- a year is *complete in a release* when that release holds its 12 months of both flows; each
  year is read from the newest release that has it complete;
- a share divides a partner's value by the world total **of the same release**; when that
  release has no (complete) world total the share is ``None`` and the table says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from norte.publish.queries import rows

#: every vintage of the Census monthly trade by country (the latest-only selection is
#: :data:`norte.publish.queries.TRADE`)
TRADE_V = "_site_trade_v"
COUNTRY = "JOIN codes c ON c.scheme = 'partner' AND c.code = t.partner AND c.kind = 'country'"


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {TRADE_V} AS
        SELECT source, dataset, partner, period, flow, value, vintage FROM observations
        WHERE source = 'census' AND dataset = 'trade_by_country' AND reporter = 'USA'
          AND measure = 'value' AND freq = 'M' AND flow IN ('export', 'import')"""  # noqa: S608
    )


@dataclass(frozen=True)
class Release:
    """A period of the country series and the release (vintage) it is read from."""

    start: dt.date
    end: dt.date
    vintage: dt.date
    year: int | None = None  # a complete year, or None for one month

    @property
    def id(self) -> str:
        return f"top-partners-{self.year}" if self.year else f"top-partners-{self.start:%Y-%m}"


def release_years(con: duckdb.DuckDBPyConnection) -> list[Release]:
    """Years complete in one release of the country rows (12 months × 2 flows), newest first,
    each with the newest release that has it complete."""
    got = rows(
        con,
        f"""SELECT y, max(vintage) AS v FROM (
              SELECT year(t.period) AS y, t.vintage FROM {TRADE_V} t {COUNTRY}
              GROUP BY 1, 2 HAVING count(DISTINCT (t.period, t.flow)) = 24)
            GROUP BY y ORDER BY y DESC""",  # noqa: S608
    )
    return [
        Release(dt.date(r["y"], 1, 1), dt.date(r["y"], 12, 1), r["v"], int(r["y"])) for r in got
    ]


def latest_month(con: duckdb.DuckDBPyConnection) -> Release | None:
    """The newest month with both flows of the country rows in one release, and that release."""
    got = rows(
        con,
        f"""SELECT period, max(vintage) AS v FROM (
              SELECT t.period, t.vintage FROM {TRADE_V} t {COUNTRY}
              GROUP BY 1, 2 HAVING count(DISTINCT t.flow) = 2)
            GROUP BY period ORDER BY period DESC LIMIT 1""",  # noqa: S608
    )
    if not got:
        return None
    return Release(got[0]["period"], got[0]["period"], got[0]["v"])


def top_partners(
    con: duckdb.DuckDBPyConnection, rel: Release, limit: int | None = 15
) -> list[dict[str, Any]]:
    """Countries ranked by total trade over the release's period, all from that release;
    ``share`` of the world total of the same release (``None`` when it has none)."""
    return rows(
        con,
        f"""WITH v AS (SELECT * FROM {TRADE_V} WHERE vintage = ? AND period BETWEEN ? AND ?),
            t AS (
              SELECT partner,
                sum(value) FILTER (WHERE flow = 'export') AS exports,
                sum(value) FILTER (WHERE flow = 'import') AS imports,
                count(DISTINCT (period, flow)) AS n
              FROM v GROUP BY partner),
            w AS (SELECT exports + imports AS world FROM t
                  WHERE partner = 'WORLD' AND n = 2 * (date_diff('month', ?, ?) + 1))
            SELECT row_number() OVER (ORDER BY t.exports + t.imports DESC) AS rank,
              t.partner, c.label_en AS name, t.exports, t.imports,
              t.exports - t.imports AS balance, t.exports + t.imports AS total,
              (t.exports + t.imports) / w.world AS share, ?::DATE AS vintage
            FROM t {COUNTRY} LEFT JOIN w ON TRUE
            ORDER BY total DESC LIMIT ?""",  # noqa: S608
        [rel.vintage, rel.start, rel.end, rel.start, rel.end, rel.vintage, limit or 10_000],
    )


def partner_years(con: duckdb.DuckDBPyConnection, partner: str) -> list[dict[str, Any]]:
    """Every year complete in one release of ``partner``'s own rows, oldest first: exports,
    imports, balance, total and the release (``vintage``) — the newest that has it complete."""
    return rows(
        con,
        f"""WITH r AS (
              SELECT year(period) AS year, vintage,
                sum(value) FILTER (WHERE flow = 'export') AS exports,
                sum(value) FILTER (WHERE flow = 'import') AS imports
              FROM {TRADE_V} WHERE partner = ? GROUP BY 1, 2
              HAVING count(DISTINCT (period, flow)) = 24)
            SELECT year, max(vintage) AS vintage, arg_max(exports, vintage) AS exports,
              arg_max(imports, vintage) AS imports,
              arg_max(exports, vintage) - arg_max(imports, vintage) AS balance,
              arg_max(exports, vintage) + arg_max(imports, vintage) AS total
            FROM r GROUP BY year ORDER BY year""",  # noqa: S608
        [partner],
    )


def ranks(con: duckdb.DuckDBPyConnection, year: int, vintage: dt.date) -> dict[str, int]:
    """Every country's rank in ``year`` within one release."""
    rel = Release(dt.date(year, 1, 1), dt.date(year, 12, 1), vintage, year)
    return {str(r["partner"]): int(r["rank"]) for r in top_partners(con, rel, None)}
