"""One number and date style per language (issue 17): Babel for percentages, dates and money
everywhere, money that does not wrap in tables, and the ``base_url`` setting behind the
canonical links and the Atom feeds."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from norte.errors import ConfigError
from norte.publish.context import PageContext, SiteContext
from norte.publish.i18n import Translator
from norte.publish.pages import findings as findings_page
from norte.publish.site import site_base_url
from norte.store import Store
from tests.publish.conftest import BuiltSite

ATOM = "{http://www.w3.org/2005/Atom}"


def test_tables_do_not_wrap_numbers(official_site: BuiltSite) -> None:
    html = (official_site.out / "es" / "index.html").read_text(encoding="utf-8")
    # "334,0 mil millones de US$" stays on one line: every money cell is a no-wrap cell
    assert re.search(r"td\.n, td\.nw \{ white-space: nowrap; \}", html)
    money = re.findall(r"<td( class=\"n\")?>([^<]*mil millones de US\$)</td>", html)
    assert money and all(cls for cls, _ in money), money[:3]


def test_percentages_use_the_locale_style_on_every_page(official_site: BuiltSite) -> None:
    """English writes 30.1% (no space) on the goal pages as in the partner tables; French and
    Spanish write Babel's 30,1 % with a non-breaking space."""
    for page in official_site.out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\d %", text), page.name  # the goal pages wrote "70.0 %"
    g4 = (official_site.out / "goal-4.html").read_text(encoding="utf-8")
    assert "70.0%" in g4
    assert "70,0\u00a0%" in (official_site.out / "fr" / "goal-4.html").read_text("utf-8")


def test_data_page_dates_read_as_dates(official_site: BuiltSite) -> None:
    for lang, day in (("", "Feb 6, 2025"), ("es/", "6 feb 2025")):
        html = (official_site.out / lang / "data.html").read_text(encoding="utf-8")
        # the text a reader sees (ISO dates stay machine-readable in <time datetime=...>)
        body = re.sub(r"<[^>]+>", " ", html[html.index("<main") :])
        assert '<time datetime="2025-02-06">' in html
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", body), lang  # no ISO dates
        assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d+", body), lang  # no microseconds
        assert day in body, lang


def test_base_url_makes_canonical_and_feed_links_absolute(store: Store, tmp_path: Path) -> None:
    site = SiteContext(store=store, out=tmp_path, mode="official", base_url="https://ex.org/n/")
    for lang in ("en", "fr"):
        ctx = PageContext(site, lang)
        ctx.write_page("data.html", "data.html", coverage=[], loads=[], vintages=[])
        findings_page.render(ctx)
    fr = (tmp_path / "fr" / "data.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://ex.org/n/fr/data.html">' in fr
    assert 'hreflang="en" href="https://ex.org/n/data.html"' in fr
    feed = ET.parse(tmp_path / "fr" / "findings.atom").getroot()
    links = {e.get("rel", "alternate"): e.get("href") for e in feed.iter(f"{ATOM}link")}
    assert links == {
        "alternate": "https://ex.org/n/fr/findings.html",
        "self": "https://ex.org/n/fr/findings.atom",
    }


def test_without_base_url_links_stay_relative(store: Store, tmp_path: Path) -> None:
    ctx = PageContext(SiteContext(store=store, out=tmp_path, mode="official"), "es")
    ctx.write_page("data.html", "data.html", coverage=[], loads=[], vintages=[])
    findings_page.render(ctx)
    html = (tmp_path / "es" / "data.html").read_text(encoding="utf-8")
    assert 'rel="canonical"' not in html and "http" not in html.split("<body>")[0]
    feed = ET.parse(tmp_path / "es" / "findings.atom").getroot()
    assert [e.get("href") for e in feed.iter(f"{ATOM}link")] == ["findings.html", "findings.atom"]


def test_base_url_setting_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NORTE_BASE_URL", "https://ex.org/norte")
    assert site_base_url(None) == "https://ex.org/norte/"
    assert site_base_url("") == ""
    with pytest.raises(ConfigError, match=r"base_url 'ex\.org/norte'.*absolute http\(s\) URL"):
        site_base_url("ex.org/norte")


def test_timestamps_to_the_minute() -> None:
    moment = dt.datetime(2025, 2, 6, 14, 5, 33, 123456)
    assert Translator("en").timestamp(moment) == "Feb 6, 2025, 14:05 UTC"
