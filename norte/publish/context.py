"""What every page function gets: the store, the language, the output folder, translations,
links between pages and languages, and the chart helper that writes a chart's files.

:class:`SiteContext` is built once per site; :class:`PageContext` is one language of it.
Pages are written with :meth:`PageContext.write_page` (a Jinja template from
``norte/publish/templates``) and charts with :meth:`PageContext.publish_chart`, which renders
SVG and PNG per language and writes the chart's data as CSV once (``data/<id>.csv``).

Layout of the site (relative links only, so it opens from disk)::

    index.html, partner-mex.html, ...         English
    es/index.html, fr/index.html, ...         the same pages in Spanish and French
    data/<id>.csv                             every chart's and table's data (shared)
    charts/<id>.svg|png, es/charts/..., ...   chart downloads, per language
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urljoin

import duckdb
from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape
from jinja2.bccache import Bucket

from norte import settings
from norte.publish.i18n import LANGUAGES, NATIVE_NAMES, Translator

if TYPE_CHECKING:
    from norte.publish.charts import Chart
    from norte.publish.incremental import Publication
    from norte.store import Store


def lang_prefix(lang: str) -> str:
    """Folder of a language inside the site: ``""`` for English, ``"es/"``, ``"fr/"``."""
    return "" if lang == "en" else f"{lang}/"


@dataclass(frozen=True)
class NavItem:
    """A link in the header of every page: ``href`` is a page name (``data.html``)."""

    href: str
    label_key: str
    order: int = 50


@dataclass
class SiteContext:
    """Shared by every page of one build: store, mode, output folder, navigation, caches."""

    store: Store
    out: Path
    mode: str
    languages: tuple[str, ...] = LANGUAGES
    progress: TextIO | None = None
    geo_dir: Path | None = None
    built: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"))
    nav: list[NavItem] = field(default_factory=list)
    pages_written: list[str] = field(default_factory=list)
    #: free-form shared results: a page family may compute once and reuse across languages
    cache: dict[str, Any] = field(default_factory=dict)
    png: bool = True
    #: when not None, every page's template values by page path (``es/goal-3.html``): the JSON
    #: twins of ``norte serve`` (:mod:`norte.web.site`)
    page_values: dict[str, dict[str, Any]] | None = None
    #: where the site is published (``https://example.org/norte/``), or ``""``: the canonical
    #: links and the Atom feeds' links are made absolute with it (setting ``base_url``)
    base_url: str = ""
    #: the incremental publish this build belongs to (page fingerprints, chart render keys),
    #: or None (:mod:`norte.publish.incremental`)
    publication: Publication | None = None
    _env: Environment | None = None
    _csv_written: set[str] = field(default_factory=set)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self.store.con

    @property
    def env(self) -> Environment:
        if self._env is None:
            self._env = Environment(
                loader=PackageLoader("norte", "publish/templates"),
                autoescape=select_autoescape(["html"]),
                trim_blocks=True,
                lstrip_blocks=True,
                bytecode_cache=_bytecode_cache(),
            )
        return self._env

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time ``key`` is asked for, the cached result after."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def log(self, message: str) -> None:
        if self.progress is not None:
            print(f"  {message}", file=self.progress, flush=True)

    def write_csv(self, name: str, rows: list[dict[str, Any]]) -> str:
        """Write ``data/<name>.csv`` once per build; returns its path inside the site."""
        rel = f"data/{name}.csv"
        if rel not in self._csv_written:
            self._csv_written.add(rel)
            (self.out / "data").mkdir(parents=True, exist_ok=True)
            (self.out / rel).write_text(to_csv(rows), encoding="utf-8")
        return rel


class _Compiled(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, but a folder it cannot write to only means the
    templates are compiled again next time."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


@cache
def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept between processes (``templates`` in
    :func:`norte.settings.cache_root`): the 20 page templates compile in 0.22–0.24 s here
    and load compiled in 0.006 s (measured), and every site process used to compile the ones
    its families use. Jinja checks each one against its template's source and this Python's
    bytecode version, and writes it atomically.
    ``None`` (compiled every time) when the folder cannot be made."""
    folder = settings.cache_root() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _Compiled(str(folder))


def to_csv(rows: list[dict[str, Any]], fields: list[str] | None = None) -> str:
    buf = io.StringIO()
    if not rows and not fields:
        return ""
    w = csv.DictWriter(buf, fieldnames=fields or list(rows[0]), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _cell(r.get(k)) for k in w.fieldnames})
    return buf.getvalue()


