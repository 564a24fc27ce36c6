"""The static report site: plain HTML + inline SVG charts + CSV/PNG/SVG downloads, in English,
Spanish and French; opens from disk with no network.

:func:`write_site` builds a :class:`~norte.publish.context.SiteContext`, asks every registered
page family (:mod:`norte.publish.pages`) for its header links, then renders every family in
every language. How to add pages: see :mod:`norte.publish.pages`. The site is rendered into a
temporary folder beside the target and swapped in only when complete
(:mod:`norte.publish.safe`): a failed build leaves the previous site as it was, and a folder
norte did not write is never replaced without ``force``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import pyarrow as pa

from norte import settings
from norte.errors import ConfigError
from norte.goals.status import reads_once
from norte.publish import queries as q
from norte.publish import trade
from norte.publish.context import PageContext, SiteContext
from norte.publish.i18n import LANGUAGES
from norte.publish.incremental import Previous, Publication
from norte.publish.pages import PageFamily, families
from norte.publish.safe import inspect, publishing_dir
from norte.store import Store


def write_site(
    store: Store,
    out: Path,
    mode: str,
    progress: TextIO | None = None,
    languages: Sequence[str] = LANGUAGES,
    geo_dir: Path | None = None,
    png: bool = True,
    force: bool = False,
    base_url: str | None = None,
    incremental: bool = True,
    built: str | None = None,
) -> int:
    """Render every page of every family in every language and publish it at ``out``.

    ``out`` is replaced only when norte wrote it (or it is missing or empty); otherwise
    :class:`~norte.errors.PublishError`, unless ``force`` moves its contents aside to a backup
    folder (see :mod:`norte.publish.safe`). Returns the number of HTML pages written (all
    languages). ``geo_dir`` overrides where map geometry is looked for
    (:mod:`norte.publish.geo`); ``png=False`` skips PNG downloads. ``base_url`` (default: the
    ``base_url`` setting, ``NORTE_BASE_URL`` or ``[build] base_url`` of ``./norte.toml``)
    makes the canonical and feed links absolute.

    Publishing is incremental (:mod:`norte.publish.incremental`): chart images whose spec did
    not change are taken from the site at ``out`` instead of rendered again, and every file
    whose content did not change is kept as it was (bytes and mtime; a page keeps the build
    time it was last changed at). ``incremental=False`` renders and writes everything anew.
    ``built`` (``YYYY-MM-DD HH:MM``, UTC; default now) is the build time changed pages show.
    """

    def render(tmp: Path, pub: Publication) -> int:
        return render_site(
            store, tmp, mode, progress, languages, geo_dir, png, base_url, built, publication=pub
        )

    return publish(out, render, store=store.path, force=force, progress=progress,
                   incremental=incremental)  # fmt: skip


def publish(
    out: Path,
    render: Callable[[Path, Publication], int],
    *,
    store: Path,
    force: bool,
    progress: TextIO | None,
    incremental: bool,
) -> int:
    """Run ``render(folder, publication)`` into a temporary folder and swap it in at ``out``
    (:mod:`norte.publish.safe`), keeping every unchanged file of the previous site
    (:mod:`norte.publish.incremental`); returns what ``render`` returned (the pages)."""
    with publishing_dir(out, force=force, store=store, progress=progress) as tmp:
        pub = Publication(_previous(out) if incremental else None)
        with pub.active():
            n = render(tmp, pub)
        st = pub.finish(tmp)
        if progress is not None:
            print(
                f"  files: {st.written:,} written, {st.kept:,} unchanged (kept); chart images:"
                f" {st.renders_made:,} rendered, {st.renders_reused:,} reused",
                file=progress,
                flush=True,
            )
        return n


def _previous(out: Path) -> Previous | None:
    """The site at ``out`` to reuse unchanged files from: only a norte site holding nothing
    but what norte wrote (with ``force``, foreign contents go to a backup folder, which must
    not share files with the new site)."""
    found = inspect(out.resolve())  # a symlinked --out is published where it points
    return Previous.load(found.path) if found.owner == "norte" and found.replaceable else None


def site_base_url(given: str | None) -> str:
    """``given``, else the ``base_url`` setting; with a trailing ``/`` (a folder URL)."""
    if given is None:
        config, path = settings.load_toml(None)
        given = str(settings.resolve("base_url", None, config, path) or "")
    if given and (urlsplit(given).scheme not in ("http", "https") or not urlsplit(given).netloc):
        raise ConfigError(
            f"base_url {given!r}: expected an absolute http(s) URL such as "
            "https://example.org/norte/ (set NORTE_BASE_URL or [build] base_url in norte.toml;"
            " leave it empty for relative links)"
        )
    return given if not given or given.endswith("/") else given + "/"


def render_site(
    store: Store,
    out: Path,
    mode: str,
    progress: TextIO | None = None,
    languages: Sequence[str] = LANGUAGES,
    geo_dir: Path | None = None,
    png: bool = True,
    base_url: str | None = None,
    built: str | None = None,
    page_values: dict[str, dict[str, Any]] | None = None,
    publication: Publication | None = None,
) -> int:
    """Render the site into the folder ``out`` as it is (no swap, no marker): the building
    block of :func:`write_site`, for callers that own a temporary folder. ``built``
    (``YYYY-MM-DD HH:MM``, UTC; default now) is the time the pages say they were built;
    ``page_values``, when given, receives every page's template values (``norte serve``);
    ``publication`` records page fingerprints and chart render keys for an incremental
    publish (:func:`write_site`)."""
    site = site_context(
        store, out, mode, progress, languages, geo_dir, png, base_url, built, page_values,
        publication,
    )  # fmt: skip
    render_families(site, families())
    return len(site.pages_written)


def site_context(
    store: Store,
    out: Path,
    mode: str,
    progress: TextIO | None,
    languages: Sequence[str],
    geo_dir: Path | None,
    png: bool,
    base_url: str | None,
    built: str | None,
    page_values: dict[str, dict[str, Any]] | None,
    publication: Publication | None,
    prepared: Mapping[str, pa.Table] | None = None,
    *,
    prepared_here: bool = False,
) -> SiteContext:
    """The shared context of one site (the site's read models materialized, the header
    links of every family collected), ready for :func:`render_families`. ``prepared``
    (:func:`prepared_tables`, from another connection to the same store) are installed
    instead of materialized again; ``prepared_here``: :func:`prepared_tables` ran on this
    connection, so they are in place already."""
    out.mkdir(parents=True, exist_ok=True)
    if prepared_here:
        pass
    elif prepared is None:
        q.prepare(store.con)
        trade.prepare(store.con)
    else:
        for name, table in prepared.items():
            store.con.register("_norte_prepared", table)
            try:
                store.con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _norte_prepared"  # noqa: S608
                )
            finally:
                store.con.unregister("_norte_prepared")
    site = SiteContext(
        store=store,
        out=out,
        mode=mode,
        languages=tuple(languages),
        progress=progress,
        geo_dir=geo_dir,
        png=png,
        base_url=site_base_url(base_url),
        page_values=page_values,
        publication=publication,
    )
    if built is not None:
        site.built = built
    for fam in families():
        if fam.nav is not None:
            site.nav.extend(fam.nav(site))
    return site


#: the temporary tables :func:`site_context` materializes (:func:`norte.publish.queries.prepare`,
#: :func:`norte.publish.trade.prepare`)
PREPARED = (q.VINTAGES, q.TRADE, trade.TRADE_V)


def prepared_tables(store: Store) -> dict[str, pa.Table]:
    """The site's materialized read models as Arrow tables, for :func:`site_context` on other
    connections (the two-process site computes them once, before it forks)."""
    q.prepare(store.con)
    trade.prepare(store.con)
    return {name: store.con.sql(f"SELECT * FROM {name}").to_arrow_table() for name in PREPARED}  # noqa: S608


def render_families(
    site: SiteContext, fams: Iterable[PageFamily], after: Callable[[PageFamily], None] | None = None
) -> None:
    """Render ``fams`` in every language, in order (taken one by one: an iterator may claim
    each as it goes, :mod:`norte.publish.early`); ``after(family)`` is called once each is
    done (:mod:`norte.publish.parallel` collects what a family hands to later ones)."""
    with reads_once():  # the site writes no indicator value: each goal series is read once
        for fam in fams:
            before = len(site.pages_written)
            for lang in site.languages:
                fam.render(PageContext(site, lang))
            site.log(f"{fam.name}: {len(site.pages_written) - before} pages")
            if after is not None:
                after(fam)
