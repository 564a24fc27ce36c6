"""The site's findings page (``findings.html``) and feed (``findings.atom``), per language.

A page family (``norte.publish.pages``): it reads the ``findings`` table that ``norte build``
fills, so the site, the feed and ``norte findings`` show the same stories."""

from __future__ import annotations

import json
from typing import Any

from norte.findings.feed import to_atom
from norte.findings.model import Finding
from norte.findings.run import read
from norte.publish import charts as ch
from norte.publish.charts import Chart
from norte.publish.context import NavItem, PageContext, SiteContext
from norte.publish.pages import PageFamily

PAGE_LIMIT = 100
HOME_LIMIT = 5


def _findings(site: SiteContext) -> list[Finding]:
    def load() -> list[Finding]:
        from norte import settings

        config, path = settings.load_toml(None)
        review = settings.flag_on(settings.resolve("findings_review", None, config, path))
        try:
            return read(site.con, limit=PAGE_LIMIT, review="published" if review else None)
        except Exception:  # a store without the findings table (older schema): no findings
            return []

    found: list[Finding] = site.once("findings", load)
    return found


def rows(found: list[Finding], lang: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f.id,
            "type": f.type,
            "period": f.period,
            "score": f.score,
            "headline": f.headline[lang],
            "text": f.text[lang],
            "sources": f.sources,
            "meta": f.meta.get(lang, ""),
        }
        for f in found
    ]


#: Findings drawn with their chart (the best first): the findings page lists up to
#: PAGE_LIMIT, each chart is two renders per language; the top ones are the news.
CHART_LIMIT = 20
_DIMS = ("flow", "partner", "product_code", "mode", "geo_code", "detail")
_WINDOW_YEARS = {"A": 12, "Q": 6, "M": 5}


def _chart_rows(ctx: PageContext, desc: dict[str, Any]) -> list[dict[str, Any]]:
    """The values a finding's ``chart`` descriptor names (docs/findings.md, "Metadata line
    and chart"): its indicator(s), its series' dimensions (or the ranked ``partners``)."""
    ids = [str(i) for i in (desc.get("indicators") or [desc.get("indicator")]) if i]
    if not ids:
        return []
    where = [f"indicator_id IN ({', '.join('?' for _ in ids)})"]
    params: list[Any] = list(ids)
    series = {k: v for k, v in dict(desc.get("series") or {}).items() if k in _DIMS}
    partners = [str(p) for p in desc.get("partners") or []]
    if partners:
        series.pop("partner", None)
        where.append(f"partner IN ({', '.join('?' for _ in partners)})")
        params += partners
    for k, v in sorted(series.items()):
        where.append(f"{k} = ?")  # k is one of _DIMS: a column name, never user text
        params.append(v)
    # the WHERE holds placeholders and column names of _DIMS only
    cond = " AND ".join(where)
    sql = f"SELECT indicator_id, partner, flow, unit, period, value FROM indicator_values_latest WHERE {cond} AND value IS NOT NULL ORDER BY period, indicator_id, partner, flow"  # noqa: S608, E501
    # the same rows in every language: queried once per build
    key = json.dumps(["finding-chart-rows", sql, params], default=str)
    got = ctx.site.once(key, lambda: ctx.con.execute(sql, params).fetchall())
    marks = [str(x) for x in desc.get("highlight") or []] + [
        str(x) for x in desc.get("compare") or []
    ]
    if not got or not marks:
        return []
    years = _WINDOW_YEARS.get(str(desc.get("freq")), 5)
    first = min(marks)
    start = f"{int(first[:4]) - years}{first[4:]}"
    highlight = {str(x) for x in desc.get("highlight") or []}
    compare = {str(x) for x in desc.get("compare") or []}
    flows = {g[2] for g in got}
    rows: list[dict[str, Any]] = []
    for ind, partner, flow, unit, period, value in got:
        iso = period.isoformat()
        if iso < start:
            continue
        if partners:
            line = ctx.label("partner", partner)
        elif len(flows) > 1:
            line = ctx.label("flow", flow)
        else:
            line = ctx.label("flow", flow) if flow else ind
        rows.append(
            {
                "period": iso,
                "series": line,
                # money in US$ bn, as the axis says; other units as stored
                "value": value / 1e9 if unit == "USD" else value,
                "unit": "USD_bn" if unit == "USD" else unit,
                "mark": "highlight" if iso in highlight else "compare" if iso in compare else "",
            }
        )
    return rows


