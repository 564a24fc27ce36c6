"""Statistics Canada: full-table CSV (FDI by country, NAPCS trade extract) and the derived GDP
copy, against the raw files read here with the csv module; bad input leaves the store as it was."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from norte import sources
from norte.errors import InputError, UnknownCodeError
from norte.sources import statcan_derived, statcan_displayed, statcan_table
from norte.store import Store

REPO = Path(__file__).resolve().parents[2]
PROV = {"provenance_dirs": [str(REPO / "provenance")]}
FDI = "statcan/3610000801_databaseLoadingData.csv"
NAPCS = "statcan/canada-us-trade-by-napcs-section-annual-2014-2024.csv"
GDP = "statcan/gdp-36100104-real-gdp-canada-quarterly-derived.csv"


def raw(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [r for r in csv.DictReader(f) if r.get("REF_DATE")]


def empty(store: Store) -> bool:
    return store.con.execute(
        "SELECT (SELECT count(*) FROM loads) + (SELECT count(*) FROM observations)"
    ).fetchone() == (0,)


def test_detects_each_layout(shared: Path) -> None:
    assert sources.detect(shared / FDI) is statcan_table
    assert sources.detect(shared / NAPCS) is statcan_table
    assert sources.detect(shared / GDP) is statcan_derived
    # "as displayed": its own reader (tests/sources/test_statcan_displayed.py)
    assert sources.detect(shared / "statcan/1410028701-eng.csv") is statcan_displayed


def test_fdi_full_table_every_row(shared: Path, store: Store) -> None:
    r = store.load_file(shared / FDI, statcan_table)
    rows = raw(shared / FDI)
    assert r.rows == len(rows) == 1870
    got = {
        (d.split("vector=")[1], p.year): (v, s, partner, d, m, u)
        for d, p, v, s, partner, m, u in store.con.execute(
            "SELECT detail, period, value, status, partner, measure, unit FROM observations"
        ).fetchall()
    }
    names = {"United States": "USA", "Mexico": "MEX", "All countries": "WORLD", "China": "CHN"}
    for row in rows:
        v, s, partner, d, m, u = got[(row["VECTOR"], int(row["REF_DATE"]))]
        assert (m, u) == ("fdi_position", "CAD")
        want = None if row["VALUE"] == "" else float(Decimal(row["VALUE"]) * 10**6)
        assert v == want
        if row["STATUS"] == "..":
            assert s is not None and s.startswith("not_available")
        assert ("terminated" in (s or "")) == (row["TERMINATED"] == "t")
        direction = (
            "outward"
            if row["Canadian and foreign direct investment"].startswith("Canadian")
            else "inward"
        )
        assert d == f"adj=nsa;direction={direction};vector={row['VECTOR']}"
        if row["Countries or regions"] in names:
            assert partner == names[row["Countries or regions"]]
    assert store.con.execute(
        "SELECT DISTINCT dataset, reporter, freq FROM observations"
    ).fetchall() == [("statcan_36100008", "CAN", "A")]
    # Burma and Myanmar are two StatCan series: two partners, never one key twice
    assert store.con.execute(
        "SELECT count(DISTINCT partner) FROM observations WHERE partner IN ('BUR', 'MMR')"
    ).fetchone() == (2,)


def test_napcs_extract_needs_its_table_named(shared: Path, store: Store) -> None:
    with pytest.raises(InputError) as e:
        store.load_file(shared / NAPCS, statcan_table)
    assert "does not say which StatCan table" in str(
        e.value
    ) and 'agency = "Statistics Canada"' in str(e.value)
    assert empty(store)
    r = store.load_file(shared / NAPCS, statcan_table, options=PROV)
    rows = raw(shared / NAPCS)
    assert r.rows == len(rows) == 4004
    total = {
        (row["REF_DATE"], row["Trade"].lower()): float(Decimal(row["VALUE"]) * 1000)
        for row in rows
        if row["GEO"] == "Canada"
        and row["North American Product Classification System (NAPCS)"] == "All sections"
    }
    got = dict(
        ((str(p.year), f), v)
        for p, f, v in store.con.execute(
            "SELECT period, flow, value FROM observations WHERE geo_code IS NULL AND product_code IS NULL"
        ).fetchall()
    )
    assert got == total and got[("2014", "export")] == 377_273_540_500.0
    sections = store.con.execute(
        "SELECT DISTINCT product_scheme, product_code FROM observations WHERE product_code IS NOT NULL ORDER BY 2"
    ).fetchall()
    assert sections[0] == ("NAPCS", "C11") and len(sections) == 12
    assert store.con.execute(
        "SELECT count(DISTINCT geo_code), min(partner), max(partner), min(dataset) FROM observations WHERE geo_code IS NOT NULL"
    ).fetchone() == (13, "USA", "USA", "statcan_trade_napcs_annual")


def _copy(shared: Path, tmp_path: Path, name: str, edit: dict[int, tuple[str, str]]) -> Path:
    """A copy of the FDI table with cells of some lines replaced: {line: (column, value)}."""
    src = shared / FDI
    with open(src, encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    header = lines[0]
    for line, (col, value) in edit.items():
        lines[line - 1][header.index(col)] = value
    out = tmp_path / name
    with open(out, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerows(lines)
    return out


def test_unknown_symbol_names_line_and_column(shared: Path, store: Store, tmp_path: Path) -> None:
    bad = _copy(shared, tmp_path, "3610000801_databaseLoadingData.csv", {5: ("SYMBOL", "Z")})
    with pytest.raises(InputError) as e:
        store.load_file(bad, statcan_table)
    assert e.value.place == "line 5, column SYMBOL" and "'Z'" in str(e.value)
    assert "guide-symbol" in str(e.value)
    assert empty(store)


def test_documented_symbols_become_status(shared: Path, store: Store, tmp_path: Path) -> None:
    ok = _copy(
        shared,
        tmp_path,
        "3610000801_databaseLoadingData.csv",
        {2: ("SYMBOL", "p"), 3: ("STATUS", "E"), 4: ("STATUS", "x")},
    )
    store.load_file(ok, statcan_table)
    got = [
        s
        for (s,) in store.con.execute(
            "SELECT status FROM observations WHERE detail LIKE '%vector=v7117682' ORDER BY period"
        ).fetchall()
    ]
    assert got[:3] == ["preliminary", "use_with_caution", "suppressed"]


def test_unknown_country_fails_unless_kept(shared: Path, store: Store, tmp_path: Path) -> None:
    bad = _copy(
        shared,
        tmp_path,
        "3610000801_databaseLoadingData.csv",
        {7: ("Countries or regions", "Atlantis")},
    )
    with pytest.raises(UnknownCodeError) as e:
        store.load_file(bad, statcan_table)
    assert "line 7" in e.value.place and "statcan.csv" in str(e.value)
    assert empty(store)
    r = store.load_file(bad, statcan_table, options={"unknown_codes": "keep"})
    assert any("Atlantis" in w for w in r.warnings)


def test_derived_gdp_copy_needs_a_manifest(shared: Path, store: Store, tmp_path: Path) -> None:
    copy = tmp_path / Path(GDP).name
    shutil.copy(shared / GDP, copy)
    with pytest.raises(InputError) as e:
        store.load_file(copy, statcan_derived)
    msg = str(e.value)
    assert 'id = "36-10-0104-01"' in msg and "measure = " in msg and "NORTE_PROVENANCE_DIRS" in msg
    assert empty(store)
    r = store.load_file(shared / GDP, statcan_derived, options=PROV)
    assert r.rows == 262
    row = store.con.execute(
        "SELECT dataset, reporter, measure, unit, detail, freq, value FROM observations WHERE period = '2026-04-01'"
    ).fetchone()
    assert row == (
        "statcan_36100104",
        "CAN",
        "gdp_real",
        "CAD_chained_2017",
        "adj=saar;vector=v62305752",
        "Q",
        2_524_127_000_000.0,
    )
    assert store.con.execute("SELECT vintage_from FROM loads").fetchone()[0].startswith("estimated")


def test_derived_copy_with_a_manifest_missing_a_key(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    copy = tmp_path / Path(GDP).name
    shutil.copy(shared / GDP, copy)
    text = (REPO / "provenance/statcan" / (copy.name + ".norte.toml")).read_text()
    lines = [ln for ln in text.splitlines() if not ln.startswith(("adj", "sha256"))]
    (tmp_path / (copy.name + ".norte.toml")).write_text(
        "\n".join(lines) + "\nrelease_date = 2026-08-28\n"
    )
    with pytest.raises(InputError) as e:
        store.load_file(copy, statcan_derived)
    assert e.value.place == "key 'adj'" and e.value.path.endswith(".norte.toml")
    assert empty(store)
    (tmp_path / (copy.name + ".norte.toml")).write_text(
        "\n".join(lines) + '\nadj = "saar"\nrelease_date = 2026-08-28\n'
    )
    r = store.load_file(copy, statcan_derived)
    assert str(r.vintage) == "2026-08-28"
    assert store.con.execute("SELECT vintage_from FROM loads").fetchone() == ("manifest",)


def test_seph_derived_full_table_with_its_manifest(shared: Path, store: Store) -> None:
    """A re-written full table (extra Lat,Lang columns, no table id in its name): its shipped
    manifest names table 14-10-0201-01 and adj=nsa; NAICS codes go to detail naics=."""
    import gzip

    path = shared / "statcan/1410020101-seph-derived.csv.gz"
    r = store.load_file(path, statcan_table, options=PROV)
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert r.rows == len(rows) == 24864
    row = next(
        x for x in rows if x["GEO"] == "Ontario" and x["REF_DATE"] == "2023-06" and x["VALUE"]
    )
    code = (
        row["North American Industry Classification System (NAICS)"].rsplit("[", 1)[1].rstrip("]")
    )
    got = store.con.execute(
        "SELECT dataset, value, unit, freq FROM observations WHERE geo_code = 'CA-ON' "
        "AND period = '2023-06-01' AND detail = ?",
        [
            f"adj=nsa;naics={code.replace(' ', '')};type_of_employee=all_employees;vector={row['VECTOR']}"
        ],
    ).fetchall()
    assert got == [("statcan_14100201", float(row["VALUE"]), "persons", "M")]
    assert (
        store.con.execute(
            "SELECT count(*) FROM observations WHERE detail LIKE '%naics=%,%'"
        ).fetchone()[0]
        > 0
    )


def test_manifest_naming_another_table_is_refused(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    copy = tmp_path / "3610000801_databaseLoadingData.csv"
    shutil.copy(shared / FDI, copy)
    m = tmp_path / (copy.name + ".norte.toml")
    m.write_text('agency = "Statistics Canada"\nid = "36-10-0104-01"\nurl = "u"\n')
    with pytest.raises(InputError) as e:
        store.load_file(copy, statcan_table)
    assert e.value.path == str(m) and "file name says table 36100008" in str(e.value)
    m.write_text(
        'agency = "Statistics Canada"\nid = "36-10-0008-01"\nurl = "u"\nrelease_date = 2024-11-04\n'
    )
    r = store.load_file(copy, statcan_table)
    assert str(r.vintage) == "2024-11-04"
    assert store.con.execute("SELECT vintage_from FROM loads").fetchone() == ("manifest",)
