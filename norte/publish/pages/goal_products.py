"""The "Product detail" section of a goal page: every catalog indicator of the goal that reads
a product or industry classification (HS chapter or heading, NAICS industry, ATP group), at the
level it reads, with its latest values — or, when no detail is loaded, the command that loads
it instead of an empty chart — and its classification note across an edition change
(:mod:`norte.indicators.bridging`)."""

from __future__ import annotations

from functools import cache
from typing import Any

from norte.indicators.bridging import Bridge, attach
from norte.indicators.catalog import Indicator, indicators, load_catalog
from norte.indicators.detail import detail
from norte.publish.context import PageContext
from norte.publish.pages.goal_format import _fmt, _period, gt


@cache
def _product_indicators() -> tuple[Indicator, ...]:
    from norte.indicators.detail import level

    return tuple(i for i in indicators(load_catalog()) if level(i.definition) is not None)


def _facts(ctx: PageContext, goal_number: int) -> list[dict[str, Any]]:
    """Language-free facts of the goal's product indicators (computed once per build)."""

    def compute() -> list[dict[str, Any]]:
        con = ctx.con
        out = []
        for ind in _product_indicators():
            d = ind.definition
            if d.goal != goal_number:
                continue
            got = detail(con, d, ind.partner)
            assert got is not None
            (bridged,) = attach(con, [d])
            rows = _latest_top(ctx).get(ind.id, [])
            out.append(
                {
                    "indicator": ind,
                    "detail": got,
                    "rows": rows,
                    "bridge": bridged.bridge,
                }
            )
        return out

    result: list[dict[str, Any]] = ctx.site.once(f"goal-products-{goal_number}", compute)
    return result


def _latest_top(ctx: PageContext) -> dict[str, list[tuple[Any, ...]]]:
    """Every product indicator's six largest values of its newest period (code, partner,
    period, freq, value), read in one query for all the goals (once per build)."""

    def compute() -> dict[str, list[tuple[Any, ...]]]:
        ids = [i.id for i in _product_indicators()]
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)  # placeholders only
        sql = (
            "SELECT indicator_id, product_code, partner, period, freq, value FROM ("  # noqa: S608
            "SELECT *, max(period) OVER (PARTITION BY indicator_id) AS newest "
            f"FROM indicator_values_latest WHERE indicator_id IN ({marks})) "
            "WHERE period = newest QUALIFY row_number() OVER (PARTITION BY indicator_id "
            "ORDER BY value DESC, product_code, partner) <= 6 "
            "ORDER BY indicator_id, value DESC, product_code, partner"
        )
        got = ctx.con.execute(sql, ids).fetchall()
        out: dict[str, list[tuple[Any, ...]]] = {}
        for ind, *row in got:
            out.setdefault(str(ind), []).append(tuple(row))
        return out

    result: dict[str, list[tuple[Any, ...]]] = ctx.site.once("goal-products-top", compute)
    return result


def product_views(ctx: PageContext, goal_number: int) -> list[dict[str, Any]]:
    """What the section shows for each indicator, in the page's language."""
    lang = ctx.lang
    views = []
    for f in _facts(ctx, goal_number):
        ind: Indicator = f["indicator"]
        got = f["detail"]
        rows = f["rows"]
        values = [
            (" ".join(str(x) for x in (code, partner) if x), _fmt(ctx, v, ind.definition.unit))
            for code, partner, _p, _f, v in rows
        ]
        views.append(
            {
                "id": ind.id,
                "title": ind.title(lang),
                "level": got.level,
                "latest": gt(lang, "products_latest", period=_period(ctx, rows[0][2], rows[0][3]))
                if rows
                else None,
                "shown": values,  # not "values": Jinja would find the dict's method
                "none": None if got.loaded else gt(lang, "products_none"),
                "command": got.command,
                "classification": bridge_note(f["bridge"], lang),
                "caveats": ind.definition.caveats.get(lang),
            }
        )
    return views


def bridge_note(b: Bridge | None, lang: str) -> str | None:
    """The classification note of ``b`` in the page's language: which editions, the converted
    codes' files, where each stopped code starts (in English with the full reason, the same
    sentence as the indicator's JSON; es/fr name the codes and the break, the JSON keeps the
    reason)."""
    if b is None:
        return None
    parts = [
        gt(
            lang,
            "bridge_segment",
            ed=s.edition,
            first=f"{s.first:%Y-%m}",
            last=f"{s.last:%Y-%m}",
            n=s.converted,
            target=b.target,
            files=", ".join(s.files),
        )
        for s in b.segments
        if s.codes
    ]
    parts += [
        gt(
            lang,
            "bridge_stop",
            reason=s.reason,
            codes=", ".join(s.codes),
            target=b.target,
            at=f"{s.at:%Y-%m}",
        )
        for s in b.stops
    ]
    return gt(lang, "bridge_lead", eds=" → ".join(b.editions)) + "; ".join(parts) + "."
