"""Pages follow the newest release of the series they show (issue 17).

A newer Census release is made from the real API files of ../shared/data: the 2024 partner
rows (world row ``-`` removed) and the same rows relabelled 2025 with values +10 %, written in
the API's own JSON layout. Loaded on top of the real workbook and API files, it carries partner
rows but no world total — the case where taking the years from the world series, or dividing
the newest partner values by an older world total, shows up.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from pathlib import Path

import duckdb
import pytest

from norte.ingest import ingest
from norte.publish.site import write_site
from norte.store import Store
from norte.store.schema import vintages_query

from .conftest import BuiltSite

NEW_VINTAGE = "2026-02-06"  # estimated from the newest month 2025-12 (FT-900 lag)


def _newer_release(shared: Path, out: Path) -> list[Path]:
    out.mkdir()
    paths = []
    for flow, col in (("exports", "ALL_VAL_MO"), ("imports", "GEN_VAL_MO")):
        src = shared / f"census/api/{flow}-country-2013-2024.json.gz"
        data = json.loads(gzip.decompress(src.read_bytes()))
        head = data[0]
        cty, year, val = head.index("CTY_CODE"), head.index("YEAR"), head.index(col)
        body = []
        for r in data[1:]:
            if r[cty] == "-" or r[year] != "2024":  # "-" = TOTAL FOR ALL COUNTRIES
                continue
            body.append(r)
            later = list(r)
            later[year], later[val] = "2025", str(round(int(r[val]) * 1.1))
            body.append(later)
        path = out / f"{flow}-country-2024-2025.json"
        path.write_text(json.dumps([head, *body]), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def newer(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("newer")
    db, site = root / "norte.duckdb", root / "site"
    census = [
        shared / "census/country.xlsx",
        shared / "census/api/exports-country-2013-2024.json.gz",
        shared / "census/api/imports-country-2013-2024.json.gz",
    ]
    with Store(db) as store:
        ingest(store, census, out=io.StringIO())
        ingest(store, _newer_release(shared, root / "release"), out=io.StringIO())
        write_site(store, site, "official", languages=["en"], png=False)
    return db, site


def _csv(site: Path, name: str) -> list[dict[str, str]]:
    with open(site / "data" / f"{name}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_release_has_partner_rows_but_no_world_total(newer: tuple[Path, Path]) -> None:
    con = duckdb.connect(str(newer[0]), read_only=True)
    got = con.execute(
        "SELECT count(*) FILTER (WHERE partner = 'WORLD'), count(*) FILTER (WHERE partner = 'MEX'),"
        " max(period) FROM observations WHERE vintage = ?",
        [NEW_VINTAGE],
    ).fetchall()[0]
    assert got[0] == 0 and got[1] == 48 and str(got[2]) == "2025-12-01"


def test_home_page_leads_with_the_newest_year_of_the_partner_rows(newer: tuple[Path, Path]) -> None:
    html = (newer[1] / "index.html").read_text(encoding="utf-8")
    years = re.findall(r"<h2>Top U\.S\. trading partners, (\d{4}) \(total trade\)</h2>", html)
    assert years == ["2025", "2024", "2023"]
    top = _csv(newer[1], "top-partners-2025")
    assert top[0]["partner"] == "MEX" and {r["vintage"] for r in top} == {NEW_VINTAGE}


def test_mexico_page_and_charts_reach_the_newest_year_and_start_with_the_data(
    newer: tuple[Path, Path],
) -> None:
    site = newer[1]
    page = (site / "partner-mex.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr><th scope="row">(\d{4}) \(#(\d+)\)</th>', page)
    assert [y for y, _ in rows] == ["2025", "2024", "2023", "2022", "2021"]  # a rank for each
    annual = _csv(site, "mex-total-trade")
    monthly = _csv(site, "mex-exports-imports")
    assert annual[-1]["year"] == "2025" and monthly[-1]["month"].startswith("2025-12")
    # the annual chart starts where Mexico's monthly data start (1985), not the world's (1987)
    assert annual[0]["year"] == monthly[0]["month"][:4] == "1985"


def test_each_share_divides_by_the_world_total_of_the_same_release(
    newer: tuple[Path, Path],
) -> None:
    db, site = newer
    con = duckdb.connect(str(db), read_only=True)
    checked = 0
    for name in ("top-partners-2025", "top-partners-2024", "top-partners-2023"):
        table = _csv(site, name)
        (vintage,) = {r["vintage"] for r in table}  # one release per table
        year = int(name[-4:])
        world = con.execute(
            "SELECT sum(value), count(*) FROM observations WHERE source = 'census'"
            " AND partner = 'WORLD' AND vintage = ? AND year(period) = ?",
            [vintage, year],
        ).fetchall()[0]
        for r in table:
            if world[1] != 24:  # that release has no complete world total: no share
                assert r["share"] == ""
                continue
            assert float(r["share"]) == pytest.approx(float(r["total"]) / world[0], rel=1e-12)
            checked += 1
    assert checked  # 2023 comes from the 2025 release, which has a world total
    html = (site / "index.html").read_text(encoding="utf-8")
    assert html.count("That release has no world total") == 2  # 2025 and 2024 say so


def test_the_sites_vintages_equal_the_view(official_site: BuiltSite) -> None:
    """The site's read model of releases (one scan of each table) is the ``vintages`` view,
    row for row and in order, on real Census, SPI, BTS and TransBorder rows (whose three
    measures the view counts separately)."""
    with Store(official_site.db, read_only=True) as store:
        view = store.con.execute("SELECT * FROM vintages").fetchall()
        fast = store.con.execute(vintages_query()).fetchall()
        kinds = [store.con.execute(q).description for q in ("SELECT * FROM vintages",
                                                             vintages_query())]  # fmt: skip
    assert len(view) > 5 and any(r[0] == "transborder" for r in view)
    assert fast == view
    assert [(c[0], c[1]) for c in kinds[0]] == [(c[0], c[1]) for c in kinds[1]]
