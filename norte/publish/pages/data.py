"""The data page: coverage by source and dataset, every vintage, every load."""

from __future__ import annotations

from norte.publish import queries as q
from norte.publish.context import NavItem, PageContext, SiteContext
from norte.publish.pages import PageFamily


def render(ctx: PageContext) -> None:
    site = ctx.site
    ctx.write_page(
        "data.html",
        "data.html",
        coverage=site.once("coverage", lambda: q.coverage(site.con)),
        loads=site.once("loads", lambda: q.loads(site.con)),
        vintages=site.once("vintages", lambda: q.vintages(site.con)),
    )


def nav(site: SiteContext) -> list[NavItem]:
    return [NavItem("data.html", "nav_data", order=80)]


FAMILY = PageFamily("data", render, nav, order=30, loads_only=True)
