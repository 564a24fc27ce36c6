"""The board: the four shared goals with their lights, as the home page leads with it and the
PDF cover prints it (one function, so the two always agree).

Each goal gives its lights counted by colour (stakeholders' lights rolled up, as on the goals
page) and one small multiple per lit light of the goal itself: a sparkline of the indicator at
its newest input vintage, the light, the number that decided it (the CAGR for a direction of
travel, the latest value against the green band for a threshold, the change since the base
period or the gap to the benchmark, the projection against a dated target), the latest value
with its period, and the method in one line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from norte.goals.catalog import Goal
from norte.goals.stakeholders import Light
from norte.goals.status import Status, series, vintages
from norte.publish import charts as ch
from norte.publish.context import PageContext, SiteContext
from norte.publish.pages.common import period
from norte.publish.pages.goals import COLORS, _data, _fmt, _units, goal_summary, gt

#: the colours a light can have (grey lights are counted, not drawn)
LIT = ("on_track", "at_risk", "off_track")


def _what(g: Goal, x: Light) -> tuple[str, dict[str, str]] | None:
    """The indicator id and selection a light reads."""
    for r in g.indicators:
        if r.key == x.id:
            return r.id, dict(r.select)
    for t in g.targets:
        if t.id == x.id and t.indicator is not None:
            return t.indicator, dict(t.select)
    return None


def spark_values(site: SiteContext, g: Goal, x: Light) -> list[float]:
    """The light's series at its newest input vintage (oldest first), at most the last 40
    periods; empty when it cannot be read as one series."""

    def compute() -> list[float]:
        what = _what(g, x)
        if what is None:
            return []
        vs = vintages(site.con, what[0])
        if not vs:
            return []
        rows, _, varying = series(site.con, what[0], what[1], vs[-1])
        return [] if varying else [v for _, v in rows][-40:]

    got: list[float] = site.once(f"board_spark:{g.id}:{x.id}", compute)
    return got


def _unit(g: Goal, x: Light) -> str | None:
    for t in g.targets:
        if t.id == x.id and t.unit:
            return t.unit
    return _units().get(x.indicator_id or "")


def decided(ctx: PageContext, s: Status, unit: str | None) -> str:
    """The number that decided the light, in a line."""
    lang = ctx.lang

    def when(d: dt.date | None) -> str:
        return period(ctx, d, s.freq) if d is not None else ""

    if s.method == "threshold":
        return gt(
            lang,
            "dec_threshold",
            value=_fmt(ctx, s.latest_value, unit),
            period=when(s.latest_period),
            green=_fmt(ctx, s.tolerance_on, unit),
        )
    if s.method == "direction":
        return gt(
            lang,
            "dec_direction",
            rate=ctx.tr.pct(s.growth),
            start=when(s.trend_from_period),
            end=when(s.latest_period),
        )
    if s.method == "benchmark" and s.trend_from_period is None:  # against a base period
        return gt(lang, "dec_base", rate=ctx.tr.pct(s.growth), base=when(s.baseline_period))
    if s.method == "benchmark":
        return gt(
            lang,
            "dec_bench",
            value=_fmt(ctx, s.latest_value, unit),
            other=_fmt(ctx, s.target_value, unit),
            period=when(s.latest_period),
        )
    return gt(
        lang,
        "dec_target",
        value=_fmt(ctx, s.projected_value, unit),
        target=_fmt(ctx, s.target_value, unit),
    )


def _method(ctx: PageContext, s: Status) -> str:
    kind = s.method if s.method in ("threshold", "direction") else "target"
    if s.method == "benchmark":
        kind = "base" if s.trend_from_period is None else "benchmark"
    return gt(ctx.lang, f"mshort_{kind}")


def card(ctx: PageContext, g: Goal, x: Light) -> dict[str, Any]:
    """One small multiple of the board."""
    s, unit = x.status, _unit(g, x)
    colour = COLORS[s.status]
    return {
        "id": x.id,
        "href": f"goal-{g.shared_number}.html#{x.id}",
        "title": x.title.get(ctx.lang) or x.title["en"],
        "status": s.status,
        "label": gt(ctx.lang, f"status_{s.status}"),
        "colour": colour,
        "spark": ch.sparkline(spark_values(ctx.site, g, x), colour),
        "decided": decided(ctx, s, unit),
        "latest": f"{_fmt(ctx, s.latest_value, unit)} ({period(ctx, s.latest_period, s.freq)})"
        if s.latest_value is not None and s.latest_period is not None
        else "",
        "method": _method(ctx, s),
    }


def board(ctx: PageContext) -> list[dict[str, Any]]:
    """The shared goals in order: :func:`~norte.publish.pages.goals.goal_summary`'s fields
    (number, href, title, counts …) and ``cards``, the small multiples of its lit lights."""
    d = _data(ctx.site)
    out = []
    for g, summary in zip(d["shared"], goal_summary(ctx), strict=True):
        lit = [x for x in d["lights"][g.id] if x.status.status in LIT]
        out.append({**summary, "cards": [card(ctx, g, x) for x in lit]})
    return out
