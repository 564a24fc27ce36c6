"""Goal pages (``goals.html``, ``goal-1.html`` … ``goal-4.html``): the four shared goals with a
traffic light per target — its numbers, method, rationale and citation — a trend chart with
the target path, the status history, and the stakeholders' goals rolled up under each goal.

Strings specific to these pages live in ``norte/goals/i18n.toml`` (en/es/fr)."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from norte.goals.catalog import Goal, IndicatorRef, Target, load_shared
from norte.goals.stakeholders import Light, lights, stakeholder_goals
from norte.goals.status import _path, history, period_of, series, vintages, years
from norte.publish import charts as ch
from norte.publish import interactive
from norte.publish.context import NavItem, PageContext, SiteContext
from norte.publish.pages import PageFamily
from norte.publish.pages import reasoning as rs
from norte.publish.pages.common import period

COLORS = {
    "on_track": "#0b6e4f",
    "at_risk": "#8a5a00",
    "off_track": "#b3412a",
    "no_data": "#5b6270",
    "no_target": "#5b6270",
}


@cache
def strings(lang: str) -> dict[str, str]:
    text = (resources.files("norte") / "goals" / "i18n.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return {**data["en"], **data.get(lang, {})}


def gt(lang: str, key: str, **values: object) -> str:
    s = strings(lang)[key]
    return s.format(**values) if values else s


def _data(site: SiteContext) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        con = site.con
        shared = load_shared()
        extra = stakeholder_goals(con)
        return {
            "shared": shared,
            "extra": extra,
            "lights": {g.id: lights(con, [g]) for g in shared + extra},
        }

    result: dict[str, Any] = site.once("goals", compute)
    return result


def _fmt(ctx: PageContext, v: float | None, unit: str | None) -> str:
    if v is None:
        return "–"
    if unit == "percent":
        return ctx.tr.pct(v / 100)  # the locale's percent style, as every other percentage
    return ctx.tr.amount(v, unit)  # US$ / C$ in bn, persons and jobs in millions


def _pct(ctx: PageContext, v: float | None) -> str:
    return "–" if v is None else ctx.tr.pct(v)


def _period(ctx: PageContext, p: dt.date | None, freq: str | None) -> str:
    """A period as people read it: ``2024``, ``2024 Q4``, ``June 2024`` (in the language)."""
    return "" if p is None else period(ctx, p, freq)


def light_view(
    ctx: PageContext, x: Light, unit: str | None, target: Target | None
) -> dict[str, Any]:
    """Everything a light shows: label, color, reason and its numbers, formatted."""
    lang, s = ctx.lang, x.status
    tyears = target.trend_years if target else 3
    reason_key = f"why_{s.reason}"
    numbers: list[tuple[str, str]] = []
    t = x.target
    if t:
        when = gt(lang, "n_by", date=t["date"]) if t["date"] else gt(lang, "n_no_date")
        numbers.append((gt(lang, "n_target"), f"{_fmt(ctx, t['value'], unit)} {when}"))
    if s.baseline_value is not None:
        bp = _period(ctx, s.baseline_period, s.freq)
        numbers.append(
            (
                gt(lang, "n_baseline"),
                f"{_fmt(ctx, s.baseline_value, unit)} ({bp})".replace(" ()", ""),
            )
        )
    if s.latest_value is not None and s.latest_period is not None:
        numbers.append(
            (
                gt(lang, "n_latest"),
                f"{_fmt(ctx, s.latest_value, unit)} ({_period(ctx, s.latest_period, s.freq)})",
            )
        )
    if s.growth is not None:
        # cagr and direction of travel: a compound rate a year (a fraction); benchmark against
        # a base period: the change since the base (a fraction); linear: units a year
        if s.method in ("cagr", "direction"):
            trend = _pct(ctx, s.growth) + " / yr"
        elif s.method == "benchmark":
            trend = _pct(ctx, s.growth)
        else:
            trend = _fmt(ctx, s.growth, unit) + " / yr"
        numbers.append((gt(lang, "n_trend"), trend))
    if s.projected_value is not None:
        numbers.append((gt(lang, "n_projected"), _fmt(ctx, s.projected_value, unit)))
    if s.path_at_latest is not None:
        numbers.append((gt(lang, "n_path"), _fmt(ctx, s.path_at_latest, unit)))
    if s.periods_used is not None:
        numbers.append((gt(lang, "n_periods"), str(s.periods_used)))
    if s.method in ("cagr", "linear", "latest_vs_target"):
        numbers.append((gt(lang, "n_method"), gt(lang, f"method_{s.method}", years=tyears)))
    if s.tolerance_on is not None and x.kind == "target":
        numbers.append(
            (
                gt(lang, "n_tolerance"),
                f"{_pct(ctx, s.tolerance_on)} / {_pct(ctx, s.tolerance_risk)}",
            )
        )
    if s.input_vintage is not None:
        numbers.append((gt(lang, "n_vintage"), ctx.tr.date(s.input_vintage)))
    return {
        "id": x.id,
        "kind": gt(lang, f"kind_{x.kind}"),
        "title": x.title.get(lang) or x.title["en"],
        "status": s.status,
        "label": gt(lang, f"status_{s.status}"),
        "color": COLORS[s.status],
        "why": ""
        if s.status == "no_target" and x.note
        else (gt(lang, reason_key, years=tyears) if reason_key in strings(lang) else s.reason),
        "numbers": numbers,
        "rationale": t["rationale"].get(lang) if t else None,
        "citation": t["citation"] if t else None,
        "note": (x.note or {}).get(lang),
        "note_label": gt(lang, "data_needed") if x.kind == "commitment" else None,
        "chart": None,
        "history": [],
    }


def axis_scale(ctx: PageContext, unit: str | None) -> tuple[float, str | None]:
    """Divisor and axis title of a goal chart's values: US$ and C$ in billions, persons and
    jobs in millions, percentages as %, other units by name — never a bare
    1,000,000,000,000 (the same scales as :func:`_fmt`)."""
    if unit in ("USD", "CAD"):
        return 1e9, ctx.t(f"axis_{unit.lower()}_bn")
    if unit in ("persons", "jobs"):
        return 1e6, ctx.t(f"axis_{unit}_mn")
    if unit == "percent":
        return 1.0, ctx.t("axis_percent")
    return 1.0, unit


def _chart(
    ctx: PageContext,
    goal: Goal,
    t: Target,
    title: str,
    light: Light | None = None,
    unit: str | None = None,
) -> ch.Chart | None:
    """The indicator's values at its newest vintage with the target path, the target and the
    projection that decides the light (latest value to the projected value at the target
    date)."""
    assert t.indicator is not None and t.date is not None
    vs = vintages(ctx.con, t.indicator)
    if not vs:
        return None
    rows, freq, varying = series(ctx.con, t.indicator, dict(t.select), vs[-1])
    if not rows or varying or freq is None:
        return None
    lang = ctx.lang
    actual, path, target = (
        gt(lang, "series_actual"),
        gt(lang, "series_path"),
        gt(lang, "series_target"),
    )
    data: dict[dt.date, float] = dict(rows)
    tp = period_of(t.date, freq)
    out: list[dict[str, Any]] = [
        {"period": p.isoformat(), "series": actual, "value": v} for p, v in rows
    ]
    if t.baseline is not None:
        bp = period_of(t.baseline, freq)
        bv = t.baseline_value if t.baseline_value is not None else data.get(bp)
        if bv is not None and tp > bp:
            for y in range(bp.year, tp.year + 1):
                p = dt.date(y, bp.month, 1) if y < tp.year else tp
                v = _path(years(bp), bv, years(tp), t.value, years(p))
                out.append({"period": p.isoformat(), "series": path, "value": v})
    projection = ctx.t("series_projection")
    s = light.status if light is not None else None
    if s is not None and s.projected_value is not None and s.latest_period is not None:
        if s.latest_value is not None and tp > s.latest_period:
            for p, v in ((s.latest_period, s.latest_value), (tp, s.projected_value)):
                out.append({"period": p.isoformat(), "series": projection, "value": v})
    out.append({"period": tp.isoformat(), "series": target, "value": t.value})
    div, y_title = axis_scale(ctx, t.unit or unit)
    if div != 1.0:
        out = [{**r, "value": r["value"] / div} for r in out]
    chart_title = gt(lang, "chart_title", title=title)
    spec = ch.base(chart_title, out)
    names = [actual, path, projection, target]
    colour = {
        "field": "series",
        "type": "nominal",
        "title": None,
        "scale": {"domain": names, "range": ch.PALETTE[: len(names)]},
    }
    x: dict[str, Any] = {"field": "period", "type": "temporal", "title": None}
    if freq == "A":  # annual data labelled as years, one tick per year at most
        x["timeUnit"] = "year"
        x["axis"] = {"format": "%Y", "tickMinStep": 1}
    y_enc = {"field": "value", "type": "quantitative", "title": y_title}
    spec["layer"] = [
        {
            "transform": [{"filter": f"datum.series != '{target}'"}],
            "mark": {"type": "line", "strokeWidth": 1.8},
            "encoding": {
                "x": x,
                "y": y_enc,
                "color": colour,
                "strokeDash": {
                    "field": "series",
                    "type": "nominal",
                    "scale": {
                        "domain": [actual, path, projection],
                        "range": [[1, 0], [6, 4], [2, 2]],
                    },
                    "legend": None,
                },
            },
        },
        {
            "transform": [{"filter": f"datum.series == '{target}'"}],
            "mark": {"type": "point", "filled": True, "size": 90, "shape": "diamond"},
            "encoding": {"x": x, "y": y_enc, "color": colour},
        },
    ]
    note = gt(lang, "chart_note", vintage=ctx.tr.date(vs[-1]))
    chart = ch.make(
        f"goal-{goal.id}-{t.id}".replace(".", "-"),
        chart_title,
        note,
        spec,
        ch.to_csv(out, ["period", "series", "value"]),
        ctx.tr.d3,
    )
    chart.alt = f"{chart_title}. {note} " + "; ".join(
        f"{r['series']} {str(r['period'])[:7]}: {float(r['value']):.6g}" for r in out[-3:]
    )
    return chart


def words(ctx: PageContext, unit: str | None, freq: str | None) -> rs.Words:
    """The reasoning chart's words and formatters in the page's language."""
    return rs.Words(
        t=lambda k: gt(ctx.lang, k),
        num=lambda v: _fmt(ctx, v, unit),
        rate=lambda v: ctx.tr.pct(v),
        period=lambda d: _period(ctx, d, freq),
    )


def reasoning_chart(
    ctx: PageContext, goal: Goal, ref: IndicatorRef, x: Light, title: str, unit: str | None
) -> ch.Chart | None:
    """The chart of an assessed indicator that draws its method's reasoning
    (:mod:`norte.publish.pages.reasoning`), from the series at its newest input vintage."""
    a = ref.assess
    if a is None or x.status.status in ("no_data", "no_target"):
        return None
    vs = vintages(ctx.con, ref.id)
    if not vs:
        return None
    rows, freq, varying = series(ctx.con, ref.id, dict(ref.select), vs[-1])
    if not rows or varying or freq is None:
        return None
    bench: list[tuple[dt.date, float]] = []
    if a.benchmark is not None and (bvs := vintages(ctx.con, a.benchmark)):
        bench, _, bvary = series(ctx.con, a.benchmark, dict(a.benchmark_select), bvs[-1])
        bench = [] if bvary else bench
    div, y_title = axis_scale(ctx, unit)
    lang = ctx.lang
    chart_title = gt(lang, "reason_title", title=title)
    bench_name = None
    if a.benchmark is not None:
        bench_name = _titles().get(a.benchmark, {}).get(lang)
    spec, out = rs.reasoning_spec(
        chart_title,
        a,
        x.status,
        rows,
        freq,
        words(ctx, unit, freq),
        div,
        y_title,
        bench,
        bench_name,
    )
    vintage = ctx.tr.date(vs[-1])
    kind = "base" if a.method == "benchmark" and a.base_period else a.method
    note = gt(
        lang, f"reason_note_{kind}", citation=a.citation, years=a.window_years, vintage=vintage
    )
    chart = ch.make(
        re.sub(r"[^A-Za-z0-9]+", "-", f"goal-{goal.id}-{x.id}").strip("-"),
        chart_title,
        note,
        spec,
        ch.to_csv(out, ["period", "series", "value"]),
        ctx.tr.d3,
    )
    chart.alt = f"{chart_title}. {x.status.reason}. " + "; ".join(
        f"{r['series']} {str(r['period'])[:7]}: {r['value']}" for r in out[-4:]
    )
    return chart


def _views(ctx: PageContext, g: Goal, ls: list[Light]) -> list[dict[str, Any]]:
    units = _units()
    targets = {t.id: t for t in g.targets} | {c.id: c.target for c in g.commitments}
    refs = {r.key: r for r in g.indicators}
    out = []
    for x in ls:
        t = targets.get(x.id)
        unit = (t.unit if t and t.unit else None) or units.get(x.indicator_id or "")
        v = light_view(ctx, x, unit, t)
        ref = refs.get(x.id)
        if x.kind == "indicator" and ref is not None and ref.assess is not None:
            rchart = reasoning_chart(ctx, g, ref, x, v["title"], unit)
            if rchart is not None:
                v["chart"] = ctx.publish_chart(rchart)
        if x.kind == "target" and t is not None:
            chart = _chart(ctx, g, t, v["title"], x, unit)
            if chart is not None:
                interactive.indicator(ctx, chart, t.indicator or "", dict(t.select), t.unit or unit)
                v["chart"] = ctx.publish_chart(chart)
            v["history"] = [
                (ctx.tr.date(h.input_vintage), gt(ctx.lang, f"status_{h.status}"), h.status)
                for h in history(ctx.con, t)
            ]
        out.append(v)
    return out


@cache
def _titles() -> dict[str, dict[str, str]]:
    from norte.indicators import indicators, load_catalog

    return {
        i.id: {lang: i.title(lang) for lang in ("en", "es", "fr")}
        for i in indicators(load_catalog())
    }


@cache
def _units() -> dict[str, str]:
    from norte.indicators import indicators, load_catalog

    return {i.id: i.definition.unit for i in indicators(load_catalog())}


def goal_summary(ctx: PageContext) -> list[dict[str, Any]]:
    """The shared goals with their lights counted by status (stakeholders' lights rolled up
    under their goal): what ``goals.html`` shows, and the report's goals section."""
    d = _data(ctx.site)
    lang = ctx.lang
    extra: list[Goal] = d["extra"]
    summary = []
    for g in d["shared"]:
        assert g.number is not None
        all_lights: list[Light] = d["lights"][g.id] + [
            x for c in extra if c.parent == g.number for x in d["lights"][c.id]
        ]
        counts: dict[str, int] = {}
        for x in all_lights:
            counts[x.status.status] = counts.get(x.status.status, 0) + 1
        summary.append(
            {
                "number": g.number,
                "href": f"goal-{g.number}.html",
                "title": g.title[lang],
                "description": g.description[lang],
                "counts": [
                    (gt(lang, f"status_{k}"), n, COLORS[k])
                    for k in ("on_track", "at_risk", "off_track", "no_data", "no_target")
                    if (n := counts.get(k))
                ],
                "lights": [
                    (
                        gt(lang, f"status_{x.status.status}"),
                        COLORS[x.status.status],
                        x.title.get(lang) or x.title["en"],
                    )
                    for x in all_lights
                ],
            }
        )
    return summary


