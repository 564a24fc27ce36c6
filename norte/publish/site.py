"""The static report site: plain HTML + inline SVG charts + CSV/PNG/SVG downloads, in English,
Spanish and French; opens from disk with no network.

:func:`write_site` builds a :class:`~norte.publish.context.SiteContext`, asks every registered
page family (:mod:`norte.publish.pages`) for its header links, then renders every family in
every language. How to add pages: see :mod:`norte.publish.pages`.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from norte.publish import queries as q
from norte.publish.context import PageContext, SiteContext
from norte.publish.i18n import LANGUAGES
from norte.publish.pages import families
from norte.store import Store


def write_site(
    store: Store,
    out: Path,
    mode: str,
    progress: TextIO | None = None,
    languages: Sequence[str] = LANGUAGES,
    geo_dir: Path | None = None,
    png: bool = True,
) -> int:
    """Render every page of every family in every language into ``out`` (replaced).

    Returns the number of HTML pages written (all languages). ``geo_dir`` overrides where map
    geometry is looked for (:mod:`norte.publish.geo`); ``png=False`` skips PNG downloads.
    """
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    q.prepare(store.con)
    site = SiteContext(
        store=store,
        out=out,
        mode=mode,
        languages=tuple(languages),
        progress=progress,
        geo_dir=geo_dir,
        png=png,
    )
    fams = families()
    for fam in fams:
        if fam.nav is not None:
            site.nav.extend(fam.nav(site))
    for fam in fams:
        before = len(site.pages_written)
        for lang in site.languages:
            fam.render(PageContext(site, lang))
        site.log(f"{fam.name}: {len(site.pages_written) - before} pages")
    return len(site.pages_written)
