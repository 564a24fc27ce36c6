"""INEGI BCMM on the real files: the mode-of-transport zip and the partner extract.

Expected figures are computed here from the files with zipfile + csv (no DuckDB).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from norte import sources
from norte.errors import InputError, UnknownCodeError
from norte.ingest import ingest
from norte.sources import inegi_bcmm, inegi_bcmm_paises
from norte.store import Store

ZIP = "inegi/bcmm/conjunto_de_datos_bcmm_mensual_mtra_csv.zip"
PAISES = "inegi/bcmm/bcmm_paises_bien_mensual_2026-01_extract.csv"
CHAPTERS = "conjunto_de_datos/bcmm_mtra_capitulo_mensual_tr_cifra_2012_2026.csv"
ADUANAS = "conjunto_de_datos/bcmm_mtra_aduana_mensual_tr_cifra_2012_2026.csv"


def members(path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(path) as z:
        return {
            m: list(csv.DictReader(io.StringIO(z.read(m).decode("utf-8-sig"))))
            for m in (CHAPTERS, ADUANAS)
        }


@pytest.fixture(scope="module")
def raw(shared: Path) -> dict[str, list[dict[str, str]]]:
    return members(shared / ZIP)


@pytest.fixture(scope="module")
def loaded(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = Store(tmp_path_factory.mktemp("bcmm") / "norte.duckdb")
    ingest(s, [shared / "inegi" / "bcmm"], out=io.StringIO())
    yield s
    s.close()


def rebuild(src: Path, dst: Path, member: str, edit: Callable[[str], str]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member:
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)
    return dst


def test_both_files_are_detected(shared: Path) -> None:
    assert sources.detect(shared / ZIP) is inegi_bcmm
    assert sources.detect(shared / PAISES) is inegi_bcmm_paises


def test_every_row_is_stored_with_its_value_in_dollars(
    raw: dict[str, list[dict[str, str]]], loaded: Store
) -> None:
    for member, dataset in ((CHAPTERS, "bcmm_mode_chapter"), (ADUANAS, "bcmm_mode_customs")):
        rows = raw[member]
        n, total = loaded.con.execute(
            "SELECT count(*), sum(value) FROM observations WHERE dataset = ?", [dataset]
        ).fetchone() or (0, 0)
        assert n == len(rows)
        expected = sum(float(r["VAL_USD"]) for r in rows if r["VAL_USD"]) * 1e6
        assert total == pytest.approx(expected, rel=1e-12)


def test_road_exports_through_nuevo_laredo_and_of_chapter_87(
    raw: dict[str, list[dict[str, str]]], loaded: Store
) -> None:
    laredo = defaultdict(float)
    for r in raw[ADUANAS]:
        if (
            r["CONCEPTO"] == "Nuevo Laredo, Tamps."
            and r["MTRA"] == "07"
            and r["TIPO"] == "Exportación"
        ):
            laredo[int(r["ANIO"])] += float(r["VAL_USD"]) * 1e6
    got = dict(
        loaded.con.execute(
            """SELECT year(period), sum(value) FROM observations WHERE dataset =
               'bcmm_mode_customs' AND geo_scheme = 'mx_aduana' AND geo_code = 'nuevo_laredo'
               AND mode = 'truck' AND flow = 'export' AND reporter = 'MEX' GROUP BY 1"""
        ).fetchall()
    )
    assert got.keys() == laredo.keys()
    for y in laredo:
        assert got[y] == pytest.approx(laredo[y], rel=1e-12)
    cars = sum(
        float(r["VAL_USD"]) * 1e6
        for r in raw[CHAPTERS]
        if r["CONCEPTO"].startswith("Capítulo 87 ")
        and r["ANIO"] == "2025"
        and r["TIPO"] == "Exportación"
    )
    stored = loaded.con.execute(
        """SELECT sum(value) FROM observations WHERE dataset = 'bcmm_mode_chapter'
           AND product_scheme = 'HS2' AND product_code = '87' AND flow = 'export'
           AND year(period) = 2025"""
    ).fetchone()
    assert stored is not None and stored[0] == pytest.approx(cars, rel=1e-12)


def test_levels_modes_and_codes(loaded: Store) -> None:
    modes = loaded.con.execute(
        "SELECT DISTINCT mode FROM observations WHERE source = 'inegi_bcmm' ORDER BY 1 NULLS FIRST"
    ).fetchall()
    assert modes == [(None,), ("air",), ("other_modes",), ("rail",), ("truck",), ("vessel",)]
    # every mode, aduana and product code of the load has labels in the codes table
    missing = loaded.con.execute(
        """SELECT DISTINCT o.mode, o.geo_code, o.product_scheme, o.product_code
           FROM observations o
           LEFT JOIN codes m ON m.scheme = 'mode' AND m.code = o.mode
           LEFT JOIN codes g ON g.scheme = o.geo_scheme AND g.code = o.geo_code
           LEFT JOIN codes p ON p.scheme = o.product_scheme AND p.code = o.product_code
           WHERE o.source = 'inegi_bcmm' AND ((o.mode IS NOT NULL AND m.code IS NULL)
              OR (o.geo_code IS NOT NULL AND g.code IS NULL)
              OR (o.product_code IS NOT NULL AND p.code IS NULL))"""
    ).fetchall()
    assert missing == []
    # the mode totals equal the national total (the three levels are kept apart by the key)
    gap = loaded.con.execute(
        """WITH t AS (SELECT flow, period, sum(value) FILTER (WHERE mode IS NULL) AS total,
                      sum(value) FILTER (WHERE mode IS NOT NULL AND product_code IS NULL) AS modes
               FROM observations WHERE dataset = 'bcmm_mode_chapter' GROUP BY ALL)
           SELECT max(abs(total - modes)) FROM t"""
    ).fetchone()
    assert gap is not None and gap[0] < 0.05e6


def test_status_confidential_and_vintage(
    raw: dict[str, list[dict[str, str]]], loaded: Store
) -> None:
    confidential = sum(1 for r in raw[CHAPTERS] if r["ESTATUS_CIFRA"] == "Confidencial")
    assert confidential > 0
    got = loaded.con.execute(
        """SELECT count(*) FILTER (WHERE status = 'confidential' AND value IS NULL),
                  count(*) FILTER (WHERE value IS NULL)
           FROM observations WHERE dataset = 'bcmm_mode_chapter'"""
    ).fetchone()
    assert got == (confidential, confidential)
    statuses = loaded.con.execute(
        "SELECT DISTINCT status FROM observations WHERE dataset = 'bcmm_mode_customs' ORDER BY 1"
    ).fetchall()
    assert statuses == [("adjusted",), ("definitive",), ("revised",)]
    load = loaded.con.execute(
        "SELECT vintage, vintage_from FROM loads WHERE format = 'inegi-bcmm-mtra'"
    ).fetchone()
    assert load is not None
    assert load[0] == dt.date(2026, 7, 22) and "metadatos" in load[1]


def test_partner_file(shared: Path, loaded: Store) -> None:
    rows = list(csv.DictReader(io.StringIO((shared / PAISES).read_text(encoding="utf-8-sig"))))
    usa = sum(
        int(r["VAL_USD"]) for r in rows if r["PAIS_O_D"] == "USA" and r["TIPO"] == "Exportaciones"
    )
    got = dict(
        loaded.con.execute(
            """SELECT partner, sum(value) FROM observations WHERE dataset = 'bcmm_partner_good'
               AND flow = 'export' AND period = '2026-01-01' GROUP BY 1"""
        ).fetchall()
    )
    assert got["USA"] == usa * 1000
    assert got["INEGI_NORTH_AMERICA"] == got["USA"] + got["CAN"]
    assert set(got) == {"WORLD", "INEGI_AMERICA", "INEGI_NORTH_AMERICA", "USA", "CAN"}
    details = loaded.con.execute(
        "SELECT DISTINCT detail FROM observations WHERE dataset = 'bcmm_partner_good' ORDER BY 1"
    ).fetchall()
    assert details == [("good=capital",), ("good=consumption",), ("good=intermediate",)]
    load = loaded.con.execute(
        "SELECT vintage, vintage_from FROM loads WHERE format = 'inegi-bcmm-paises'"
    ).fetchone()
    assert load is not None and load[0] == dt.date(2026, 3, 24) and load[1].startswith("estimated")


def test_a_missing_column_fails_naming_member_and_header(shared: Path, tmp_path: Path) -> None:
    def drop_estatus(text: str) -> str:
        lines = text.splitlines()
        return "\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n"

    bad = rebuild(shared / ZIP, tmp_path / "bcmm.zip", ADUANAS, drop_estatus)
    with Store(tmp_path / "s.duckdb") as s:
        ingest(s, [shared / PAISES], out=io.StringIO())
        before = s.count(), s.count("loads")
        with pytest.raises(InputError) as e:
            ingest(s, [bad], out=io.StringIO())
        assert (s.count(), s.count("loads")) == before
    msg = str(e.value)
    assert str(bad) in msg and ADUANAS in msg and "line 1 (header)" in msg
    assert "missing column(s) ESTATUS" in msg and "download the zip again" in msg


def test_partner_file_with_a_missing_column(shared: Path, tmp_path: Path) -> None:
    text = (shared / PAISES).read_text(encoding="utf-8")
    bad = tmp_path / "bcmm_paises.csv"
    bad.write_text(text.replace(",VAL_USD,", ",VALOR,", 1), encoding="utf-8")
    with Store(tmp_path / "s.duckdb") as s:
        with pytest.raises(InputError) as e:
            s.load_file(bad, inegi_bcmm_paises)
        assert s.count() == 0 and s.count("loads") == 0
    assert "line 1 (header)" in str(e.value) and "VAL_USD" in str(e.value)


def test_unknown_aduana_and_zone(shared: Path, tmp_path: Path) -> None:
    bad = rebuild(
        shared / ZIP,
        tmp_path / "bcmm.zip",
        ADUANAS,
        lambda t: t.replace('"Guadalajara, Jal."', '"Querétaro, Qro."', 1),
    )
    with Store(tmp_path / "s.duckdb") as s:
        with pytest.raises(UnknownCodeError) as e:
            s.load_file(bad, inegi_bcmm)
        assert s.count() == 0
        assert "Querétaro, Qro." in str(e.value) and "inegi_bcmm.csv" in str(e.value)
        r = s.load_file(bad, inegi_bcmm, options={"unknown_codes": "keep"})
        assert any("INEGI:Querétaro, Qro." in w for w in r.warnings)
    text = (shared / PAISES).read_text(encoding="utf-8")
    zone = tmp_path / "paises.csv"
    zone.write_text(text.replace(",C01,R01,,", ",C02,R05,,", 1), encoding="utf-8")
    with Store(tmp_path / "z.duckdb") as s:
        with pytest.raises(UnknownCodeError) as e2:
            s.load_file(zone, inegi_bcmm_paises)
        assert s.count() == 0
    assert "C02/R05" in str(e2.value) and "line 4" in str(e2.value)