def finding_chart(ctx: PageContext, f: Finding) -> Chart | None:
    """A finding's own chart, built from its ``chart`` descriptor: the indicator's series over
    the finding's window, the periods the story is about marked in the accent colour, the
    comparison periods lighter, a streak's span as a band, breaks as dashed rules and gaps as
    shaded bands (never drawn as zero). Published as ``finding-<id>`` under the finding on the
    findings page and in the report. None when the descriptor names no stored series."""
    desc = f.chart
    if not isinstance(desc, dict) or not desc:
        return None
    rows = _chart_rows(ctx, desc)
    if not rows:
        return None
    spec = ch.base(f.headline[ctx.lang], rows, height=200)
    temporal: dict[str, Any] = {
        "field": "period",
        "type": "temporal",
        "title": None,
        "axis": {"format": "%Y", "tickCount": {"interval": "year", "step": 1}},
    }
    n = len({r["series"] for r in rows})
    rank = any("rank" in str(i) for i in desc.get("indicators") or [desc.get("indicator")])
    unit = rows[0]["unit"]
    y: dict[str, Any] = {
        "field": "value",
        "type": "quantitative",
        "title": ctx.t("axis_usd_bn")
        if unit == "USD_bn"
        else ctx.t("axis_percent")
        if unit == "percent"
        else ctx.label("unit", unit, unit),
    }
    if rank:
        y["scale"] = {"reverse": True}
        y["title"] = ctx.t("finding_chart_rank")
    layers: list[dict[str, Any]] = []
    for band, colour in (("span", "#56B4E9"), ("gaps", "#cccccc")):
        spans = desc.get(band)
        spans = [spans] if isinstance(spans, dict) else spans or []
        for sp in spans:
            if isinstance(sp, dict) and sp.get("from") and sp.get("to"):
                layers.append(
                    {
                        "data": {"values": [{"from": sp["from"], "to": sp["to"]}]},
                        "mark": {"type": "rect", "opacity": 0.25, "color": colour},
                        "encoding": {
                            "x": {"field": "from", "type": "temporal"},
                            "x2": {"field": "to"},
                        },
                    }
                )
    breaks = [b.get("period") if isinstance(b, dict) else b for b in desc.get("breaks") or []]
    if any(breaks):
        layers.append(
            {
                "data": {"values": [{"period": b} for b in breaks if b]},
                "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#555"},
                "encoding": {"x": {"field": "period", "type": "temporal"}},
            }
        )
    layers.append(
        {
            "mark": {"type": "line", "strokeWidth": 1.6},
            "encoding": {"x": temporal, "y": y, **ch.series_encoding("series", n, line=True)},
        }
    )
    layers.append(
        {
            "transform": [{"filter": "datum.mark != ''"}],
            "mark": {"type": "point", "filled": True, "size": 70},
            "encoding": {
                "x": temporal,
                "y": y,
                "color": {
                    "field": "mark",
                    "type": "nominal",
                    "scale": {"domain": ["highlight", "compare"], "range": ["#D55E00", "#999999"]},
                    "legend": None,
                },
            },
        }
    )
    spec["layer"] = layers
    # the points' colours (story period / comparison) are their own scale, not the lines'
    spec["resolve"] = {"scale": {"color": "independent"}}
    chart = ch.make(
        f"finding-{f.id}",
        f.headline[ctx.lang],
        f.meta.get(ctx.lang, "") if isinstance(getattr(f, "meta", None), dict) else "",
        spec,
        ch.to_csv(rows, ["period", "series", "value", "unit", "mark"]),
        ctx.tr.d3,
    )
    chart.alt = f.text[ctx.lang]
    return ctx.publish_chart(chart)


def render(ctx: PageContext) -> None:
    found = _findings(ctx.site)
    shown = rows(found, ctx.lang)
    for i, (r, f) in enumerate(zip(shown, found, strict=True)):
        r["chart"] = finding_chart(ctx, f) if i < CHART_LIMIT else None
    # the home page shows the top findings (see top_findings)
    ctx.site.cache.setdefault("top_findings", {})[ctx.lang] = shown[:HOME_LIMIT]
    feed = "findings.atom"
    path = ctx.site.out / ctx.prefix / feed
    path.parent.mkdir(parents=True, exist_ok=True)
    atom = to_atom(
        found, ctx.lang, link=ctx.absolute("findings.html"), self_link=ctx.absolute(feed)
    )
    path.write_text(atom, encoding="utf-8")
    ctx.write_page("findings.html", "findings.html", findings=shown, feed=feed)


def top_findings(site: SiteContext, lang: str) -> list[dict[str, Any]]:
    """The best findings for the home page (rendered by this family before the home page)."""
    cached: dict[str, list[dict[str, Any]]] = site.cache.get("top_findings", {})
    return cached.get(lang, [])


def nav(site: SiteContext) -> list[NavItem]:
    return [NavItem("findings.html", "nav_findings", order=40)]


FAMILY = PageFamily("findings", render, nav, order=40)
