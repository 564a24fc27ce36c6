"""The site's findings page (``findings.html``) and feed (``findings.atom``), per language.

A page family (``norte.publish.pages``): it reads the ``findings`` table that ``norte build``
fills, so the site, the feed and ``norte findings`` show the same stories."""

from __future__ import annotations

from typing import Any

from norte.findings.feed import to_atom
from norte.findings.model import Finding
from norte.findings.run import read
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


def render(ctx: PageContext) -> None:
    found = _findings(ctx.site)
    # the home page shows the top findings (see top_findings)
    ctx.site.cache.setdefault("top_findings", {})[ctx.lang] = rows(found[:HOME_LIMIT], ctx.lang)
    feed = "findings.atom"
    path = ctx.site.out / ctx.prefix / feed
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_atom(found, ctx.lang, link="findings.html"), encoding="utf-8")
    ctx.write_page("findings.html", "findings.html", findings=rows(found, ctx.lang), feed=feed)


def top_findings(site: SiteContext, lang: str) -> list[dict[str, Any]]:
    """The best findings for the home page (rendered by this family before the home page)."""
    cached: dict[str, list[dict[str, Any]]] = site.cache.get("top_findings", {})
    return cached.get(lang, [])


def nav(site: SiteContext) -> list[NavItem]:
    return [NavItem("findings.html", "nav_findings", order=40)]


FAMILY = PageFamily("findings", render, nav, order=40)
