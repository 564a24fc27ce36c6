"""Census country.xlsx and API ingestion on the real files, including bad input."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from norte import sources
from norte.errors import InputError, UnknownCodeError
from norte.sources import census_api, census_ft900, census_xlsx
from norte.store import Store


def snapshot(store: Store) -> tuple[int, int, list[tuple[object, ...]]]:
    obs = store.count("observations")
    loads = store.count("loads")
    sample = store.con.execute(
        "SELECT load_id, count(*), sum(value) FROM observations GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return obs, loads, sample


def test_formats_are_detected(shared: Path) -> None:
    assert sources.detect(shared / "census/country.xlsx") is census_xlsx
    for f in (shared / "census/api").glob("*.json.gz"):
        assert sources.detect(f) is census_api
    assert sources.detect(shared / "census/ft900/exh1.xlsx") is census_ft900  # issue 12


def test_xlsx_values_in_usd_and_unreleased_months_dropped(shared: Path, store: Store) -> None:
    r = store.load_file(shared / "census/country.xlsx", census_xlsx)
    assert r.outcome == "loaded"
    jan = store.con.execute(
        "SELECT value FROM observations WHERE partner = 'MEX' AND flow = 'export' "
        "AND period = DATE '2024-01-01'"
    ).fetchall()
    assert jan == [(pytest.approx(26_481.484626e6, rel=1e-12),)]
    # The workbook is the mid-2024 release: Jul..Dec 2024 are zeros, not data.
    last = store.con.execute("SELECT max(period) FROM observations").fetchall()[0][0]
    assert last.isoformat() == "2024-06-01"
    # Vintage estimated from the newest month (June 2024 -> early August 2024).
    assert r.vintage is not None and r.vintage.isoformat() == "2024-08-06"
    # Every row of the workbook became 24 monthly values except 2024 (12).
    n_rows = store.con.execute(
        "SELECT count(DISTINCT (partner, year(period))) FROM observations"
    ).fetchall()[0][0]
    assert n_rows == 8725


def test_xlsx_groupings_use_workbook_meanings(shared: Path, store: Store) -> None:
    store.load_file(shared / "census/country.xlsx", census_xlsx)
    partners = {
        r[0] for r in store.con.execute("SELECT DISTINCT partner FROM observations").fetchall()
    }
    # 0021/0022 are USMCA-with-Mexico/Canada (consumption) in the workbook, not LATAM20/OECD.
    assert {"USMCA_MEX_CONSUMP", "USMCA_CAN_CONSUMP", "WORLD", "EU"} <= partners
    assert not {"LATAM20", "OECD"} & partners
    # every partner code is documented in the codes table
    undocumented = store.con.execute(
        "SELECT DISTINCT partner FROM observations WHERE partner NOT IN "
        "(SELECT code FROM codes WHERE scheme = 'partner')"
    ).fetchall()
    assert undocumented == []


def test_api_files_load_with_groupings(shared: Path, store: Store) -> None:
    for f in sorted((shared / "census/api").glob("*.json.gz")):
        store.load_file(f, census_api)
    got = dict(
        store.con.execute(
            "SELECT dataset, count(*) FROM observations GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    assert got == {"trade_by_country": 36_283 + 36_277, "trade_by_country_hs": 285_711}
    world = store.con.execute(
        "SELECT count(*) FROM observations WHERE partner = 'WORLD' AND dataset = 'trade_by_country'"
    ).fetchall()[0][0]
    assert world == 2 * 12 * 12  # two flows, 2013..2024
    hs = store.con.execute(
        "SELECT DISTINCT product_scheme FROM observations WHERE dataset = 'trade_by_country_hs'"
    ).fetchall()
    assert hs == [("HS2",)]


def test_first_published_and_revised_vintages(shared: Path, store: Store) -> None:
    store.load_file(shared / "census/country.xlsx", census_xlsx)
    store.load_file(shared / "census/api/exports-country-2013-2024.json.gz", census_api)
    q = (
        "SELECT value, vintage FROM {} WHERE partner = 'MEX' AND flow = 'export' "
        "AND period = DATE '2024-01-01' AND dataset = 'trade_by_country'"
    )
    first = store.con.execute(q.format("observations_as_of('2024-09-01')")).fetchall()
    revised = store.con.execute(q.format("observations_as_of('2025-12-31')")).fetchall()
    latest = store.con.execute(q.format("observations_latest")).fetchall()
    assert first[0][0] == pytest.approx(26_481.484626e6)
    assert revised[0][0] != pytest.approx(first[0][0])
    assert latest == revised
    # before the first release nothing was known
    assert store.con.execute(q.format("observations_as_of('2024-01-15')")).fetchall() == []
    # both vintages are kept
    assert (
        store.con.execute(q.format("observations") + " ORDER BY vintage").fetchall()
        == first + revised
    )


def test_mexico_total_trade_exceeds_canada_2023(shared: Path, store: Store) -> None:
    store.load_file(shared / "census/country.xlsx", census_xlsx)
    totals = dict(
        store.con.execute(
            "SELECT partner, sum(value) FROM observations_latest WHERE partner IN ('MEX','CAN') "
            "AND year(period) = 2023 AND dataset = 'trade_by_country' GROUP BY 1"
        ).fetchall()
    )
    assert totals["MEX"] > totals["CAN"]


# -- bad input ---------------------------------------------------------------------------------


def test_truncated_workbook_rejected_store_unchanged(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    store.load_file(shared / "census/api/exports-country-2013-2024.json.gz", census_api)
    before = snapshot(store)
    bad = tmp_path / "country.xlsx"
    data = (shared / "census/country.xlsx").read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as e:
        store.load_file(bad, census_xlsx)
    assert str(bad) in str(e.value) and "download it again" in str(e.value)
    assert snapshot(store) == before


def _rewrite_sheet(src: Path, dst: Path, old: bytes, new: bytes) -> None:
    """Copy a real workbook, replacing bytes in its shared strings or sheet XML."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        hits = 0
        for item in zin.infolist():
            data = zin.read(item.filename)
            if old in data:
                data = data.replace(old, new, 1)
                hits += 1
            zout.writestr(item, data)
    assert hits, f"{old!r} not found in {src}"


