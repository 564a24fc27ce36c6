"""The goal pages' charts: a target's trend with its path, target and projection, and the
reasoning chart of an assessed indicator (:mod:`norte.publish.pages.reasoning`)."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any

from norte.goals.catalog import Goal, IndicatorRef, Target
from norte.goals.stakeholders import Light
from norte.goals.status import _path, period_of, series, vintages, years
from norte.publish import charts as ch
from norte.publish.context import PageContext
from norte.publish.pages import reasoning as rs
from norte.publish.pages.goal_format import axis_scale, gt, words


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


@cache
def _titles() -> dict[str, dict[str, str]]:
    from norte.indicators import indicators, load_catalog

    return {
        i.id: {lang: i.title(lang) for lang in ("en", "es", "fr")}
        for i in indicators(load_catalog())
    }
