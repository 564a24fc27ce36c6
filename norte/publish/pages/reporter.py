"""The partner's own side on its partner page (issue 13): Mexico and Canada as reporters, not
only as the U.S. Census Bureau records them.

- Mexico (INEGI): exports by HS chapter, by mode of transport and by customs office (BCMM open
  data, the newest calendar year whose twelve months are loaded), and light-vehicle exports to
  the United States, monthly (RAIAVL);
- Canada (Statistics Canada): exports to and imports from the United States, annual, and
  exports to the United States by province in the newest year (the loaded NAPCS table, in
  Canadian dollars — never converted).

Each chart names its source, dataset and vintage (:func:`norte.publish.queries.provenance`).
A partner whose statistics are not loaded gets no section (the page says which source would
give it)."""

from __future__ import annotations

from typing import Any

import duckdb

from norte.publish import charts as ch
from norte.publish import queries as q
from norte.publish.context import PageContext, SiteContext
from norte.publish.pages.common import source_refs

BCMM = ("inegi_bcmm",)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return q.rows(con, sql, params)


def _bcmm_year(con: duckdb.DuckDBPyConnection) -> int | None:
    """The newest year with all twelve months of Mexico's total exports (BCMM)."""
    got = _rows(
        con,
        "SELECT max(y) AS y FROM (SELECT year(period) AS y FROM observations_latest"
        " WHERE dataset = 'bcmm_mode_chapter' AND flow = 'export' AND mode IS NULL"
        " AND product_code IS NULL GROUP BY 1 HAVING count(DISTINCT period) = 12)",
        [],
    )
    y = got[0]["y"] if got else None
    return int(y) if y is not None else None


def mexico_data(site: SiteContext) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        con = site.con
        year = _bcmm_year(con)
        out: dict[str, Any] = {"year": year}
        if year is None:
            return out
        span = "year(period) = ? AND flow = 'export' AND reporter = 'MEX'"
        out["chapters"] = _rows(
            con,
            "SELECT product_code AS code, sum(value) AS usd FROM observations_latest"  # noqa: S608
            f" WHERE dataset = 'bcmm_mode_chapter' AND {span} AND product_scheme = 'HS2'"
            " GROUP BY 1 ORDER BY usd DESC LIMIT 10",
            [year],
        )
        out["modes"] = _rows(
            con,
            "SELECT mode AS code, sum(value) AS usd FROM observations_latest"  # noqa: S608
            f" WHERE dataset = 'bcmm_mode_chapter' AND {span} AND mode IS NOT NULL"
            " AND product_code IS NULL GROUP BY 1 ORDER BY usd DESC",
            [year],
        )
        out["customs"] = _rows(
            con,
            "SELECT geo_code AS code, sum(value) AS usd FROM observations_latest"  # noqa: S608
            f" WHERE dataset = 'bcmm_mode_customs' AND {span} AND geo_code IS NOT NULL"
            " GROUP BY 1 ORDER BY usd DESC LIMIT 10",
            [year],
        )
        out["bcmm_sources"] = q.provenance(
            con,
            "observations_latest",
            "dataset IN ('bcmm_mode_chapter', 'bcmm_mode_customs') AND year(period) = ?",
            [year],
        )
        out["vehicles"] = _rows(
            con,
            "SELECT period, sum(value) AS units FROM observations_latest"
            " WHERE dataset = 'raiavl_exports' AND flow = 'export' AND partner = 'USA'"
            " GROUP BY 1 ORDER BY 1",
            [],
        )
        out["vehicle_sources"] = q.provenance(
            con, "observations_latest", "dataset = 'raiavl_exports' AND partner = 'USA'", []
        )
        return out

    got: dict[str, Any] = site.once("reporter:MEX", compute)
    return got


def canada_data(site: SiteContext) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        con = site.con
        where = "dataset = 'statcan_trade_napcs_annual' AND reporter = 'CAN' AND partner = 'USA'"
        totals = _rows(
            con,
            "SELECT period, flow, value FROM observations_latest"  # noqa: S608
            f" WHERE {where} AND product_code IS NULL AND geo_code IS NULL ORDER BY period, flow",
            [],
        )
        last = max((r["period"] for r in totals), default=None)
        provinces = (
            _rows(
                con,
                "SELECT geo_code AS code, value FROM observations_latest"  # noqa: S608
                f" WHERE {where} AND flow = 'export' AND product_code IS NULL"
                " AND geo_code IS NOT NULL AND period = ? ORDER BY value DESC",
                [last],
            )
            if last is not None
            else []
        )
        return {
            "totals": totals,
            "last": last,
            "provinces": provinces,
            "sources": q.provenance(con, "observations_latest", where, []),
        }

    got: dict[str, Any] = site.once("reporter:CAN", compute)
    return got


