"""The site's findings page (``findings.html``) and feed (``findings.atom``), per language.

A page family (``norte.publish.pages``): it reads the ``findings`` table that ``norte build``
fills, so the site, the feed and ``norte findings`` show the same stories."""

from __future__ import annotations

from typing import Any

from norte.findings.feed import to_atom
from norte.findings.model import Finding
from norte.findings.run import read
from norte.publish import charts as ch
from norte.publish.charts import Chart
from norte.publish.context import NavItem, PageContext, SiteContext
from norte.publish.pages import PageFamily

PAGE_LIMIT = 100
HOME_LIMIT = 5


def _findings(site: SiteContext) -> list[Finding]:
    def load() -> list[Finding]:
        try:
            return read(site.con, limit=PAGE_LIMIT)
        except Exception:  # a store without the findings table (older schema): no findings
            return []

    found: list[Finding] = site.once("findings", load)
    return found


def rows(found: list[Finding], lang: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f.id,
            "type": f.type,
            "period": f.period,
            "score": f.score,
            "headline": f.headline[lang],
            "text": f.text[lang],
            "sources": f.sources,
        }
        for f in found
    ]


def finding_chart(ctx: PageContext, f: Finding) -> Chart | None:
    """The hook for a finding's own chart: a finding with a ``chart`` field holding a Vega-Lite
    spec (a dict with ``data.values``) gets it rendered and published as ``finding-<id>``, shown
    under the finding on the findings page and in the report's findings section. Findings
    without one (all of them until the findings module adds the field) show none."""
    spec = getattr(f, "chart", None)
    if not isinstance(spec, dict) or not spec:
        return None
    values = spec.get("data", {}).get("values") or []
    fields = list(values[0]) if values and isinstance(values[0], dict) else []
    chart = ch.make(
        f"finding-{f.id}",
        f.headline[ctx.lang],
        f.text[ctx.lang],
        spec,
        ch.to_csv(values, fields) if fields else "",
        ctx.tr.d3,
    )
    chart.alt = f.text[ctx.lang]
    return ctx.publish_chart(chart)


def render(ctx: PageContext) -> None:
    found = _findings(ctx.site)
    shown = rows(found, ctx.lang)
    for r, f in zip(shown, found, strict=True):
        r["chart"] = finding_chart(ctx, f)
    # the home page shows the top findings (see top_findings)
    ctx.site.cache.setdefault("top_findings", {})[ctx.lang] = shown[:HOME_LIMIT]
    feed = "findings.atom"
    path = ctx.site.out / ctx.prefix / feed
    path.parent.mkdir(parents=True, exist_ok=True)
    atom = to_atom(
        found, ctx.lang, link=ctx.absolute("findings.html"), self_link=ctx.absolute(feed)
    )
    path.write_text(atom, encoding="utf-8")
    ctx.write_page("findings.html", "findings.html", findings=shown, feed=feed)


def top_findings(site: SiteContext, lang: str) -> list[dict[str, Any]]:
    """The best findings for the home page (rendered by this family before the home page)."""
    cached: dict[str, list[dict[str, Any]]] = site.cache.get("top_findings", {})
    return cached.get(lang, [])


def nav(site: SiteContext) -> list[NavItem]:
    return [NavItem("findings.html", "nav_findings", order=40)]


FAMILY = PageFamily("findings", render, nav, order=40)
