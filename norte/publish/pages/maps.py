"""Maps: the Shared Prosperity Map (Social Progress Index by Mexican state, with what exists on
the U.S. side) and truck crossings by U.S. land port. Geometry: :mod:`norte.publish.geo`
(geoshape when the states' boundaries are available, a tile grid otherwise)."""

from __future__ import annotations

from typing import Any

from norte.publish import charts as ch
from norte.publish import geo
from norte.publish import queries as q
from norte.publish.context import NavItem, PageContext, SiteContext
from norte.publish.pages import PageFamily
from norte.publish.pages.common import source_refs, spi_summary
from norte.publish.pages.maps_border import (
    GREY,
    OUTLINE,
    SPI_SCHEME,
    crossings_chart,
    map_base,
    tile_grid,
    transborder_states_chart,
)
from norte.publish.pages.report import add_charts

PAGE = "prosperity-map.html"


def spi_data(site: SiteContext) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        con = site.con
        t = q.select_latest(
            con,
            "_site_spi",
            "source = 'spi' AND measure = 'spi_overall' AND geo_scheme = 'iso3166_2' "
            "AND period = (SELECT max(period) FROM observations WHERE source = 'spi' "
            "AND measure = 'spi_overall')",
        )
        rows = q.rows(con, f"SELECT geo_code, period, value FROM {t} ORDER BY geo_code")  # noqa: S608
        us = q.rows(
            con,
            "SELECT count(*) AS n FROM observations WHERE measure = 'spi_overall' "
            "AND geo_scheme IN ('us_state', 'iso3166_2') AND geo_code LIKE 'US-%'",
        )
        return {"rows": rows, "sources": q.provenance(con, t), "us_rows": us[0]["n"]}

    result: dict[str, Any] = site.once("spi_map", compute)
    return result


def prosperity_chart(ctx: PageContext) -> ch.Chart | None:
    d = spi_data(ctx.site)
    if not d["rows"]:
        return None
    year = d["rows"][0]["period"].year
    title = ctx.t("map_spi_title", year=year)
    score_title = ctx.t("map_spi_legend")
    scores = {r["geo_code"]: r["value"] for r in d["rows"]}
    g = geo.load(ctx.site.geo_dir)
    csv_rows = [
        {"iso3166_2": c, "state": ctx.label("iso3166_2", c), "year": year, "spi_overall": v}
        for c, v in scores.items()
    ]
    note = (
        ctx.t("map_spi_note")
        + " "
        + (ctx.t("map_us_no_spi") if not d["us_rows"] else ctx.t("map_us_spi", n=d["us_rows"]))
    )
    if g.us_states is not None and g.mx_states is not None:
        mx = [
            {**f, "properties": {
                "name": ctx.label("iso3166_2", str(f.get("id") or f["properties"].get("id"))),
                "score": scores.get(str(f.get("id") or f["properties"].get("id"))),
            }}
            for f in g.mx_states["features"]
        ]  # fmt: skip
        us = [
            {**f, "properties": {"name": f["properties"].get("name")}}
            for f in g.us_states["features"]
            if str(f.get("id")) not in geo.US_OFF_MAP
        ]
        spec = map_base(title)
        spec["layer"] = [
            {
                "data": {"values": us},
                "mark": {"type": "geoshape", "fill": GREY, "stroke": OUTLINE, "strokeWidth": 0.5},
            },
            {
                "data": {"values": mx},
                "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 0.5},
                "encoding": {
                    "color": {
                        "field": "properties.score",
                        "type": "quantitative",
                        "title": score_title,
                        "scale": {"scheme": SPI_SCHEME},
                    }
                },
            },
        ]
        note += " " + ctx.t("map_geometry", origin=", ".join(sorted(set(g.origin.values()))))
    else:
        spec = tile_grid(ctx, title, {c: v for c, v in scores.items()}, score_title)
        note += " " + ctx.t("map_tile_grid")
    chart = ch.make(
        "prosperity-map", title, note, spec, ch.to_csv(csv_rows, list(csv_rows[0])), ctx.tr.d3
    )
    chart.alt = ctx.t(
        "alt_map",
        title=title,
        summary=spi_summary(ctx, csv_rows)
        + " "
        + (ctx.t("map_us_no_spi") if not d["us_rows"] else ""),
    )
    chart.sources = source_refs(ctx, d["sources"])
    return ctx.publish_chart(chart)


#: five-class sequential colours (ColorBrewer) of the tile grid, by the Vega scheme they match


def render(ctx: PageContext) -> None:
    maps = [
        c
        for c in (prosperity_chart(ctx), crossings_chart(ctx), transborder_states_chart(ctx))
        if c is not None
    ]
    add_charts(ctx, "maps", maps)
    ctx.write_page(PAGE, "maps.html", charts=maps)


def nav(site: SiteContext) -> list[NavItem]:
    return [NavItem(PAGE, "nav_map", order=30)]


FAMILY = PageFamily("maps", render, nav, order=40, loads_only=True)
