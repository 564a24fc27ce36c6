"""The report page (``report.html``), what ``norte report --pdf`` prints (:mod:`norte.publish.pdf`).

A cover (title, the monitor's name, build date, data mode and the newest vintage of each
source), a table of contents linking every section, then the sections, each starting on a new
printed page: key findings (the home page's top findings), goals (the goals page's
traffic-light summary), the top-partner table, and the site's charts grouped by where they come
from (partners, sources, maps). Print rules (``@page`` margins and page numbers, page breaks)
are in the template.

Renders last: the partner, sources and maps families hand it their charts with
:func:`add_charts` (kept per language in ``site.cache["report_charts:<lang>"]``), and the
findings family leaves the top findings for the home page and this one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from norte.publish import queries as q
from norte.publish.context import NavItem, PageContext, SiteContext
from norte.publish.pages import PageFamily
from norte.publish.pages.board import board
from norte.publish.pages.findings import top_findings
from norte.publish.pages.goals import goal_summary, gt
from norte.publish.pages.home import table_note, table_title, top_tables

if TYPE_CHECKING:
    from norte.publish.charts import Chart

PAGE = "report.html"

#: chart sections of the report, in order: (section, catalog key of its heading)
CHART_SECTIONS = (
    ("goals", "report_charts_goals"),
    ("partners", "report_charts_partners"),
    ("sources", "report_charts_sources"),
    ("maps", "report_charts_maps"),
)


@dataclass
class ChartGroup:
    """Charts one page family hands to the report: its section and an optional sub-heading."""

    section: str
    heading: str | None = None
    charts: list[Chart] = field(default_factory=list)


def add_charts(
    ctx: PageContext, section: str, charts: Iterable[Chart], heading: str | None = None
) -> None:
    """Put ``charts`` in the report of this language under ``section`` (see
    :data:`CHART_SECTIONS`), after a sub-heading when ``heading`` is given."""
    if section not in dict(CHART_SECTIONS):
        raise ValueError(f"unknown report section {section!r}; one of {dict(CHART_SECTIONS)}")
    group = ChartGroup(section, heading, list(charts))
    if group.charts:
        ctx.site.cache.setdefault(f"report_charts:{ctx.lang}", []).append(group)


def data_as_of(ctx: PageContext) -> list[dict[str, str]]:
    """The newest vintage of each source in the store, labelled and dated in the language."""
    got = ctx.site.once("newest_vintages", lambda: q.newest_vintages(ctx.con))
    return [
        {
            "source": ctx.label("source", r["source"], r["source"]),
            "vintage": ctx.tr.date(r["vintage"]),
        }
        for r in got
        if r["vintage"] is not None
    ]


def built_on(ctx: PageContext) -> str:
    """The build time of the site as a date of the language and a UTC time."""
    return ctx.built_label()


def sections(ctx: PageContext) -> list[dict[str, Any]]:
    """The report's sections in order: ``id`` (the anchor), ``number``, ``title``, ``kind``,
    the section's content and ``subs`` (sub-headings listed in the table of contents)."""
    out: list[dict[str, Any]] = []

    def add(id_: str, key: str, kind: str, **content: Any) -> None:
        out.append(
            {"id": id_, "number": len(out) + 1, "title": ctx.t(key), "kind": kind, "subs": []}
            | content
        )

    add("findings", "report_findings", "findings", findings=top_findings(ctx.site, ctx.lang))
    add("goals", "report_goals", "goals", goals=goal_summary(ctx))
    tables = [
        {
            **t,
            "title": table_title(ctx, t),
            "note": table_note(ctx, t),
            "csv": ctx.asset(f"data/{t['id']}.csv"),
        }
        for t in top_tables(ctx.site)[:1]
    ]
    if tables:
        add("top-partners", "report_partners", "tables", tables=tables)
    groups: list[ChartGroup] = ctx.site.cache.get(f"report_charts:{ctx.lang}", [])
    for section, key in CHART_SECTIONS:
        blocks = [
            {"id": f"charts-{section}-{i}", "heading": g.heading, "charts": g.charts}
            for i, g in enumerate((g for g in groups if g.section == section), 1)
        ]
        if blocks:
            subs = [b for b in blocks if b["heading"]]
            add(f"charts-{section}", key, "charts", blocks=blocks, subs=subs)
    return out


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    ctx.write_page(
        PAGE,
        "report.html",
        sections=sections(ctx),
        as_of=data_as_of(ctx),
        board=board(ctx),
        built_on=built_on(ctx),
        g=lambda k, **v: gt(lang, k, **v),
    )


def nav(site: SiteContext) -> list[NavItem]:
    return [NavItem(PAGE, "nav_report", order=90)]


FAMILY = PageFamily("report", render, nav, order=100)