def render(ctx: PageContext) -> None:
    d = _data(ctx.site)
    lang = ctx.lang
    shared: list[Goal] = d["shared"]
    extra: list[Goal] = d["extra"]
    summary = goal_summary(ctx)
    ctx.write_page("goals.html", "goals.html", g=lambda k, **v: gt(lang, k, **v), goals=summary)
    for g in shared:
        children = [
            {
                "id": c.id,
                "owner": c.owner,
                "title": c.title[lang],
                "description": c.description[lang],
                "citation": c.citation,
                "lights": _views(ctx, c, d["lights"][c.id]),
            }
            for c in extra
            if c.parent == g.number
        ]
        views = _views(ctx, g, d["lights"][g.id])
        # the report (PDF) prints every light's chart under its goal
        from norte.publish.pages.report import add_charts

        heading = f"{gt(lang, 'goal_n', n=g.number)}. {g.title[lang]}"
        add_charts(ctx, "goals", [v["chart"] for v in views if v["chart"]], heading=heading)
        ctx.write_page(
            f"goal-{g.number}.html",
            "goal.html",
            g=lambda k, **v: gt(lang, k, **v),
            goal={
                "number": g.number,
                "title": g.title[lang],
                "description": g.description[lang],
                "citation": g.citation,
                "data_gaps": g.data_gaps.get(lang),
            },
            lights=views,
            children=children,
            method=gt(lang, "method_doc", on=ctx.tr.pct(0.05), risk=ctx.tr.pct(0.15)),
        )


def nav(site: SiteContext) -> list[NavItem]:
    return [NavItem("goals.html", "nav_goals", order=20)]


FAMILY = PageFamily("goals", render, nav, order=40)