def _cell(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


@dataclass
class PageContext:
    """One language of the site: translations, formatting, links, page and chart writers."""

    site: SiteContext
    lang: str

    def __post_init__(self) -> None:
        self.tr = Translator(self.lang)
        self.prefix = lang_prefix(self.lang)
        #: from a page of this language back to the site root (``""`` or ``"../"``)
        self.root = "" if self.lang == "en" else "../"

    # --- shortcuts used by page functions and templates
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self.site.con

    @property
    def mode(self) -> str:
        return self.site.mode

    def t(self, key: str, **values: object) -> str:
        return self.tr.t(key, **values)

    def label(self, scheme: str, code: str | None, fallback: str | None = None) -> str:
        """The label of a code in this language from the store's ``codes`` table."""
        if code is None:
            return fallback or ""
        labels: dict[tuple[str, str], tuple[str, str, str]] = self.site.once(
            "codes", lambda: _code_labels(self.con)
        )
        got = labels.get((scheme, code))
        if got is None:
            return fallback or code
        en, es, fr = got
        return {"en": en, "es": es, "fr": fr}[self.lang] or en or code

    def nav_label(self, item: NavItem) -> str:
        """A header link's text: a catalog key, or ``scheme:code`` for a code's label."""
        if ":" in item.label_key:
            scheme, code = item.label_key.split(":", 1)
            return self.label(scheme, code)
        return self.t(item.label_key)

    def href(self, page: str) -> str:
        """Link from a page of this language to ``page`` in the same language."""
        return page

    def asset(self, rel: str) -> str:
        """Link from a page of this language to a language-neutral file (``data/x.csv``)."""
        return self.root + rel

    def built_label(self) -> str:
        """When the site was built, as the language writes a moment (``Dec 1, 2026, 10:27 UTC``)."""
        return self.tr.timestamp(dt.datetime.strptime(self.site.built, "%Y-%m-%d %H:%M"))

    def absolute(self, href: str) -> str:
        """``href`` (relative to a page of this language) as an absolute URL under the site's
        ``base_url``; unchanged when no ``base_url`` is set (the site opens from disk)."""
        if not self.site.base_url:
            return href
        return urljoin(urljoin(self.site.base_url, self.prefix), href)

    def languages(self, page: str) -> list[dict[str, Any]]:
        """The language switch for ``page``: the same page in every language."""
        return [
            {
                "lang": other,
                "name": NATIVE_NAMES[other],
                "href": self.root + lang_prefix(other) + page,
                "current": other == self.lang,
            }
            for other in self.site.languages
        ]

    # --- writers
    def write_page(self, page: str, template: str, **values: Any) -> Path:
        """Render ``template`` into ``<lang folder>/<page>`` with the common values."""
        tpl = self.site.env.get_template(template)
        html = tpl.render(
            ctx=self,
            t=self.t,
            tr=self.tr,
            page=page,
            lang=self.lang,
            mode=self.mode,
            built=self.site.built,
            nav=sorted(self.site.nav, key=lambda n: n.order),
            switch=self.languages(page),
            **values,
        )
        path = self.site.out / self.prefix / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        if self.site.publication is not None:
            self.site.publication.page(
                self.prefix + page, html, (self.built_label(), self.site.built)
            )
        self.site.pages_written.append(self.prefix + page)
        if self.site.page_values is not None:
            self.site.page_values[self.prefix + page] = values
        return path

    def publish_chart(self, chart: Chart) -> Chart:
        """Write the chart's SVG and PNG (this language) and its CSV (once); fill its links."""
        charts = self.site.out / self.prefix / "charts"
        charts.mkdir(parents=True, exist_ok=True)
        (charts / f"{chart.id}.svg").write_text(chart.svg, encoding="utf-8")
        chart.links["svg"] = f"charts/{chart.id}.svg"
        pub = self.site.publication
        if pub is not None:
            pub.rendered(f"{self.prefix}charts/{chart.id}.svg", chart.svg_key())
        if self.site.png:
            (charts / f"{chart.id}.png").write_bytes(chart.render_png())
            chart.links["png"] = f"charts/{chart.id}.png"
            if pub is not None:
                pub.rendered(f"{self.prefix}charts/{chart.id}.png", chart.png_key())
        rel = f"data/{chart.id}.csv"
        if rel not in self.site._csv_written:
            self.site._csv_written.add(rel)
            (self.site.out / "data").mkdir(parents=True, exist_ok=True)
            (self.site.out / rel).write_text(chart.csv, encoding="utf-8")
        chart.links["csv"] = self.asset(rel)
        return chart


def _code_labels(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[str, str, str]]:
    got = con.execute("SELECT scheme, code, label_en, label_es, label_fr FROM codes").fetchall()
    return {(s, c): (en, es, fr) for s, c, en, es, fr in got}
