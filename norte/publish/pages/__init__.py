"""Page families of the report site, registered in one list.

A *page family* is a module (or any object) exposing ``FAMILY``: a :class:`PageFamily` with

- ``name``: a short id (``"partner"``);
- ``render(ctx)``: called once per language with a :class:`~norte.publish.context.PageContext`;
  it writes its pages with ``ctx.write_page(name, template, **values)`` and its charts with
  ``ctx.publish_chart(chart)``. Expensive queries that do not depend on the language go
  through ``ctx.site.once(key, compute)`` so they run once per build;
- ``nav(site)`` (optional): header links (:class:`~norte.publish.context.NavItem`) shown on
  every page; called once before any page is rendered;
- ``order``: families render in this order (the report page, which gathers other pages'
  charts, renders last);
- ``loads_only`` (default ``False``): the family reads only what loads write (observations,
  loads, codes, places, classifications), never what the recompute writes (indicator values,
  findings, goal lights). ``norte refresh`` renders such families while it recomputes, from a
  copy of the store taken before (:mod:`norte.publish.early`); a family marked so that reads
  anything else fails there and is rendered after the recompute instead (slower, still right).

Adding a page family (e.g. findings, issue 5; goals, issue 6) is one module and **one line** in
:data:`PAGE_MODULES` below. A module may also live outside ``norte.publish`` (for example
``norte.findings.pages``); it imports nothing from the site builder but this package's
:class:`PageFamily` and the context. Templates go in ``norte/publish/templates`` and extend
``base.html`` (which gives the header, language switch, seed notice and footer).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from norte.publish.context import NavItem, PageContext, SiteContext


@dataclass(frozen=True)
class PageFamily:
    """One kind of page: how to render it in a language, and the header links it adds."""

    name: str
    render: Callable[[PageContext], None]
    nav: Callable[[SiteContext], list[NavItem]] | None = None
    order: int = 50
    loads_only: bool = False


#: Every page family of the site, by module; a module exposes ``FAMILY: PageFamily``.
PAGE_MODULES: list[str] = [
    "norte.publish.pages.home",
    "norte.publish.pages.partner",
    "norte.publish.pages.data",
    "norte.publish.pages.findings",
    "norte.publish.pages.goals",
    "norte.publish.pages.maps",
    "norte.publish.pages.sources",
    "norte.publish.pages.report",
]


def families(modules: list[str] | None = None) -> list[PageFamily]:
    """The registered families, imported and sorted by ``order``."""
    found = [importlib.import_module(m).FAMILY for m in (modules or PAGE_MODULES)]
    for f in found:
        if not isinstance(f, PageFamily):
            raise TypeError(f"{f!r}: FAMILY must be a norte.publish.pages.PageFamily")
    return sorted(found, key=lambda f: f.order)
