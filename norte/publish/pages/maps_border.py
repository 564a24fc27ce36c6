"""Border maps: truck crossings by U.S. land port and TransBorder trade by state (tile grids
where no boundaries are available), with the sequential classes they share."""

from __future__ import annotations

from typing import Any

from norte.publish import charts as ch
from norte.publish import geo
from norte.publish import queries as q
from norte.publish.context import PageContext, SiteContext
from norte.publish.i18n import DASH
from norte.publish.pages.common import source_refs

#: states with no value: a light fill with a visible outline, so the states that have data carry
#: the map (the U.S. half no longer reads as a grey block)
GREY = "#f1f2f4"
OUTLINE = "#9aa1ab"
SPI_SCHEME = "yellowgreenblue"


def map_projection() -> dict[str, Any]:
    return {"type": "conicConformal", "rotate": [100, 0], "parallels": [17, 45]}


def map_base(title: str, width: int = 640, height: int = 520) -> dict[str, Any]:
    spec = ch.base(title, [], width=width, height=height)
    del spec["data"]
    spec["projection"] = map_projection()
    return spec


SEQUENTIAL = {
    "yellowgreenblue": ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
    "blues": ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
}


def classes(
    ctx: PageContext, values: list[float], scheme: str, sqrt: bool = False
) -> tuple[list[tuple[float, float]], list[str], list[str]]:
    """Equal-interval classes of ``values`` (on a square-root scale with ``sqrt``): the bounds,
    their legend labels and their fill colours."""
    colours = SEQUENTIAL[scheme]
    n = len(colours)

    def f(v: float) -> float:
        return max(v, 0.0) ** 0.5 if sqrt else v

    def inv(v: float) -> float:
        return v * v if sqrt else v

    lo, hi = f(min(values)), f(max(values))
    step = (hi - lo) / n or 1.0
    bounds = [(lo + i * step, lo + (i + 1) * step) for i in range(n)]
    labels = [f"{ctx.tr.num(inv(a), 1)}{DASH}{ctx.tr.num(inv(b), 1)}" for a, b in bounds]
    return bounds, labels, colours


