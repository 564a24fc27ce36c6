"""The catalog entries of TransBorder, BTS crossings, INEGI RAIAVL and SPI México, checked against
sums computed here from the raw files as the agencies publish them (not from the store)."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import python_calamine as calamine

from norte.indicators import indicators, load_catalog
from norte.store import Store

NEW_FILES = ("transborder.toml", "bts_crossings.toml", "inegi_raiavl.toml", "spi_mexico.toml")


def _value(store: Store, indicator: str, period: str, **dims: str) -> float:
    sql = "SELECT value FROM indicator_values_latest WHERE indicator_id = ? AND period = ?"
    params: list[Any] = [indicator, period]
    for k, v in dims.items():
        sql += f" AND {k} = ?"
        params.append(v)
    rows = store.con.execute(sql, params).fetchall()
    assert len(rows) == 1, (indicator, period, dims, rows)
    return float(rows[0][0])


def test_new_entries_name_their_goal_and_have_three_languages() -> None:
    defs = [d for d in load_catalog() if Path(d.file).name in NEW_FILES]
    assert {Path(d.file).name for d in defs} == set(NEW_FILES)
    goals: dict[str, set[int]] = defaultdict(set)
    for d in defs:
        goals[Path(d.file).name].add(d.goal)
    assert goals == {
        "transborder.toml": {3},
        "inegi_raiavl.toml": {3},
        "bts_crossings.toml": {4},
        "spi_mexico.toml": {1},
    }
    for ind in indicators(defs):
        titles = {lang: ind.title(lang) for lang in ("en", "es", "fr")}
        assert all(titles.values()) and len(set(titles.values())) == 3, ind.id
    # one TransBorder breakdown per indicator: never two of the three tables (double counting)
    for d in defs:
        datasets = d.resolved_series()["dataset"]
        assert sum(ds.startswith("transborder_dot") for ds in datasets) <= 1, d.id


def _dot1_2023(shared: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for z in sorted((shared / "transborder" / "raw" / "year_2023").glob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            for name in zf.namelist():
                if name.startswith("dot1_") and "ytd" not in name:
                    text = zf.read(name).decode("utf-8")
                    rows.extend(csv.DictReader(io.StringIO(text)))
    return rows


def test_truck_share_of_us_mexico_trade_2023_from_the_raw_zips(
    sources_store: Store, shared: Path
) -> None:
    by_mode: dict[str, float] = defaultdict(float)
    january: dict[str, float] = defaultdict(float)
    for r in _dot1_2023(shared):
        if r["COUNTRY"] == "2010":  # Mexico; exports and imports
            by_mode[r["DISAGMOT"]] += float(r["VALUE"])
            if r["MONTH"] in ("1", "01"):
                january[r["DISAGMOT"]] += float(r["VALUE"])
    share = by_mode["5"] / sum(by_mode.values()) * 100  # DISAGMOT 5 = truck
    got = _value(sources_store, "transborder-truck-share-annual.mex", "2023-01-01")
    assert got == pytest.approx(share, rel=1e-12)
    assert 65 < got < 75  # about 70 %: trucks carry most U.S.-Mexico trade
    jan = _value(sources_store, "transborder-truck-share.mex", "2023-01-01")
    assert jan == pytest.approx(january["5"] / sum(january.values()) * 100, rel=1e-12)
    rail = _value(
        sources_store,
        "transborder-trade-by-mode-annual.mex",
        "2023-01-01",
        mode="rail",
        flow="import",
    )
    assert rail > 0


def test_inegi_exports_to_the_us_jan_2023_on_jan_2022_from_the_raw_csv(
    sources_store: Store, shared: Path
) -> None:
    zpath = shared / "inegi" / "conjunto_de_datos_raiavl_mensual_exportacion_csv.zip"
    units: dict[int, float] = defaultdict(float)
    everywhere: dict[int, float] = defaultdict(float)
    with zipfile.ZipFile(zpath) as zf:
        for year in (2022, 2023):
            name = f"raiavl/conjunto_de_datos/raiavl_exportacion_mensual_tr_cifra_{year}.csv"
            for r in csv.DictReader(io.StringIO(zf.read(name).decode("utf-8"))):
                if int(r["ID_MES"]) == 1:
                    everywhere[year] += float(r["UNI_VEH"])
                    if r["ID_PAIS_DESTINO"] == "66":  # Estados Unidos
                        units[year] += float(r["UNI_VEH"])
    assert units[2022] > 0
    assert _value(sources_store, "mx-vehicle-exports-us", "2023-01-01") == units[2023]
    yoy = (units[2023] - units[2022]) / units[2022] * 100
    got = _value(sources_store, "mx-vehicle-exports-us-yoy", "2023-01-01")
    assert got == pytest.approx(yoy, rel=1e-12)
    share = _value(sources_store, "mx-vehicle-exports-us-share", "2023-01-01", partner="USA")
    assert share == pytest.approx(units[2023] / everywhere[2023] * 100, rel=1e-12)


def test_truck_crossings_by_port_from_the_raw_file(sources_store: Store, shared: Path) -> None:
    trucks: dict[tuple[str, str], float] = defaultdict(float)
    with gzip.open(shared / "bts" / "border_crossing_entry_data.csv.gz", "rt") as f:
        for r in csv.DictReader(f):
            if r["Measure"] == "Trucks" and r["Border"] == "US-Mexico Border":
                trucks[(r["Port Code"], r["Date"])] += float(r["Value"])
    laredo = (trucks[("2304", "Jan 2024")] - trucks[("2304", "Jan 2023")]) / trucks[
        ("2304", "Jan 2023")
    ]
    got = _value(sources_store, "truck-crossings-port-yoy.mex", "2024-01-01", geo_code="2304")
    assert got == pytest.approx(laredo * 100, rel=1e-12)
    total = {m: sum(v for (p, d), v in trucks.items() if d == m) for m in ("Jan 2023", "Jan 2024")}
    yoy = (total["Jan 2024"] - total["Jan 2023"]) / total["Jan 2023"] * 100
    assert _value(sources_store, "truck-crossings-yoy.mex", "2024-01-01") == pytest.approx(
        yoy, rel=1e-12
    )
    # Laredo is the busiest truck port on the border with Mexico
    year = {
        p: sum(v for (q, d), v in trucks.items() if q == p and d.endswith("2023"))
        for p, _ in trucks
    }
    assert max(year, key=lambda p: year[p]) == "2304"
    rank = _value(
        sources_store, "truck-crossings-port-rank-annual.mex", "2023-01-01", geo_code="2304"
    )
    assert rank == 1


def test_spi_gaps_from_the_raw_workbook(sources_store: Store, shared: Path) -> None:
    wb = calamine.CalamineWorkbook.from_path(
        str(shared / "spi" / "mexico-states" / "00_IPS_COMPLETE_LONG.xlsx")
    )
    rows = wb.get_sheet_by_name("01_IPS_DIM").to_python()
    head = [str(h) for h in rows[0]]
    i = {h: head.index(h) for h in ("cve_ent", "anio", "id_dim", "dim_value")}
    overall = {
        str(r[i["cve_ent"]]).zfill(2): float(r[i["dim_value"]])
        for r in rows[1:]
        if r[i["anio"]] not in ("", None)
        and int(float(r[i["anio"]])) == 2024
        and str(r[i["id_dim"]]).zfill(2) == "00"
    }
    states = {k: v for k, v in overall.items() if "01" <= k <= "32"}
    assert len(states) == 32
    spread = max(states.values()) - min(states.values())
    got = _value(sources_store, "spi-mx-gap-best-worst", "2024-01-01", measure="spi_overall")
    assert got == pytest.approx(spread, rel=1e-12)
    # Nuevo León (19) against the nation (00)
    gap = _value(
        sources_store,
        "spi-mx-gap-to-national",
        "2024-01-01",
        measure="spi_overall",
        geo_code="MX-NLE",
    )
    assert gap == pytest.approx(states["19"] - overall["00"], rel=1e-12)
    best = max(states, key=lambda k: states[k])
    best_iso = sources_store.con.execute(
        "SELECT geo_code FROM indicator_values_latest WHERE indicator_id = 'spi-mx-state-rank' "
        "AND period = '2024-01-01' AND value = 1"
    ).fetchall()
    assert len(best_iso) == 1
    assert _value(
        sources_store, "spi-mx-state-score", "2024-01-01", geo_code=best_iso[0][0]
    ) == pytest.approx(states[best], rel=1e-12)
