"""Secretaría de Economía SIC pages on the real files: all 252 monthly pages, the annual pages
and the product pages, checked against the pages themselves (parsed here with ``re``, not with
norte's parser), and bad input.
"""

from __future__ import annotations

import html
import io
import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from norte import sources
from norte.errors import InputError, UnknownCodeError
from norte.ingest import ingest
from norte.sources import se_sic_balance, se_sic_products
from norte.store import Store

US = "G8_ESTADOS UNIDOS DE AMERICA.html"
MONTHS = "Enero Febrero Marzo Abril Mayo Junio Julio Agosto Septiembre Octubre Noviembre Diciembre"


def page_rows(path: Path) -> list[list[str]]:
    """Every table row of a page as cell texts (a crude regex reading, independent of norte)."""
    text = path.read_text(encoding="utf-8")
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", text, re.S):
        cells = [
            html.unescape(c).replace("\xa0", " ")
            for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        ]
        out.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells])
    return out


def num(s: str) -> int:
    return int(s.replace(",", ""))


def year_rows(path: Path) -> dict[int, tuple[int, int]]:
    """{year: (exports, imports)} in thousands of US$ from a page's year rows."""
    return {
        int(r[0][:4]): (num(r[1]), num(r[2]))
        for r in page_rows(path)
        if r and re.match(r"^\d{4}\b", r[0])
    }


def month_sums(path: Path) -> dict[int, tuple[int, int, int]]:
    """{year: (sum of month exports, sum of month imports, months)} from a monthly page."""
    out: dict[int, list[int]] = {}
    year = 0
    for r in page_rows(path):
        if r and re.match(r"^\d{4}\b", r[0]):
            year = int(r[0][:4])
            out[year] = [0, 0, 0]
        elif r and r[0] in MONTHS.split():
            out[year][0] += num(r[1])
            out[year][1] += num(r[2])
            out[year][2] += 1
    return {y: (v[0], v[1], v[2]) for y, v in out.items()}


