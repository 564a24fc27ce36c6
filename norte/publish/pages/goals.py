"""Goal pages (``goals.html``, ``goal-1.html`` … ``goal-4.html``): the four shared goals with a
traffic light per target — its numbers, method, rationale and citation — a trend chart with
the target path, the status history, and the stakeholders' goals rolled up under each goal.

Strings specific to these pages live in ``norte/goals/i18n.toml`` (en/es/fr)."""

from __future__ import annotations

from functools import cache
from typing import Any

from norte.goals.catalog import Goal, Target, load_shared
from norte.goals.stakeholders import Light, lights, stakeholder_goals
from norte.goals.status import history
from norte.publish import interactive
from norte.publish.context import NavItem, PageContext, SiteContext
from norte.publish.pages import PageFamily
from norte.publish.pages.goal_charts import _chart, _titles, reasoning_chart
from norte.publish.pages.goal_format import (  # re-exported: board, report and tests use them
    COLORS,
    _fmt,
    _pct,
    _period,
    axis_scale,
    gt,
    strings,
    words,
)
from norte.publish.pages.goal_products import product_views

__all__ = [
    "COLORS",
    "FAMILY",
    "_chart",
    "_data",
    "_fmt",
    "_titles",
    "_units",
    "axis_scale",
    "goal_summary",
    "gt",
    "light_view",
    "nav",
    "reasoning_chart",
    "render",
    "strings",
    "words",
]


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
            products=product_views(ctx, g.number or 0),
            children=children,
            method=gt(lang, "method_doc", on=ctx.tr.pct(0.05), risk=ctx.tr.pct(0.15)),
        )


def nav(site: SiteContext) -> list[NavItem]:
    return [NavItem("goals.html", "nav_goals", order=20)]


FAMILY = PageFamily("goals", render, nav, order=40)
