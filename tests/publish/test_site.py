"""The site over the real shared data: languages, charts with sources and downloads, maps
(geometry and tile-grid fallback), source pages, and the page API."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from norte.publish import pages
from norte.publish.site import write_site
from norte.store import Store
from tests.publish.conftest import BuiltSite

LANG_DIRS = ("", "es/", "fr/")


def _html(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def test_every_page_exists_in_every_language_with_a_working_switch(
    official_site: BuiltSite,
) -> None:
    site = official_site.out
    en_pages = sorted(p.name for p in site.glob("*.html"))
    assert {
        "index.html",
        "data.html",
        "partner-mex.html",
        "prosperity-map.html",
        "report.html",
    } <= set(en_pages)
    assert {"source-census.html", "source-spi.html", "source-bts.html"} <= set(en_pages)
    assert official_site.pages == 3 * len(en_pages)
    for prefix, lang in zip(LANG_DIRS, ("en", "es", "fr"), strict=True):
        for name in en_pages:
            html = _html(site, prefix + name)
            assert f'<html lang="{lang}">' in html
            switch = html[html.index('class="langs"') :]
            switch = switch[: switch.index("</nav>")]
            links = re.findall(r'href="([^"]+)" hreflang="(\w+)"', switch)
            assert [h for h, _ in links] and {lg for _, lg in links} == {"en", "es", "fr"}
            for href, _ in links:
                target = (site / prefix / href).resolve()
                assert target.exists() and target.name == name, (prefix + name, href)
            # every link and image of the page is relative and resolves inside the site
            for ref in re.findall(r'(?:href|src)="(?!data:)([^"#]+)"', html):
                assert not re.match(r"(https?:)?//", ref), ref
                assert (site / prefix / ref).resolve().exists(), (prefix + name, ref)


def test_ui_and_numbers_are_translated(official_site: BuiltSite) -> None:
    site = official_site.out
    en, es, fr = (_html(site, p + "partner-mex.html") for p in LANG_DIRS)
    assert "U.S. trade with Mexico" in en
    assert "Comercio de EE. UU. con México" in es
    assert "Commerce des États-Unis avec : Mexique" in fr
    # 2023 total trade with Mexico in each locale's format (US$ bn, one decimal)
    row = re.search(r"<th scope=\"row\">2023.*?</tr>", en, re.S)
    assert row is not None
    total_en = re.findall(r"\$([\d,]+\.\d) bn", row.group(0))[-1]
    total_es = total_en.replace(",", "X").replace(".", ",").replace("X", ".")
    assert f"{total_es} mil millones de US$" in es
    assert "data/mex-exports-imports.csv" in en and "../data/mex-exports-imports.csv" in es


def test_every_chart_has_title_note_sources_vintages_alt_and_downloads(
    official_site: BuiltSite,
) -> None:
    site = official_site.out
    figures: dict[str, int] = {}
    for prefix in LANG_DIRS:
        for page in sorted((site / prefix).glob("*.html")):
            html = page.read_text(encoding="utf-8")
            for fig in re.findall(r'<figure id="[^"]+" class="chart">.*?</figure>', html, re.S):
                figures[prefix + page.name] = figures.get(prefix + page.name, 0) + 1
                assert re.search(r'<svg role="img" aria-label="[^"]{20,}"', fig), page
                assert "<figcaption>" in fig and re.search(r"\d{4}", fig)
                assert re.search(r'class="sources"><li>.+?(vintage|versión|millésime) ', fig), page
                for kind in ("csv", "png", "svg"):
                    href = re.search(rf'href="([^"]+\.{kind})" download', fig)
                    assert href, (page, kind)
                    f = (page.parent / href.group(1)).resolve()
                    assert f.stat().st_size > 200, f
    # in every language: 3 charts per partner page, 1 per source page, 3 maps (prosperity,
    # truck crossings, TransBorder by state); the report page repeats them all
    for prefix in LANG_DIRS:
        for code in ("mex", "can", "chn"):
            assert figures[f"{prefix}partner-{code}.html"] == 3
        for source in ("census", "bts", "spi", "transborder"):
            assert figures[f"{prefix}source-{source}.html"] == 1
        assert figures[f"{prefix}prosperity-map.html"] == 3
        assert figures[f"{prefix}report.html"] == 9 + 4 + 3


def test_chart_csv_is_the_data_the_chart_shows(official_site: BuiltSite) -> None:
    rows = list(
        csv.DictReader(io.StringIO((official_site.out / "data/prosperity-map.csv").read_text()))
    )
    assert len(rows) == 32 and {r["iso3166_2"] for r in rows} >= {"MX-JAL", "MX-NLE", "MX-CHP"}
    with Store(official_site.db, read_only=True) as s:
        got = s.con.execute(
            "SELECT value FROM observations_latest WHERE source='spi' AND measure='spi_overall' "
            "AND geo_code='MX-CHP' ORDER BY period DESC LIMIT 1"
        ).fetchall()
    assert float(next(r for r in rows if r["iso3166_2"] == "MX-CHP")["spi_overall"]) == got[0][0]


def test_maps_draw_geometry_or_a_tile_grid_never_nothing(
    official_site: BuiltSite, tmp_path: Path
) -> None:
    geo_svg = (official_site.out / "charts/prosperity-map.svg").read_text()
    # geoshapes: long paths; the US side is grey and says so in the note
    assert max(len(d) for d in re.findall(r' d="([^"]+)"', geo_svg)) > 2000
    page = _html(official_site.out, "prosperity-map.html")
    assert "no state-level Social Progress Index is loaded" in page
    # without state boundaries for Mexico: the tile grid (one labelled square per state)
    with Store(official_site.db, read_only=True) as store:
        write_site(store, tmp_path / "s", "official", languages=["en"], png=False)
    grid = (tmp_path / "s/charts/prosperity-map.svg").read_text()
    labels = set(re.findall(r">([A-Z]{2,3})</text>", grid))
    assert {"TX", "CA", "NLE", "CHP", "JAL"} <= labels and len(labels) >= 51 + 32 - 5
    assert "Tile grid" in (tmp_path / "s/prosperity-map.html").read_text()


def test_transborder_state_map_sums_the_state_file(official_site: BuiltSite) -> None:
    """The U.S.–Mexico by-state map shows dot1 sums for 2023, U.S. and Mexican states."""
    page = _html(official_site.out, "prosperity-map.html")
    assert 'id="transborder-states-map"' in page
    rows = list(
        csv.DictReader(
            io.StringIO((official_site.out / "data/transborder-states-map.csv").read_text())
        )
    )
    with Store(official_site.db, read_only=True) as store:
        want = dict(
            store.con.execute(
                "SELECT geo_code, sum(value) FROM observations WHERE dataset = 'transborder_dot1' "
                "AND measure = 'value' AND partner = 'MEX' AND year(period) = 2023 "
                "AND geo_code LIKE 'US-__' GROUP BY 1"
            ).fetchall()
        )
    us = {r["state"]: float(r["usd"]) for r in rows if r["country"] == "USA"}
    assert us == pytest.approx(want)
    assert max(us, key=lambda k: us[k]) == "US-TX"
    mx = {r["state"] for r in rows if r["country"] == "MEX"}
    assert {"MX-NLE", "MX-CHH", "MX-BCN"} <= mx


def test_source_pages_show_coverage_vintages_loads_and_a_chart(official_site: BuiltSite) -> None:
    html = _html(official_site.out, "source-bts.html")
    assert "border_crossing_entry_data.csv.gz" in html and "<svg" in html
    data = list(
        csv.DictReader(io.StringIO((official_site.out / "data/source-bts.csv").read_text()))
    )
    years = {r["year"] for r in data}
    assert "2024" in years and "2025" not in years  # 2025 is incomplete in the file
    assert {r["series"] for r in data} == {"Mexico", "Canada"}


def test_a_page_family_plugs_in_with_one_line(
    official_site: BuiltSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    from norte.publish.context import NavItem, PageContext

    mod = types.ModuleType("norte_test_pages")

    def render(ctx: PageContext) -> None:
        ctx.write_page("hello.html", "base.html")

    mod.FAMILY = pages.PageFamily(  # type: ignore[attr-defined]
        "hello", render, lambda site: [NavItem("hello.html", "nav_data", order=99)]
    )
    monkeypatch.setitem(sys.modules, "norte_test_pages", mod)
    monkeypatch.setattr(pages, "PAGE_MODULES", [*pages.PAGE_MODULES, "norte_test_pages"])
    with Store(official_site.db, read_only=True) as store:
        n = write_site(store, tmp_path / "s", "official", languages=["en", "fr"], png=False)
    assert (tmp_path / "s/hello.html").exists() and (tmp_path / "s/fr/hello.html").exists()
    assert 'href="hello.html"' in (tmp_path / "s/fr/index.html").read_text()
    assert n == 2 * (len(list((tmp_path / "s").glob("*.html"))))