@pytest.fixture(scope="module")
def loaded(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = Store(tmp_path_factory.mktemp("se") / "norte.duckdb")
    se = shared / "se"
    ingest(s, [se / "bcm_e", se / "bc_e", se / "ppx_e", se / "ppm_e"], out=io.StringIO())
    yield s
    s.close()


def test_every_monthly_page_loads_with_a_known_partner(shared: Path, loaded: Store) -> None:
    pages = sorted((shared / "se" / "bcm_e").glob("*.html"))
    assert len(pages) == 252
    rows = loaded.con.execute(
        """SELECT l.location, count(o.value), min(o.partner), max(o.partner)
           FROM loads l LEFT JOIN observations o USING (load_id)
           WHERE l.location LIKE '%/bcm_e/%' GROUP BY ALL"""
    ).fetchall()
    by_file = {Path(r[0]).name: r for r in rows}
    # pages whose bytes equal an earlier page's (the SE serves Yemen twice) are recognised by
    # checksum and not loaded again; every other page is a load of its own
    missing = [p for p in pages if p.name not in by_file]
    for p in missing:
        assert any(p.read_bytes() == q.read_bytes() for q in pages if q.name in by_file), p
    assert len(missing) <= 2
    for name, count, lo, hi in by_file.values():
        assert lo == hi, name  # one partner per page
        assert count == 28 * 12 * 2, name  # 1993-01..2020-12, exports and imports
    unknown = loaded.con.execute(
        """SELECT DISTINCT o.partner FROM observations o
           LEFT JOIN codes c ON c.scheme = 'partner' AND c.code = o.partner
           WHERE o.source = 'se' AND c.code IS NULL"""
    ).fetchall()
    assert unknown == []


def test_partner_comes_from_the_title_not_the_file_name(loaded: Store) -> None:
    got = dict(
        loaded.con.execute(
            """SELECT regexp_extract(l.location, '[^/]+$'), min(o.partner)
               FROM loads l JOIN observations o USING (load_id)
               WHERE l.location LIKE '%/bcm_e/%' GROUP BY ALL"""
        ).fetchall()
    )
    assert got["TT_EL MUNDO.html"] == "WORLD"
    assert got[US] == "USA"
    assert got["D9_CANADA.html"] == "CAN"
    assert got["KN_.html"] == "KNA"  # file name without a country: the title says it
    assert got["G4_EGIPTO (REPUBLICA ARABE DE).html"] == "EGY"  # title '|Egipto'
    assert got["EU_COMUNIDAD EUROPEA.html"] == "SE_EC"  # not the EU total
    assert got["LV_.html"] == "LVA_SE2" and got["Y1_LETONIA (REPUBLICA DE).html"] == "LVA"


def test_exports_to_the_us_equal_the_annual_pages_every_year(shared: Path, loaded: Store) -> None:
    annual = year_rows(shared / "se" / "bc_e" / US)
    assert sorted(annual) == list(range(1993, 2021))
    stored_a = dict(
        loaded.con.execute(
            """SELECT year(period), value FROM observations WHERE dataset = 'se_balance_annual'
               AND partner = 'USA' AND flow = 'export' AND reporter = 'MEX'"""
        ).fetchall()
    )
    stored_m = dict(
        loaded.con.execute(
            """SELECT year(period), sum(value) FROM observations WHERE dataset =
               'se_balance_monthly' AND partner = 'USA' AND flow = 'export' AND reporter = 'MEX'
               GROUP BY 1"""
        ).fetchall()
    )
    for year, (exports, _) in annual.items():
        assert stored_a[year] == exports * 1000, year
        assert stored_m[year] == exports * 1000, year
    assert stored_a[2019] == 370_788_896_000


def test_months_add_up_to_their_year_rows_on_every_page(shared: Path, loaded: Store) -> None:
    stored = defaultdict(dict)
    for name, year, flow, total in loaded.con.execute(
        """SELECT regexp_extract(l.location, '[^/]+$'), year(o.period), o.flow, sum(o.value)
           FROM loads l JOIN observations o USING (load_id)
           WHERE o.dataset = 'se_balance_monthly' GROUP BY ALL"""
    ).fetchall():
        stored[name][(year, flow)] = total
    worst = 0
    for page in sorted((shared / "se" / "bcm_e").glob("*.html")):
        years, sums = year_rows(page), month_sums(page)
        assert sorted(years) == list(range(1993, 2021)), page.name
        for year, (exp, imp) in years.items():
            mexp, mimp, n = sums[year]
            assert n == 12
            worst = max(worst, abs(mexp - exp), abs(mimp - imp))
            if page.name in stored:
                assert stored[page.name][(year, "export")] == mexp * 1000
                assert stored[page.name][(year, "import")] == mimp * 1000
    # the load tolerates SE's rounding (up to se_sic_balance.ROUNDING thousand); on the real
    # pages the twelve months add up to the year row exactly, every year of every page
    assert worst == 0


def test_export_attribution_is_kept_as_status(loaded: Store) -> None:
    rows = dict(
        loaded.con.execute(
            """SELECT flow || year(period), any_value(status) FROM observations
               WHERE dataset = 'se_balance_annual' AND partner = 'USA'
               AND year(period) IN (2001, 2002) GROUP BY 1"""
        ).fetchall()
    )
    assert rows == {
        "export2001": "buyer_country",
        "export2002": "destination_country",
        "import2001": None,
        "import2002": None,
    }
    labels = loaded.con.execute(
        "SELECT count(*) FROM codes WHERE scheme = 'status' AND code IN ('buyer_country', "
        "'destination_country')"
    ).fetchone()
    assert labels == (2,)


def test_product_pages_totals_and_fractions(shared: Path, loaded: Store) -> None:
    rows = page_rows(shared / "se" / "ppx_e" / US)
    head = next(r for r in rows if r and r[0] == "Fracción")
    years = [int(c[:4]) for c in head[2:]]
    total = next(r for r in rows if r and r[1] == "Total")
    car = next(r for r in rows if r and r[0] == "8703.23.01")
    stored = {
        (k, y): v
        for k, y, v in loaded.con.execute(
            """SELECT coalesce(product_code, 'TOTAL'), year(period), value FROM observations
               WHERE dataset = 'se_main_products' AND partner = 'USA' AND flow = 'export'
               AND (product_code IS NULL OR product_code = '87032301')"""
        ).fetchall()
    }
    annual = year_rows(shared / "se" / "bc_e" / US)
    for i, y in enumerate(years):
        assert stored[("TOTAL", y)] == num(total[2 + i]) * 1000
        assert stored[("87032301", y)] == num(car[2 + i]) * 1000
        assert stored[("TOTAL", y)] == annual[y][0] * 1000  # the total = the balance page
    schemes = loaded.con.execute(
        "SELECT DISTINCT product_scheme FROM observations WHERE dataset = 'se_main_products' "
        "ORDER BY 1 NULLS FIRST"
    ).fetchall()
    assert schemes == [(None,), ("HS6",), ("TIGIE8",)]


def test_each_kind_is_detected_by_its_reader(shared: Path, tmp_path: Path) -> None:
    se = shared / "se"
    assert sources.detect(se / "bcm_e" / US) is se_sic_balance
    assert sources.detect(se / "bc_e" / US) is se_sic_balance
    assert sources.detect(se / "ppx_e" / US) is se_sic_products
    assert sources.detect(se / "ppm_e" / US) is se_sic_products
    other = tmp_path / "page.html"
    other.write_text("<html><body><table><tr><td>Año</td></tr></table></body></html>")
    assert sources.detect(other) is None


def test_product_page_given_as_a_balance_page_fails_and_leaves_the_store(
    shared: Path, tmp_path: Path
) -> None:
    page = shared / "se" / "ppx_e" / US
    with Store(tmp_path / "s.duckdb") as s:
        ingest(s, [shared / "se" / "bc_e" / US], out=io.StringIO())
        before = s.count(), s.count("loads")
        with pytest.raises(InputError) as e:
            ingest(s, [page], fmt="se-sic-balance", out=io.StringIO())
        assert (s.count(), s.count("loads")) == before
    msg = str(e.value)
    assert str(page) in msg
    assert "principal-products-exported page" in msg
    assert "--format se-sic-products" in msg


def test_unknown_country_name_fails_unless_kept(shared: Path, tmp_path: Path) -> None:
    src = shared / "se" / "bc_e" / US
    bad = tmp_path / "XX_.html"
    bad.write_text(
        src.read_text(encoding="utf-8").replace("con Estados Unidos", "con Atlantida"),
        encoding="utf-8",
    )
    with Store(tmp_path / "s.duckdb") as s:
        with pytest.raises(UnknownCodeError) as e:
            s.load_file(bad, se_sic_balance)
        assert s.count() == 0
        assert "Atlantida" in str(e.value) and "se_sic_countries.csv" in str(e.value)
        r = s.load_file(bad, se_sic_balance, options={"unknown_codes": "keep"})
        assert r.warnings and "SE:Atlantida" in r.warnings[0]
        assert s.con.execute("SELECT DISTINCT partner FROM observations").fetchall() == [
            ("SE:Atlantida",)
        ]


def test_a_damaged_total_column_fails_naming_the_row(shared: Path, tmp_path: Path) -> None:
    src = shared / "se" / "bc_e" / US
    bad = tmp_path / "us.html"
    shutil.copy(src, bad)
    text = bad.read_text(encoding="utf-8").replace("576,522,208", "576,522,999")
    bad.write_text(text, encoding="utf-8")
    with Store(tmp_path / "s.duckdb") as s:
        with pytest.raises(InputError) as e:
            s.load_file(bad, se_sic_balance)
        assert s.count() == 0
    assert "'2019'" in str(e.value) and "576,522,999" in str(e.value)


def test_balance_page_given_as_a_product_page_fails(shared: Path, tmp_path: Path) -> None:
    page = shared / "se" / "bcm_e" / US
    with Store(tmp_path / "s.duckdb") as s:
        with pytest.raises(InputError) as e:
            ingest(s, [page], fmt="se-sic-products", out=io.StringIO())
        assert s.count() == 0 and s.count("loads") == 0
    assert "monthly trade-balance page (bcm_e)" in str(e.value)
    assert "--format se-sic-balance" in str(e.value)
