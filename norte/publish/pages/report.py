"""The report page (``report.html``): every chart of the site on one printable page, in the
order partner → sources → maps, with the top-partner table first. It is what ``norte report
--pdf`` prints (:mod:`norte.publish.pdf`). Renders last: it gathers the charts the other
families published for the same language (``site.cache["report_charts:<lang>"]``)."""

from __future__ import annotations

from norte.publish.context import NavItem, PageContext, SiteContext
from norte.publish.pages import PageFamily
from norte.publish.pages.home import table_title, top_tables

PAGE = "report.html"


def render(ctx: PageContext) -> None:
    charts = ctx.site.cache.get(f"report_charts:{ctx.lang}", [])
    tables = [
        {**t, "title": table_title(ctx, t), "csv": ctx.asset(f"data/{t['id']}.csv")}
        for t in top_tables(ctx.site)[:1]
    ]
    ctx.write_page(PAGE, "report.html", charts=charts, tables=tables)


def nav(site: SiteContext) -> list[NavItem]:
    return [NavItem(PAGE, "nav_report", order=90)]


FAMILY = PageFamily("report", render, nav, order=100)
