"""The goal pages' words and numbers: their strings (``norte/goals/i18n.toml``), values as
people read them in the page's language (``C$618.2 bn``, ``21.1 million persons``, through the
site's :class:`~norte.publish.i18n.Translator`) and chart axes scaled to match. Used by the goal
pages, the board cards and the report (PDF)."""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib import resources

from norte.publish.context import PageContext
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


def words(ctx: PageContext, unit: str | None, freq: str | None) -> rs.Words:
    """The reasoning chart's words and formatters in the page's language."""
    return rs.Words(
        t=lambda k: gt(ctx.lang, k),
        num=lambda v: _fmt(ctx, v, unit),
        rate=lambda v: ctx.tr.pct(v),
        period=lambda d: _period(ctx, d, freq),
    )
