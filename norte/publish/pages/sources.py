"""Source pages (``source-<name>.html``), one per source present in the store: coverage,
vintages, the files loaded, and a chart where one is meaningful (:data:`CHARTS`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from norte.publish import charts as ch
from norte.publish import queries as q
from norte.publish.context import NavItem, PageContext, SiteContext
from norte.publish.pages import PageFamily
from norte.publish.pages.common import source_refs, spi_summary
from norte.publish.pages.report import add_charts


@dataclass(frozen=True)
class SourceChart:
    """An annual bar chart of one source: rows ``(year, series, value)`` from ``where``."""

    where: str
    #: SQL expression of the series (a code); labelled through ``codes`` scheme ``scheme``
    series: str | None
    scheme: str
    title_key: str
    axis_key: str
    note_key: str
    divide: float = 1.0
    #: only years with all 12 months (monthly sources)
    complete_years: bool = True


CHARTS: dict[str, SourceChart] = {
    "census": SourceChart(
        "source = 'census' AND dataset = 'trade_by_country' AND partner = 'WORLD' "
        "AND measure = 'value' AND freq = 'M' AND flow IN ('export', 'import')",
        "flow", "flow", "src_census_title", "axis_usd_bn", "census_note", 1e9,
    ),
    "bts": SourceChart(
        "source = 'bts' AND measure = 'trucks'",
        "partner", "partner", "src_bts_title", "axis_trucks_mn", "src_bts_note", 1e6,
    ),
    "transborder": SourceChart(
        # dot1 only: dot1/dot2/dot3 are three breakdowns of the same trade (never add them)
        "source = 'transborder' AND dataset = 'transborder_dot1' AND measure = 'value' "
        "AND freq = 'M' AND mode IS NOT NULL",
        "mode", "mode", "src_transborder_title", "axis_usd_bn", "src_transborder_note", 1e9,
    ),
    "inegi": SourceChart(
        "source = 'inegi' AND partner = 'USA' AND unit = 'vehicles'",
        None, "", "src_inegi_title", "axis_vehicles_th", "src_inegi_note", 1e3,
    ),
}  # fmt: skip


def page_name(source: str) -> str:
    return f"source-{source}.html"


def _data(site: SiteContext, source: str) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        con = site.con
        out: dict[str, Any] = {
            "coverage": [
                c for c in site.once("coverage", lambda: q.coverage(con)) if c.source == source
            ],
            "vintages": q.rows(
                con,
                "SELECT dataset, vintage, rows, first_period, last_period "  # noqa: S608
                f"FROM {q.VINTAGES} WHERE source = ? ORDER BY dataset, vintage",
                [source],
            ),
            "loads": [r for r in site.once("loads", lambda: q.loads(con)) if r["source"] == source],
        }
        spec = CHARTS.get(source)
        if spec is not None:
            keep_cols = (*q.PROVENANCE_COLUMNS, "value", *([spec.series] if spec.series else []))
            t = q.select_latest(con, f"_site_src_{source}", spec.where, keep_cols)
            series = spec.series or "NULL"
            having = "HAVING count(DISTINCT period) = 12" if spec.complete_years else ""
            years = q.rows(
                con,
                f"SELECT year(period) AS y FROM {t} GROUP BY 1 {having} ORDER BY 1",  # noqa: S608
            )
            keep = [int(r["y"]) for r in years]
            out["rows"] = q.rows(
                con,
                f"""SELECT year(period) AS year, {series} AS series, sum(value) AS value
                    FROM {t} WHERE year(period) IN (SELECT unnest(?::INTEGER[]))
                    GROUP BY ALL ORDER BY 1, 2""",  # noqa: S608
                [keep],
            )
            out["sources"] = q.provenance(
                con, t, "year(period) IN (SELECT unnest(?::INTEGER[]))", [keep]
            )
        return out

    result: dict[str, Any] = site.once(f"source:{source}", compute)
    return result


def spi_chart(ctx: PageContext) -> ch.Chart | None:
    """SPI overall score by Mexican state, latest year (horizontal bars, sorted)."""
    from norte.publish.pages.maps import spi_data

    d = spi_data(ctx.site)
    if not d["rows"]:
        return None
    year = d["rows"][0]["period"].year
    rows = [
        {"state": ctx.label("iso3166_2", r["geo_code"]), "spi_overall": r["value"]}
        for r in d["rows"]
    ]
    title = ctx.t("src_spi_title", year=year)
    chart = ch.bars(
        "source-spi",
        title,
        ctx.t("map_spi_note"),
        rows,
        "state",
        "spi_overall",
        ctx.t("map_spi_legend"),
        temporal=False,
        horizontal=True,
        locale=ctx.tr.d3,
    )
    chart.alt = ctx.t("alt_ranked", title=title, summary=spi_summary(ctx, rows))
    chart.sources = source_refs(ctx, d["sources"])
    return ctx.publish_chart(chart)


def source_chart(ctx: PageContext, source: str, d: dict[str, Any]) -> ch.Chart | None:
    if source == "spi":
        return spi_chart(ctx)
    spec = CHARTS.get(source)
    if spec is None or not d.get("rows"):
        return None
    label: Callable[[Any], str] = (
        (lambda code: ctx.label(spec.scheme, str(code))) if spec.series else (lambda _: "")
    )
    rows = [
        {
            "year": str(r["year"]),
            "series": label(r["series"]),
            "value": round(r["value"] / spec.divide, 6),
        }
        for r in d["rows"]
        if r["value"] is not None
    ]
    title = ctx.t(spec.title_key)
    chart = ch.bars(
        f"source-{source}",
        title,
        ctx.t(spec.note_key),
        rows,
        "year",
        "value",
        ctx.t(spec.axis_key),
        temporal=False,
        color="series" if spec.series else None,
        locale=ctx.tr.d3,
    )
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["year"]] = totals.get(r["year"], 0.0) + r["value"]
    hi = max(totals, key=lambda y: totals[y])
    lo = min(totals, key=lambda y: totals[y])
    chart.alt = ctx.t(
        "alt_bars",
        title=title,
        n=len(totals),
        first=min(totals),
        last=max(totals),
        max_label=hi,
        max=f"{ctx.tr.num(totals[hi], 1)} ({ctx.t(spec.axis_key)})",
        min_label=lo,
        min=f"{ctx.tr.num(totals[lo], 1)}",
    )
    chart.sources = source_refs(ctx, d["sources"])
    return ctx.publish_chart(chart)


def render(ctx: PageContext) -> None:
    for source in ctx.site.once("sources_present", lambda: q.sources_present(ctx.con)):
        d = _data(ctx.site, source)
        chart = source_chart(ctx, source, d)
        if chart is not None:
            add_charts(ctx, "sources", [chart])
        ctx.write_page(
            page_name(source),
            "source.html",
            source=source,
            name=ctx.label("source", source, source),
            coverage=d["coverage"],
            vintages=d["vintages"],
            loads=d["loads"],
            charts=[chart] if chart else [],
        )


def nav(site: SiteContext) -> list[NavItem]:
    present = site.once("sources_present", lambda: q.sources_present(site.con))
    site.cache["source_pages"] = [{"source": s, "href": page_name(s)} for s in present]
    return []


FAMILY = PageFamily("sources", render, nav, order=35, loads_only=True)
