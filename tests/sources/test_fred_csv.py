"""FRED series CSV: the shared date,value copies with the shipped manifests, FRED's own download
layout with no manifest, '.' missing values, and refused loads (store unchanged)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from norte import sources
from norte.errors import InputError
from norte.sources import fred_csv
from norte.store import Store

REPO = Path(__file__).resolve().parents[2]
PROV = {"provenance_dirs": [str(REPO / "provenance")]}
SERIES = {
    # id: (measure, unit, scale, detail, freq)
    "GDPC1": ("gdp_real", "USD_chained_2017", 10**9, "adj=saar", "Q"),
    "A939RX0Q048SBEA": ("gdp_real_per_capita", "USD_chained_2017", 1, "adj=saar", "Q"),
    "PAYEMS": ("employment", "jobs", 1000, "adj=sa;sector=total_nonfarm", "M"),
    "MANEMP": ("employment", "jobs", 1000, "adj=sa;sector=manufacturing", "M"),
    "CES3133600101": ("employment", "jobs", 1000, "adj=sa;sector=motor_vehicles_parts", "M"),
    "CES4348400001": ("employment", "jobs", 1000, "adj=sa;sector=truck_transportation", "M"),
    "BOPGSTB": ("trade_balance", "USD", 10**6, "adj=sa;basis=bop;scope=goods_services", "M"),
}


def empty(store: Store) -> bool:
    return store.con.execute(
        "SELECT (SELECT count(*) FROM loads) + (SELECT count(*) FROM observations)"
    ).fetchone() == (0,)


@pytest.mark.parametrize("series", sorted(SERIES))
def test_shared_copies_load_with_the_shipped_manifests(
    shared: Path, store: Store, series: str
) -> None:
    path = shared / "fred" / f"{series}.csv"
    assert sources.detect(path) is fred_csv
    r = store.load_file(path, fred_csv, options=PROV)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    assert r.rows == len(rows)
    measure, unit, scale, detail, freq = SERIES[series]
    got = dict(
        store.con.execute(
            "SELECT period, value FROM observations WHERE dataset = ? AND measure = ? AND unit = ? "
            "AND detail = ? AND freq = ? AND reporter = 'USA'",
            [f"fred_{series}", measure, unit, detail, freq],
        ).fetchall()
    )
    assert got == {dt.date.fromisoformat(d): float(Decimal(v) * scale) for d, v in rows}
    # the copy says "latest vintage as of August 2026" with no day: the vintage stays estimated
    vintage, how = store.con.execute("SELECT vintage, vintage_from FROM loads").fetchone()
    assert how.startswith("estimated") and "no release_date" in how
    assert dt.date(2026, 7, 1) <= vintage <= dt.date(2026, 8, 31)


def test_copy_without_manifest_is_refused_with_a_template(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    copy = tmp_path / "GDPC1.csv"
    shutil.copy(shared / "fred/GDPC1.csv", copy)
    with pytest.raises(InputError) as e:
        store.load_file(copy, fred_csv, options=PROV)  # the shipped one names shared/fred/
    msg = str(e.value)
    assert e.value.path == str(copy) and e.value.place == "provenance"
    for line in ('id = "GDPC1"', 'unit = "USD_chained_2017"', "scale = 1e9", 'adj = "saar"'):
        assert line in msg
    assert "# release_date" in msg
    assert empty(store)
    unknown = tmp_path / "SOMETHING.csv"
    shutil.copy(shared / "fred/GDPC1.csv", unknown)
    with pytest.raises(InputError, match='measure = ""'):
        store.load_file(unknown, fred_csv)


def test_download_layout_with_dots_loads_without_manifest(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    """FRED's own download names the series; '.' is FRED's missing value: NULL + status."""
    lines = (shared / "fred/PAYEMS.csv").read_text().splitlines()
    lines[0] = "observation_date,PAYEMS"
    lines[3] = lines[3].split(",")[0] + ",."
    lines[5] = lines[5].split(",")[0] + ","
    dl = tmp_path / "PAYEMS.csv"
    dl.write_text("\n".join(lines) + "\n")
    assert sources.detect(dl) is fred_csv
    r = store.load_file(dl, fred_csv)
    assert r.rows == len(lines) - 1
    missing = store.con.execute(
        "SELECT period, value, status FROM observations WHERE status IS NOT NULL ORDER BY period"
    ).fetchall()
    assert missing == [
        (dt.date.fromisoformat(lines[3][:10]), None, "missing"),
        (dt.date.fromisoformat(lines[5][:10]), None, "missing"),
    ]
    assert any("missing values" in n for n in r.notes)


def test_bad_number_and_wrong_frequency_name_the_line(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    lines = (shared / "fred/GDPC1.csv").read_text().splitlines()
    lines[0] = "observation_date,GDPC1"
    bad = tmp_path / "GDPC1.csv"
    bad.write_text("\n".join([*lines[:4], lines[4].split(",")[0] + ",n/a", *lines[5:]]) + "\n")
    with pytest.raises(InputError) as e:
        store.load_file(bad, fred_csv)
    assert e.value.place == "line 5, column 2 (value)"
    monthly = "\n".join([lines[0], "1970-01-01,1", "1970-02-01,2"]) + "\n"
    bad.write_text(monthly)
    with pytest.raises(InputError, match="not the start of a Q period"):
        store.load_file(bad, fred_csv)
    assert empty(store)


def test_manifest_missing_a_key_and_contradicting_the_table(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    copy = tmp_path / "GDPC1.csv"
    shutil.copy(shared / "fred/GDPC1.csv", copy)
    m = tmp_path / "GDPC1.csv.norte.toml"
    base = 'agency = "BEA"\nid = "GDPC1"\nurl = "https://fred.stlouisfed.org/series/GDPC1"\n'
    m.write_text(base + "scale = 1e9\n")
    with pytest.raises(InputError) as e:
        store.load_file(copy, fred_csv)
    assert e.value.path == str(m) and e.value.place == "key 'unit'"
    m.write_text(base + 'unit = "USD_chained_2012"\nscale = 1e9\n')
    with pytest.raises(InputError, match="contradicts norte's table"):
        store.load_file(copy, fred_csv)
    assert empty(store)
    m.write_text(base + 'unit = "USD_chained_2017"\nscale = 1e9\nrelease_date = 2026-07-30\n')
    r = store.load_file(copy, fred_csv)
    assert r.vintage == dt.date(2026, 7, 30)
    assert store.con.execute("SELECT vintage_from FROM loads").fetchone() == ("manifest",)