def tile_grid(
    ctx: PageContext,
    title: str,
    values: dict[str, float],
    legend: str,
    us_values: dict[str, float] | None = None,
    scale: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One square per U.S. and Mexican state: Mexican states coloured by ``values`` (ISO 3166-2
    codes), U.S. states by ``us_values`` (USPS abbreviations) or grey when there are none.

    The fill of each tile is computed here (five equal-interval classes, see :func:`classes`),
    so its label is drawn dark or white, whichever has the higher WCAG contrast on that fill
    (:func:`norte.publish.charts.text_on`); each tile carries ``fill`` and ``ink``."""
    us_values = us_values or {}
    scale = scale or {"scheme": SPI_SCHEME}
    tiles = [
        {"code": a, "abbr": a, "row": r, "col": c, "value": us_values.get(a)}
        for a, (r, c) in geo.US_TILES.items()
    ] + [
        {"code": code, "abbr": code[3:], "row": r, "col": c, "value": values.get(code)}
        for code, (r, c) in geo.MX_TILES.items()
    ]
    known = [float(t["value"]) for t in tiles if t["value"] is not None]
    labels: list[str] = []
    colours: list[str] = []
    if known:
        sqrt = scale.get("type") == "sqrt"
        bounds, labels, colours = classes(ctx, known, str(scale.get("scheme")), sqrt)
        for t in tiles:
            if t["value"] is None:
                t["fill"], t["cls"] = GREY, None
                continue
            v = max(float(t["value"]), 0.0) ** 0.5 if sqrt else float(t["value"])
            i = next((i for i, (_, b) in enumerate(bounds) if v <= b), len(bounds) - 1)
            t["fill"], t["cls"] = colours[i], labels[i]
    else:
        for t in tiles:
            t["fill"], t["cls"] = GREY, None
    for t in tiles:
        t["ink"] = ch.text_on(str(t["fill"]))
    spec = ch.base(title, tiles, width=520, height=600)
    pos = {
        "x": {"field": "col", "type": "ordinal", "axis": None},
        "y": {"field": "row", "type": "ordinal", "axis": None},
    }
    spec["layer"] = [
        {
            "transform": [{"filter": "datum.value == null"}],
            "mark": {"type": "rect", "fill": GREY, "stroke": OUTLINE, "strokeWidth": 1},
            "encoding": pos,
        },
        {
            "transform": [{"filter": "datum.value != null"}],
            "mark": {"type": "rect", "stroke": "white", "strokeWidth": 2},
            "encoding": {
                **pos,
                "color": {
                    "field": "cls",
                    "type": "ordinal",
                    "title": legend,
                    "scale": {"domain": labels, "range": colours},
                },
            },
        },
        {
            "mark": {"type": "text", "fontSize": 9, "fontWeight": "bold"},
            "encoding": {
                **pos,
                "text": {"field": "abbr"},
                "color": {"field": "ink", "type": "nominal", "scale": None, "legend": None},
            },
        },
    ]
    return spec


def crossings_data(site: SiteContext) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        con = site.con
        if not q.has_table(con, "places"):
            return {"rows": []}
        t = q.select_latest(con, "_site_trucks", "source = 'bts' AND measure = 'trucks'")
        full = q.rows(
            con,
            f"""SELECT year(period) AS y FROM {t} GROUP BY 1
                HAVING count(DISTINCT period) = 12 ORDER BY 1 DESC LIMIT 1""",  # noqa: S608
        )
        if not full:
            return {"rows": []}
        year = int(full[0]["y"])
        rows = q.rows(
            con,
            f"""SELECT o.geo_code AS port, p.name, p.region AS state, o.partner,
                       p.lat, p.lon, sum(o.value) AS trucks
                FROM {t} o JOIN places p ON p.scheme = 'us_port' AND p.code = o.geo_code
                WHERE year(o.period) = ? AND p.lat IS NOT NULL
                GROUP BY ALL HAVING sum(o.value) > 0 ORDER BY trucks DESC""",  # noqa: S608
            [year],
        )
        prov = q.provenance(con, t, "year(period) = ?", [year])
        return {"rows": rows, "year": year, "sources": prov}

    result: dict[str, Any] = site.once("crossings_map", compute)
    return result


def crossings_chart(ctx: PageContext) -> ch.Chart | None:
    d = crossings_data(ctx.site)
    if not d["rows"]:
        return None
    g = geo.load(ctx.site.geo_dir)
    title = ctx.t("map_trucks_title", year=d["year"])
    spec = map_base(title, height=460)
    layers: list[dict[str, Any]] = []
    if g.countries is not None:
        near = [f for f in g.countries["features"] if str(f.get("id")) in ("484", "124")]
        layers.append(
            {
                "data": {"values": near},
                "mark": {"type": "geoshape", "fill": "#eceef1", "stroke": "white"},
            }
        )
    if g.us_states is not None:
        us = [f for f in g.us_states["features"] if str(f.get("id")) not in geo.US_OFF_MAP]
        layers.append(
            {
                "data": {"values": us},
                "mark": {
                    "type": "geoshape",
                    "fill": "#d9dde2",
                    "stroke": "white",
                    "strokeWidth": 0.5,
                },
            }
        )
    points = [
        {
            "port": r["port"],
            "name": r["name"],
            "state": r["state"],
            "border": ctx.label("partner", r["partner"]),
            "lat": r["lat"],
            "lon": r["lon"],
            "trucks": r["trucks"],
        }
        for r in d["rows"]
    ]
    layers.append(
        {
            "data": {"values": points},
            "mark": {"type": "circle", "opacity": 0.75, "stroke": "white", "strokeWidth": 0.5},
            "encoding": {
                "longitude": {"field": "lon", "type": "quantitative"},
                "latitude": {"field": "lat", "type": "quantitative"},
                "size": {
                    "field": "trucks",
                    "type": "quantitative",
                    "title": ctx.t("map_trucks_legend"),
                    "scale": {"range": [4, 900]},
                },
                "color": {"field": "border", "type": "nominal", "title": None},
            },
        }
    )
    spec["layer"] = layers
    if g.us_states is not None:
        # frame the map on the lower 48 and the ports, not on all of Canada and Mexico
        spec["projection"]["fit"] = [
            f for f in g.us_states["features"] if str(f.get("id")) not in geo.US_OFF_MAP
        ]
    note = ctx.t("map_trucks_note")
    csv_rows = [
        {k: p[k] for k in ("port", "name", "state", "border", "lat", "lon", "trucks")}
        for p in points
    ]
    chart = ch.make(
        "truck-crossings-map", title, note, spec, ch.to_csv(csv_rows, list(csv_rows[0])), ctx.tr.d3
    )
    top = points[:3]
    chart.alt = ctx.t(
        "alt_map",
        title=title,
        summary=ctx.t(
            "alt_trucks",
            n=len(points),
            top=", ".join(f"{p['name']} ({p['state']}) {ctx.tr.num(p['trucks'], 0)}" for p in top),
        ),
    )
    chart.sources = source_refs(ctx, d["sources"])
    return ctx.publish_chart(chart)


def transborder_state_data(site: SiteContext) -> dict[str, Any]:
    """U.S.–Mexico trade (exports + imports, all modes) of the latest complete year by U.S.
    state and by Mexican state, from TransBorder dot1 only (one breakdown: no double count)."""

    def compute() -> dict[str, Any]:
        con = site.con
        t = q.select_latest(
            con,
            "_site_tb_states",
            "source = 'transborder' AND dataset = 'transborder_dot1' AND measure = 'value' "
            "AND partner = 'MEX' AND freq = 'M'",
            (*q.PROVENANCE_COLUMNS, "geo_code", "detail", "value"),
        )
        full = q.rows(
            con,
            f"""SELECT year(period) AS y FROM {t} GROUP BY 1
                HAVING count(DISTINCT period) = 12 ORDER BY 1 DESC LIMIT 1""",  # noqa: S608
        )
        if not full:
            return {"us": {}, "mx": {}}
        year = int(full[0]["y"])
        us = q.rows(
            con,
            f"""SELECT geo_code AS code, sum(value) AS v FROM {t}
                WHERE year(period) = ? AND geo_code LIKE 'US-__' GROUP BY 1""",  # noqa: S608
            [year],
        )
        mx = q.rows(
            con,
            f"""SELECT regexp_extract(detail, 'mexstate=([^;]+)', 1) AS code, sum(value) AS v
                FROM {t} WHERE year(period) = ? GROUP BY 1""",  # noqa: S608
            [year],
        )
        total = q.rows(
            con,
            f"SELECT sum(value) AS v FROM {t} WHERE year(period) = ?",  # noqa: S608
            [year],
        )[0]["v"]
        return {
            "year": year,
            "us": {r["code"][3:]: r["v"] for r in us},
            "mx": {r["code"]: r["v"] for r in mx if r["code"] in geo.MX_TILES},
            "total": total,
            "sources": q.provenance(con, t, "year(period) = ?", [year]),
        }

    result: dict[str, Any] = site.once("transborder_states", compute)
    return result


def transborder_states_chart(ctx: PageContext) -> ch.Chart | None:
    d = transborder_state_data(ctx.site)
    if not d["us"] and not d["mx"]:
        return None
    title = ctx.t("map_tb_title", year=d["year"])
    legend = ctx.t("axis_usd_bn")
    us_bn = {a: v / 1e9 for a, v in d["us"].items()}
    mx_bn = {c: v / 1e9 for c, v in d["mx"].items()}
    scale: dict[str, Any] = {"scheme": "blues", "type": "sqrt"}
    color = {"type": "quantitative", "title": legend, "scale": scale}
    g = geo.load(ctx.site.geo_dir)
    note = ctx.t("map_tb_note")
    if g.us_states is not None and g.mx_states is not None:
        us = [
            {**f, "properties": {"name": f["properties"].get("name"),
                                 "v": us_bn.get(geo.US_FIPS.get(str(f.get("id")), ""))}}
            for f in g.us_states["features"]
            if str(f.get("id")) not in geo.US_OFF_MAP
        ]  # fmt: skip
        mx = [
            {**f, "properties": {"v": mx_bn.get(str(f.get("id") or f["properties"].get("id")))}}
            for f in g.mx_states["features"]
        ]
        spec = map_base(title)
        spec["layer"] = [
            {
                "data": {"values": layer},
                "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 0.5},
                "encoding": {"color": {"field": "properties.v", **color}},
            }
            for layer in (us, mx)
        ]
        note += " " + ctx.t("map_geometry", origin=", ".join(sorted(set(g.origin.values()))))
    else:
        spec = tile_grid(ctx, title, mx_bn, legend, us_values=us_bn, scale=scale)
        note += " " + ctx.t("map_tile_grid")
    csv_rows = [
        {"country": "USA", "state": f"US-{a}", "name": ctx.label("iso3166_2", f"US-{a}"),
         "year": d["year"], "usd": v}
        for a, v in sorted(d["us"].items(), key=lambda kv: -kv[1])
    ] + [
        {"country": "MEX", "state": c, "name": ctx.label("iso3166_2", c), "year": d["year"], "usd": v}
        for c, v in sorted(d["mx"].items(), key=lambda kv: -kv[1])
    ]  # fmt: skip
    chart = ch.make(
        "transborder-states-map", title, note, spec, ch.to_csv(csv_rows, list(csv_rows[0])),
        ctx.tr.d3,
    )  # fmt: skip
    top_us = [r for r in csv_rows if r["country"] == "USA"][:3]
    top_mx = [r for r in csv_rows if r["country"] == "MEX"][:3]
    chart.alt = ctx.t(
        "alt_map",
        title=title,
        summary=ctx.t(
            "alt_tb_states",
            us=", ".join(f"{r['name']} {ctx.tr.usd(r['usd'])}" for r in top_us),
            mx=", ".join(f"{r['name']} {ctx.tr.usd(r['usd'])}" for r in top_mx),
            total=ctx.tr.usd(d["total"]),
        ),
    )
    chart.sources = source_refs(ctx, d["sources"])
    return ctx.publish_chart(chart)
