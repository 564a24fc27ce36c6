"""Social Progress Index for Mexico's states: LONG and WIDE workbooks vs the raw sheets, bad input.

Expected figures are read here from the sheet XML with zipfile + xml.etree, independently of
the calamine reader the source uses.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from norte import sources
from norte.errors import InputError, UnknownCodeError
from norte.sources import spi_mexico
from norte.store import Store

LONG = "spi/mexico-states/00_IPS_COMPLETE_LONG.xlsx"
WIDE = "spi/mexico-states/00_IPS_COMPLETE_WIDE.xlsx"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def sheet_rows(path: Path, sheet_xml: str) -> list[list[str]]:
    """Cell texts of one worksheet (shared strings resolved), row by row."""
    with zipfile.ZipFile(path) as z:
        strings = [
            "".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS)
        ]
        root = ET.fromstring(z.read(sheet_xml))
    rows = []
    for row in root.iter(f"{{{NS['m']}}}row"):
        cells = []
        for c in row.findall("m:c", NS):
            v = c.find("m:v", NS)
            text = v.text if v is not None and v.text is not None else ""
            cells.append(strings[int(text)] if c.get("t") == "s" else text)
        rows.append(cells)
    return rows


@pytest.fixture(scope="module")
def loaded(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = Store(tmp_path_factory.mktemp("spi") / "norte.duckdb")
    s.load_file(shared / LONG, spi_mexico)
    yield s
    s.close()


def iso_of() -> dict[str, str]:
    text = (resources.files("norte") / "data/codes/mx_states.csv").read_text(encoding="utf-8")
    return {r["inegi_cve_ent"]: r["code"] for r in csv.DictReader(io.StringIO(text))}


def test_detected(shared: Path) -> None:
    assert sources.detect(shared / LONG) is spi_mexico
    assert sources.detect(shared / WIDE) is spi_mexico


def test_overall_score_vs_raw_sheet(shared: Path, loaded: Store) -> None:
    rows = sheet_rows(shared / LONG, "xl/worksheets/sheet1.xml")
    assert rows[0] == ["cve_ent", "anio", "entidad_abr_m", "id_dim", "dim_value"]
    raw = {(r[0], int(float(r[1]))): float(r[4]) for r in rows[1:] if r[3] == "00" and r[1] != ""}
    iso = iso_of()
    for cve, year in (("14", 2015), ("19", 2024), ("07", 2020), ("09", 2024), ("00", 2024)):
        geo = None if cve == "00" else iso[cve]
        got = loaded.con.execute(
            "SELECT value FROM observations WHERE source = 'spi' AND measure = 'spi_overall' "
            "AND geo_code IS NOT DISTINCT FROM ? AND period = make_date(?, 1, 1)",
            [geo, year],
        ).fetchall()
        assert got == [(raw[(cve, year)],)], (cve, year)
    n = loaded.con.execute(
        "SELECT count(*) FROM observations WHERE measure = 'spi_overall'"
    ).fetchall()[0][0]
    assert n == len(raw) == 33 * 10


def test_all_scores_stored_with_documented_codes(shared: Path, loaded: Store) -> None:
    dims = sheet_rows(shared / LONG, "xl/worksheets/sheet1.xml")[1:]
    comps = sheet_rows(shared / LONG, "xl/worksheets/sheet2.xml")[1:]
    expected = sum(1 for r in dims + comps if r[1] != "")
    assert loaded.count() == expected == 33 * 10 * 16
    total = sum(float(r[4]) for r in dims + comps if r[1] != "")
    got = loaded.con.execute("SELECT sum(value) FROM observations").fetchall()[0][0]
    assert got == pytest.approx(total, rel=1e-12)
    undocumented = loaded.con.execute(
        "SELECT DISTINCT o.measure FROM observations o LEFT JOIN codes c "
        "ON c.scheme = 'measure' AND c.code = o.measure WHERE c.label_fr IS NULL"
    ).fetchall()
    assert undocumented == []
    geos = loaded.con.execute(
        "SELECT count(DISTINCT o.geo_code), count(c.code) FROM observations o LEFT JOIN codes c "
        "ON c.scheme = 'iso3166_2' AND c.code = o.geo_code WHERE o.geo_code IS NOT NULL"
    ).fetchall()[0]
    assert geos[0] == 32 and geos[1] == 32 * 10 * 16


def test_component_mapping(shared: Path, loaded: Store) -> None:
    comps = sheet_rows(shared / LONG, "xl/worksheets/sheet2.xml")[1:]
    r = next(r for r in comps if r[0] == "14" and r[1] == "2024" and r[3] == "03_12comp")
    got = loaded.con.execute(
        "SELECT value FROM observations WHERE measure = 'spi_component_12' "
        "AND geo_code = 'MX-JAL' AND period = '2024-01-01'"
    ).fetchall()
    assert got == [(float(r[4]),)]


def test_component_order_matches_the_published_story(loaded: Store) -> None:
    """The workbook numbers its components; the names come from the SPI framework's order.
    Checked against what México, ¿cómo vamos? published of its 2025 edition: "Acceso a
    conocimientos básicos" (component 5) fell to the lowest level of the 2015-2024 series;
    and health and wellness (component 7) collapsed in 2020, the pandemic year."""
    national = {
        (m, y): v
        for m, y, v in loaded.con.execute(
            "SELECT measure, year(period), value FROM observations "
            "WHERE source = 'spi' AND geo_code IS NULL AND measure LIKE 'spi_component_%'"
        ).fetchall()
    }
    years = sorted({y for _, y in national})
    assert years[0] == 2015 and years[-1] >= 2024

    def series(n: int) -> dict[int, float]:
        return {y: national[(f"spi_component_{n}", y)] for y in years}

    knowledge = series(5)
    assert min(knowledge, key=lambda y: knowledge[y]) == 2024
    health = series(7)
    assert min(health, key=lambda y: health[y]) == 2020 and health[2020] < 0.75 * health[2019]
    labels = dict(
        loaded.con.execute(
            "SELECT code, label_es FROM codes WHERE scheme = 'measure' "
            "AND code IN ('spi_component_5', 'spi_component_7')"
        ).fetchall()
    )
    assert "Acceso a conocimientos básicos" in labels["spi_component_5"]
    assert "Salud y bienestar" in labels["spi_component_7"]


def test_vintage_is_edition_date(loaded: Store) -> None:
    row = loaded.con.execute("SELECT vintage, vintage_from, notes FROM loads").fetchall()[0]
    assert str(row[0]) == "2025-11-11" and "edition 2025" in row[1]
    assert "Utopía" in row[2] and "Distopía" in row[2]


def test_wide_workbook_same_scores(shared: Path, store: Store) -> None:
    store.load_file(shared / LONG, spi_mexico)
    wide = store.load_file(shared / WIDE, spi_mexico)
    assert wide.rows == 0 and wide.rows_skipped == 33 * 10 * 16
    s2 = Store(store.path.with_name("wide.duckdb"))
    try:
        s2.load_file(shared / WIDE, spi_mexico)
        a = store.con.execute(
            "SELECT measure, geo_code, period, value FROM observations ORDER BY ALL"
        ).fetchall()
        b = s2.con.execute(
            "SELECT measure, geo_code, period, value FROM observations ORDER BY ALL"
        ).fetchall()
        assert a == b
    finally:
        s2.close()


def test_same_file_twice(shared: Path, store: Store) -> None:
    first = store.load_file(shared / LONG, spi_mexico)
    again = store.load_file(shared / LONG, spi_mexico)
    assert first.rows == 5280 and again.outcome == "already-loaded" and store.count() == 5280


# -- bad input ---------------------------------------------------------------------------------


def _rewrite(src: Path, dst: Path, member: str, old: bytes, new: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member:
                assert old in data
                data = data.replace(old, new, 1)
            zout.writestr(item, data)
    return dst


def _cell(path: Path, sheet: str, ref: str) -> bytes:
    """The raw XML of one cell, to rewrite it."""
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet)
    start = xml.index(f'<c r="{ref}"'.encode())
    return xml[start : xml.index(b"</c>", start) + 4]


def test_truncated_workbook(shared: Path, store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "00_IPS_COMPLETE_LONG.xlsx"
    data = (shared / LONG).read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as e:
        store.load_file(bad, spi_mexico)
    assert "download it again" in str(e.value)
    assert store.count() == 0 and store.count("loads") == 0


def test_non_numeric_score_names_sheet_row_column(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    store.load_file(shared / WIDE, spi_mexico)
    before = (store.count(), store.count("loads"))
    sheet = "xl/worksheets/sheet1.xml"
    cell = _cell(shared / LONG, sheet, "E7")
    bad = _rewrite(
        shared / LONG,
        tmp_path / "x.xlsx",
        sheet,
        cell,
        b'<c r="E7" t="inlineStr"><is><t>n.d.</t></is></c>',
    )
    with pytest.raises(InputError) as e:
        store.load_file(bad, spi_mexico)
    assert "sheet '01_IPS_DIM', row 7, column dim_value (E)" in str(e.value)
    assert "'n.d.'" in str(e.value)
    assert (store.count(), store.count("loads")) == before


def test_out_of_range_score(shared: Path, store: Store, tmp_path: Path) -> None:
    sheet = "xl/worksheets/sheet2.xml"
    cell = _cell(shared / LONG, sheet, "E3")
    bad = _rewrite(shared / LONG, tmp_path / "x.xlsx", sheet, cell, b'<c r="E3"><v>123.4</v></c>')
    with pytest.raises(InputError) as e:
        store.load_file(bad, spi_mexico)
    assert "sheet '02_IPS_COMP', row 3, column comp_value (E)" in str(e.value)
    assert "from 0 to 100" in str(e.value)


def test_unknown_state_code(shared: Path, store: Store, tmp_path: Path) -> None:
    rows = sheet_rows(shared / LONG, "xl/worksheets/sheet1.xml")
    r = next(i for i, row in enumerate(rows) if row[0] == "14") + 1
    sheet = "xl/worksheets/sheet1.xml"
    cell = _cell(shared / LONG, sheet, f"A{r}")
    bad = _rewrite(
        shared / LONG,
        tmp_path / "x.xlsx",
        sheet,
        cell,
        f'<c r="A{r}" t="inlineStr"><is><t>45</t></is></c>'.encode(),
    )
    with pytest.raises(UnknownCodeError) as e:
        store.load_file(bad, spi_mexico)
    assert f"sheet '01_IPS_DIM', row {r}, column cve_ent (A)" in str(e.value)
    assert "'45'" in str(e.value)


def test_missing_sheet(shared: Path, store: Store, tmp_path: Path) -> None:
    bad = _rewrite(
        shared / LONG, tmp_path / "y.xlsx", "xl/workbook.xml", b'name="02_IPS_COMP"', b'name="X"'
    )
    with pytest.raises(InputError) as e:
        store.load_file(bad, spi_mexico)
    assert "no sheet '02_IPS_COMP'" in str(e.value)
