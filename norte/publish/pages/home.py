"""The home page: the board (the four goals and their lights, :mod:`norte.publish.pages.board`),
the top findings, then the top U.S. trading partners (latest month and complete years), partner and
source pages, and in seed mode the transcribed figures."""

from __future__ import annotations

from typing import Any

from norte.publish import queries as q
from norte.publish import trade
from norte.publish.context import NavItem, PageContext, SiteContext
from norte.publish.pages import PageFamily
from norte.publish.pages.board import board
from norte.publish.pages.goals import gt

PARTNERS = ("MEX", "CAN", "CHN")


def top_tables(site: SiteContext) -> list[dict[str, Any]]:
    """The partner ranking tables (language-neutral; titles are built per language): the
    newest month of the country rows when it is past the newest complete year, then the three
    newest complete years, each read from one release (:mod:`norte.publish.trade`)."""

    def compute() -> list[dict[str, Any]]:
        con = site.con
        years = trade.release_years(con)
        latest = trade.latest_month(con)
        releases: list[trade.Release] = []
        if latest is not None and (not years or latest.start.year > years[0].start.year):
            releases.append(latest)
        releases.extend(years[:3])
        tables: list[dict[str, Any]] = []
        for rel in releases:
            got = trade.top_partners(con, rel)
            t: dict[str, Any] = {
                "id": rel.id,
                "rows": got,
                "vintage": rel.vintage,
                "shares": any(r["share"] is not None for r in got),
            }
            t["year" if rel.year else "month"] = rel.year or rel.start
            tables.append(t)
            site.write_csv(t["id"], got)
        return tables

    result: list[dict[str, Any]] = site.once("top_tables", compute)
    return result


def table_title(ctx: PageContext, t: dict[str, Any]) -> str:
    if "month" in t:
        return ctx.t("top_partners_month", month=ctx.tr.month(t["month"]))
    return ctx.t("top_partners_year", year=t["year"])


def table_note(ctx: PageContext, t: dict[str, Any]) -> str:
    """The release a ranking table is read from, and why its shares are missing if they are."""
    note = ctx.t("table_release", date=ctx.tr.date(t["vintage"]))
    return note if t["shares"] else note + " " + ctx.t("table_no_world")


def render(ctx: PageContext) -> None:
    tables = [
        {
            **t,
            "title": table_title(ctx, t),
            "note": table_note(ctx, t),
            "csv": ctx.asset(f"data/{t['id']}.csv"),
        }
        for t in top_tables(ctx.site)
    ]
    seed = q.seed_figures(ctx.con) if ctx.mode == "seed" else []
    lang = ctx.lang
    ctx.write_page(
        "index.html",
        "index.html",
        board=board(ctx),
        g=lambda k, **v: gt(lang, k, **v),
        tables=tables,
        partners=[{"code": c, "name": ctx.label("partner", c)} for c in PARTNERS],
        source_pages=ctx.site.cache.get("source_pages", []),
        seed=seed,
    )


def nav(site: SiteContext) -> list[NavItem]:
    return [NavItem("index.html", "nav_home", order=0)]


FAMILY = PageFamily("home", render, nav, order=90)