def test_missing_column_names_sheet_and_column(shared: Path, store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "country.xlsx"
    _rewrite_sheet(shared / "census/country.xlsx", bad, b">IMAR<", b">IMARCH<")
    with pytest.raises(InputError) as e:
        store.load_file(bad, census_xlsx)
    msg = str(e.value)
    assert "sheet 'country', row 1 (header)" in msg and "IMAR" in msg
    assert store.count() == 0 and store.count("loads") == 0


def test_non_numeric_cell_names_row_and_column(shared: Path, store: Store, tmp_path: Path) -> None:
    # Turn the first header string 'IJAN' cell of a data row into text by replacing a value
    # with an inline string: find the first numeric cell of row 2 in the sheet XML.
    src = shared / "census/country.xlsx"
    with zipfile.ZipFile(src) as z:
        sheet = next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
        xml = z.read(sheet)
    start = xml.index(b'<c r="D2"')
    end = xml.index(b"</c>", start) + 4
    cell = xml[start:end]
    bad = tmp_path / "country.xlsx"
    _rewrite_sheet(src, bad, cell, b'<c r="D2" t="inlineStr"><is><t>n/a</t></is></c>')
    with pytest.raises(InputError) as e:
        store.load_file(bad, census_xlsx)
    assert "row 2, column IJAN" in str(e.value) and "'n/a' is not a number" in str(e.value)
    assert store.count() == 0


def test_html_body_invalid_key(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "exports.json"
    bad.write_text(
        "<html><head><title>Invalid Key</title></head><body>Invalid Key: the key you "
        "provided is not valid. api.census.gov</body></html>"
    )
    assert sources.detect(bad) is census_api
    with pytest.raises(InputError) as e:
        store.load_file(bad, census_api)
    assert "HTML page instead of JSON" in str(e.value) and "NORTE_CENSUS_KEY" in str(e.value)
    assert store.count() == 0


def _api_rows(shared: Path) -> list[list[str]]:
    with gzip.open(shared / "census/api/exports-country-2013-2024.json.gz", "rt") as f:
        rows: list[list[str]] = json.load(f)
    return rows


def test_api_missing_column(shared: Path, store: Store, tmp_path: Path) -> None:
    rows = _api_rows(shared)
    i = rows[0].index("ALL_VAL_MO")
    trimmed = [r[:i] + r[i + 1 :] for r in rows]
    bad = tmp_path / "exports.json.gz"
    bad.write_bytes(gzip.compress(json.dumps(trimmed).encode()))
    with pytest.raises(InputError) as e:
        store.load_file(bad, census_api)
    assert "JSON row 0 (header)" in str(e.value) and "ALL_VAL_MO" in str(e.value)
    assert store.count() == 0


def test_api_non_numeric_value_names_json_row(shared: Path, store: Store, tmp_path: Path) -> None:
    rows = _api_rows(shared)
    rows[500][rows[0].index("ALL_VAL_MO")] = "12,3x"
    bad = tmp_path / "exports.json"
    bad.write_text(json.dumps(rows))
    before = snapshot(store)
    with pytest.raises(InputError) as e:
        store.load_file(bad, census_api)
    assert "JSON row 500, column ALL_VAL_MO" in str(e.value) and "'12,3x'" in str(e.value)
    assert snapshot(store) == before


def test_unknown_code_fails_or_is_kept(shared: Path, store: Store, tmp_path: Path) -> None:
    rows = _api_rows(shared)
    rows[3][rows[0].index("CTY_CODE")] = "9999"
    bad = tmp_path / "exports.json"
    bad.write_text(json.dumps(rows))
    with pytest.raises(UnknownCodeError) as e:
        store.load_file(bad, census_api)
    assert "'9999'" in str(e.value) and "JSON row 3" in str(e.value)
    assert store.count() == 0
    r = store.load_file(bad, census_api, options={"unknown_codes": "keep"})
    assert any("9999" in w for w in r.warnings)
    kept = store.con.execute(
        "SELECT count(*) FROM observations WHERE partner = 'CENSUS:9999'"
    ).fetchall()
    assert kept == [(1,)]


def test_truncated_gzip(shared: Path, store: Store, tmp_path: Path) -> None:
    src = shared / "census/api/imports-country-2013-2024.json.gz"
    bad = tmp_path / "imports.json.gz"
    shutil.copy(src, bad)
    data = bad.read_bytes()
    bad.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError):
        store.load_file(bad, census_api)
    assert store.count() == 0
