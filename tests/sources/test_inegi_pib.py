"""INEGI GDP and IGAE on the real files: the two tabulados (.xlsx) and the open-data GDP CSV.

Expected figures are read here with python-calamine and csv, by Excel position.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from norte import sources
from norte.errors import InputError
from norte.ingest import ingest
from norte.sources import inegi_pib, inegi_pib_csv
from norte.store import Store

PIB = "inegi/pib/pibt_cte_valor.xlsx"
IGAE = "inegi/pib/igae_indice.xlsx"
CSV = "inegi/pib/conjunto_de_datos_pibt_pibt_cte2022_t2.csv"


def sheet(path: Path) -> list[list[object]]:
    import python_calamine as calamine

    return list(calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())


@pytest.fixture(scope="module")
def loaded(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = Store(tmp_path_factory.mktemp("pib") / "norte.duckdb")
    ingest(s, [shared / "inegi" / "pib"], out=io.StringIO())
    yield s
    s.close()


def shift_rows(src: Path, dst: Path, from_row: int) -> Path:
    """Copy a workbook with an empty row inserted above Excel row ``from_row``."""

    def bump(m: re.Match[str]) -> str:
        n = int(m.group(2))
        return f"{m.group(1)}{n + 1 if n >= from_row else n}"

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode("utf-8")
                xml = re.sub(r'(<row r=")(\d+)', bump, xml)
                xml = re.sub(r"(\b[A-Z]+)(\d+)(?=[:\"])", bump, xml)
                data = xml.encode("utf-8")
            zout.writestr(item, data)
    return dst


def test_detected_by_content(shared: Path) -> None:
    assert sources.detect(shared / PIB) is inegi_pib
    assert sources.detect(shared / IGAE) is inegi_pib
    assert sources.detect(shared / CSV) is inegi_pib_csv
    assert not inegi_pib.detect(shared / "census" / "country.xlsx")
    assert not inegi_pib.detect(shared / "spi" / "mexico-states" / "00_IPS_COMPLETE_LONG.xlsx")


def test_quarterly_gdp_every_row_and_quarter(shared: Path, loaded: Store) -> None:
    rows = sheet(shared / PIB)
    header = next(i for i, r in enumerate(rows) if r[0] == "Denominación")
    data = [r for r in rows[header + 2 :] if r[0] != "" or r[1] != ""]
    data = data[: next(i for i, r in enumerate(data) if str(r[0]).startswith("Nota"))]
    got = dict(
        loaded.con.execute(
            """SELECT detail || '|' || strftime(period, '%Y-%m'), value FROM observations
               WHERE dataset = 'inegi_pibt_2018' AND measure = 'gdp_real' AND unit = 'MXN_2018'
               AND freq = 'Q' AND reporter = 'MEX'"""
        ).fetchall()
    )
    assert len(got) == len(data) * (len(rows[header]) - 2)
    total = data[0]
    assert total[0] == "Producto interno bruto, a precios de mercado"
    assert got["adj=sa|1993-01"] == total[2] * 1e6
    assert got["adj=sa|2025-10"] == total[-1] * 1e6
    manufacturing = next(r for r in data if r[0] == "31-33")
    assert got["adj=sa;sector=31-33|2025-10"] == manufacturing[-1] * 1e6
    assert got["adj=sa;sector=taxes|1993-04"] == data[1][3] * 1e6
    vintage = loaded.con.execute(
        "SELECT vintage, vintage_from FROM loads WHERE location LIKE '%pibt_cte_valor.xlsx'"
    ).fetchone()
    assert vintage is not None and vintage[0] == dt.date(2026, 2, 20)
    assert "document properties" in vintage[1]


def test_igae_monthly_index(shared: Path, loaded: Store) -> None:
    rows = sheet(shared / IGAE)
    total = next(r for r in rows if r[0] == "Indicador Global de la Actividad Económica")
    mining = next(r for r in rows if str(r[1]).startswith("21 Miner"))
    got = dict(
        loaded.con.execute(
            """SELECT detail || '|' || strftime(period, '%Y-%m'), value FROM observations
               WHERE dataset = 'inegi_igae_2018' AND measure = 'igae'
               AND unit = 'index_2018=100' AND freq = 'M'"""
        ).fetchall()
    )
    assert got["adj=sa|1993-01"] == total[2]
    assert got["adj=sa|2026-01"] == total[-1]
    assert got["adj=sa;sector=21|2026-01"] == mining[-1]
    assert max(k.split("|")[1] for k in got) == "2026-01"


def test_open_data_csv_quarters_annual_and_flags(shared: Path, loaded: Store) -> None:
    rows = list(csv.reader(io.StringIO((shared / CSV).read_text(encoding="utf-8-sig"))))
    head, gdp = rows[0], rows[1]
    cell = dict(zip(head, gdp, strict=True))
    got = {
        (p.strftime("%Y-%m"), f): (v, s)
        for p, f, v, s in loaded.con.execute(
            """SELECT period, freq, value, status FROM observations WHERE dataset =
               'inegi_pibt_2013' AND detail = 'adj=nsa' AND unit = 'MXN_2013'"""
        ).fetchall()
    }
    assert got[("1993-01", "Q")] == (float(cell["1993|T1"]) * 1e6, None)
    assert got[("1993-01", "A")] == (float(cell["1993|Anual"]) * 1e6, None)
    assert got[("2022-04", "Q")] == (float(cell["2022|T2<P>"]) * 1e6, "preliminary")
    assert got[("2022-01", "Q")][1] == "revised"
    assert ("2022-07", "Q") not in got  # empty cell: not yet published
    quarters = [h for h in head if re.search(r"\|T\d", h)]
    years = [h for h in head if "Anual" in h]
    assert sum(1 for k in got if k[1] == "Q") == sum(1 for h in quarters if cell[h])
    assert sum(1 for k in got if k[1] == "A") == sum(1 for h in years if cell[h])
    n = loaded.con.execute(
        "SELECT count(DISTINCT detail) FROM observations WHERE dataset = 'inegi_pibt_2013'"
    ).fetchone()
    assert n == (len([r for r in rows[1:] if r]),)


def test_bases_and_adjustments_never_share_a_series(loaded: Store) -> None:
    series = loaded.con.execute(
        """SELECT dataset, unit, detail FROM observations
           WHERE measure = 'gdp_real' AND detail IN ('adj=sa', 'adj=nsa')
           GROUP BY ALL ORDER BY ALL"""
    ).fetchall()
    assert series == [
        ("inegi_pibt_2013", "MXN_2013", "adj=nsa"),
        ("inegi_pibt_2018", "MXN_2018", "adj=sa"),
    ]
    # every sector code has a label
    missing = loaded.con.execute(
        """SELECT DISTINCT regexp_extract(detail, 'sector=(.*)$', 1) AS s FROM observations
           WHERE source = 'inegi_pib' AND detail LIKE '%sector=%'
           AND regexp_extract(detail, 'sector=(.*)$', 1) NOT IN
               (SELECT code FROM codes WHERE scheme = 'scian_sector')"""
    ).fetchall()
    assert missing == []


def test_moved_header_rows_fail_naming_sheet_and_row(shared: Path, tmp_path: Path) -> None:
    rows = sheet(shared / PIB)
    # calamine starts at the first used row; INEGI's row 1 is blank: Excel row = index + 2
    denominacion = next(i for i, r in enumerate(rows) if r[0] == "Denominación") + 2
    bad = shift_rows(shared / PIB, tmp_path / "pibt_cte_valor.xlsx", denominacion)
    with Store(tmp_path / "s.duckdb") as s:
        ingest(s, [shared / IGAE], out=io.StringIO())
        before = s.count(), s.count("loads")
        with pytest.raises(InputError) as e:
            ingest(s, [bad], out=io.StringIO())
        assert (s.count(), s.count("loads")) == before
    msg = str(e.value)
    assert str(bad) in msg
    assert f"sheet 'desest-valor', row {denominacion}" in msg
    assert f"'Denominación' is in row {denominacion + 1}: the header rows moved" in msg
    assert "expected 'Denominación' in column A" in msg


def test_csv_of_unknown_base_is_refused(shared: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "pib.csv"
    renamed.write_bytes((shared / CSV).read_bytes())
    with Store(tmp_path / "s.duckdb") as s:
        with pytest.raises(InputError) as e:
            s.load_file(renamed, inegi_pib_csv)
        assert s.count() == 0
    assert "base year" in str(e.value) and "file name" in str(e.value)
