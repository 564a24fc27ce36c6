"""The home page: top U.S. trading partners (latest month and complete years), partner and
source pages, and in seed mode the transcribed figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from norte.publish import queries as q
from norte.publish.context import NavItem, PageContext, SiteContext
from norte.publish.pages import PageFamily

PARTNERS = ("MEX", "CAN", "CHN")


def top_tables(site: SiteContext) -> list[dict[str, Any]]:
    """The partner ranking tables (language-neutral; titles are built per language)."""

    def compute() -> list[dict[str, Any]]:
        con = site.con
        years = q.complete_years(con)
        latest = q.latest_month(con)
        tables: list[dict[str, Any]] = []
        if latest is not None and (not years or latest.year > years[0]):
            tables.append(
                {
                    "id": f"top-partners-{latest:%Y-%m}",
                    "month": latest,
                    "rows": q.top_partners(con, latest, latest),
                }
            )
        for y in years[:3]:
            tables.append(
                {
                    "id": f"top-partners-{y}",
                    "year": y,
                    "rows": q.top_partners(con, dt.date(y, 1, 1), dt.date(y, 12, 1)),
                }
            )
        for t in tables:
            site.write_csv(t["id"], t["rows"])
        return tables

    result: list[dict[str, Any]] = site.once("top_tables", compute)
    return result


def table_title(ctx: PageContext, t: dict[str, Any]) -> str:
    if "month" in t:
        return ctx.t("top_partners_month", month=ctx.tr.month(t["month"]))
    return ctx.t("top_partners_year", year=t["year"])


def render(ctx: PageContext) -> None:
    tables = [
        {**t, "title": table_title(ctx, t), "csv": ctx.asset(f"data/{t['id']}.csv")}
        for t in top_tables(ctx.site)
    ]
    seed = q.seed_figures(ctx.con) if ctx.mode == "seed" else []
    ctx.write_page(
        "index.html",
        "index.html",
        tables=tables,
        partners=[{"code": c, "name": ctx.label("partner", c)} for c in PARTNERS],
        source_pages=ctx.site.cache.get("source_pages", []),
        seed=seed,
    )


def nav(site: SiteContext) -> list[NavItem]:
    return [NavItem("index.html", "nav_home", order=0)]


FAMILY = PageFamily("home", render, nav, order=90)