def _bars(
    ctx: PageContext, cid: str, title: str, rows: list[dict[str, Any]], scheme: str, div: float
) -> ch.Chart:
    data = [
        {"name": ctx.label(scheme, r["code"], r["code"]), "value": round(r["usd"] / div, 6)}
        for r in rows
        if r["usd"] is not None
    ]
    unit = ctx.t("axis_usd_bn")
    return ch.bars(cid, title, "", data, "name", "value", unit, temporal=False, horizontal=True,
                   locale=ctx.tr.d3)  # fmt: skip


def mexico_charts(ctx: PageContext) -> list[ch.Chart]:
    """Mexico's side of its trade as INEGI records it (empty when not loaded)."""
    d = mexico_data(ctx.site)
    year = d.get("year")
    charts: list[ch.Chart] = []
    if year is not None:
        for key, scheme, title_key, dataset in (
            ("chapters", "HS2", "mx_side_chapters", "bcmm_mode_chapter"),
            ("modes", "mode", "mx_side_modes", "bcmm_mode_chapter"),
            ("customs", "mx_aduana", "mx_side_customs", "bcmm_mode_customs"),
        ):
            srcs = source_refs(ctx, [p for p in d["bcmm_sources"] if p["dataset"] == dataset])
            if d[key]:
                c = _bars(ctx, f"mex-side-{key}", ctx.t(title_key, year=year), d[key], scheme, 1e9)
                c.note = ctx.t("mx_side_note")
                c.sources = srcs
                c.alt = f"{c.title}. " + "; ".join(
                    f"{ctx.label(scheme, r['code'], r['code'])}: {ctx.tr.usd(r['usd'])}"
                    for r in d[key][:5]
                )
                charts.append(c)
    vehicles = d.get("vehicles") or []
    if vehicles:
        rows = [
            {"month": r["period"].isoformat(), "series": ctx.t("mx_side_vehicles_series"),
             "units": r["units"]}
            for r in vehicles
        ]  # fmt: skip
        c = ch.time_lines(
            "mex-side-vehicles",
            ctx.t("mx_side_vehicles"),
            ctx.t("mx_side_vehicles_note"),
            rows,
            "month",
            "units",
            "series",
            ctx.t("axis_vehicles"),
            ctx.tr.d3,
        )
        c.sources = source_refs(ctx, d["vehicle_sources"])
        last = vehicles[-1]
        c.alt = f"{c.title}. {ctx.tr.month(last['period'])}: {ctx.tr.num(last['units'])}"
        charts.append(c)
    return charts


def canada_charts(ctx: PageContext) -> list[ch.Chart]:
    """Canada's side of its trade with the United States as Statistics Canada records it."""
    d = canada_data(ctx.site)
    charts: list[ch.Chart] = []
    srcs = source_refs(ctx, d["sources"])
    if d["totals"]:
        labels = {"export": ctx.t("ca_side_exports"), "import": ctx.t("ca_side_imports")}
        rows = [
            {"year": str(r["period"].year), "series": labels.get(r["flow"], r["flow"]),
             "cad_bn": round(r["value"] / 1e9, 6)}
            for r in d["totals"]
        ]  # fmt: skip
        c = ch.time_lines(
            "can-side-totals",
            ctx.t("ca_side_totals"),
            ctx.t("ca_side_note"),
            rows,
            "year",
            "cad_bn",
            "series",
            ctx.t("axis_cad_bn"),
            ctx.tr.d3,
        )
        c.sources = srcs
        c.alt = f"{c.title}. " + "; ".join(
            f"{r['series']} {r['year']}: {r['cad_bn']:.1f}" for r in rows[-2:]
        )
        charts.append(c)
    if d["provinces"] and d["last"] is not None:
        data = [
            {"name": ctx.label("iso3166_2", r["code"], r["code"]), "value": r["value"] / 1e9}
            for r in d["provinces"]
            if r["value"]
        ]
        c = ch.bars("can-side-provinces", ctx.t("ca_side_provinces", year=d["last"].year),
                    ctx.t("ca_side_note"), data, "name", "value", ctx.t("axis_cad_bn"),
                    temporal=False, horizontal=True, locale=ctx.tr.d3)  # fmt: skip
        c.sources = srcs
        c.alt = f"{c.title}. " + "; ".join(f"{r['name']}: {r['value']:.1f}" for r in data[:5])
        charts.append(c)
    return charts


def own_side(ctx: PageContext, code: str) -> list[ch.Chart]:
    """The partner's own statistics, as charts (Mexico, Canada; none for other partners)."""
    if code == "MEX":
        return mexico_charts(ctx)
    if code == "CAN":
        return canada_charts(ctx)
    return []
