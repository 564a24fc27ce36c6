"""INEGI RAIAVL light-vehicle exports on the real zip: figures vs the raw CSVs, ESTATUS, bad input.

Expected figures are computed here from the zip with zipfile + csv (no DuckDB).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from norte import sources
from norte.cli import main
from norte.errors import InputError, UnknownCodeError
from norte.sources import inegi_raiavl
from norte.store import Store

REL = "inegi/conjunto_de_datos_raiavl_mensual_exportacion_csv.zip"
Y2025 = "raiavl/conjunto_de_datos/raiavl_exportacion_mensual_tr_cifra_2025.csv"
Y2024 = "raiavl/conjunto_de_datos/raiavl_exportacion_mensual_tr_cifra_2024.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    with zipfile.ZipFile(path) as z:
        for n in sorted(z.namelist()):
            if "/conjunto_de_datos/" in n and n.endswith(".csv"):
                out.extend(csv.DictReader(io.StringIO(z.read(n).decode("utf-8"))))
    return out


@pytest.fixture(scope="module")
def raw(shared: Path) -> list[dict[str, str]]:
    return _rows(shared / REL)


@pytest.fixture(scope="module")
def loaded(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = Store(tmp_path_factory.mktemp("inegi") / "norte.duckdb")
    s.load_file(shared / REL, inegi_raiavl)
    yield s
    s.close()


def rebuild(
    src: Path,
    dst: Path,
    edit: dict[str, Callable[[bytes], bytes]] | None = None,
    drop: tuple[str, ...] = (),
) -> Path:
    """Copy INEGI's zip member by member, editing or dropping some members."""
    edit = edit or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if any(item.filename.endswith(d) for d in drop):
                continue
            data = zin.read(item.filename)
            if item.filename in edit:
                data = edit[item.filename](data)
            zout.writestr(item, data)
    return dst


def add_estatus(status_of: Callable[[dict[str, str]], str]) -> Callable[[bytes], bytes]:
    def f(data: bytes) -> bytes:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
        buf = io.StringIO()
        w = csv.DictWriter(buf, [*rows[0], "ESTATUS"], quoting=csv.QUOTE_NONNUMERIC)
        w.writeheader()
        for r in rows:
            w.writerow({**r, "ESTATUS": status_of(r)})
        return buf.getvalue().encode("utf-8")

    return f


def test_detected(shared: Path) -> None:
    assert sources.detect(shared / REL) is inegi_raiavl


def test_january_exports_to_us_with_yoy(raw: list[dict[str, str]], loaded: Store) -> None:
    expected: dict[int, int] = defaultdict(int)
    for r in raw:
        if r["ID_PAIS_DESTINO"] == "66" and r["ID_MES"] == "01":
            expected[int(r["ANIO"])] += int(r["UNI_VEH"])
    got = loaded.con.execute(
        "SELECT year(period) AS y, sum(value)::BIGINT AS v, "
        "round(100 * (v / lag(v) OVER (ORDER BY y) - 1), 1) AS yoy "
        "FROM observations WHERE source = 'inegi' AND flow = 'export' AND partner = 'USA' "
        "AND month(period) = 1 GROUP BY y ORDER BY y"
    ).fetchall()
    assert [(y, v) for y, v, _ in got] == sorted(expected.items())
    assert [y for y, _, _ in got] == list(range(2005, 2026))
    for (y, v, yoy), prev in zip(got[1:], got, strict=False):
        assert yoy == round(100 * (v / prev[1] - 1), 1), y


def test_partner_totals_without_double_counting(raw: list[dict[str, str]], loaded: Store) -> None:
    dest = inegi_raiavl.destinations()
    expected: dict[str, int] = defaultdict(int)
    for r in raw:
        expected[dest[r["ID_PAIS_DESTINO"]]] += int(r["UNI_VEH"])
    got = dict(
        loaded.con.execute(
            "SELECT partner, sum(value)::BIGINT FROM observations WHERE source = 'inegi' GROUP BY 1"
        ).fetchall()
    )
    assert got == dict(expected)
    assert loaded.count() == len(raw)  # no subtotal rows, no merged rows in this release


def test_encoding_of_codes(loaded: Store) -> None:
    rows = loaded.con.execute(
        "SELECT product_code, detail FROM observations WHERE product_code = 'KIA|KIA K3 Sedán' "
        "LIMIT 1"
    ).fetchall()
    assert rows == [("KIA|KIA K3 Sedán", "type=automobiles;segment=subcompact")]
    undocumented = loaded.con.execute(
        "SELECT DISTINCT o.partner FROM observations o LEFT JOIN codes c "
        "ON c.scheme = 'partner' AND c.code = o.partner WHERE c.code IS NULL"
    ).fetchall()
    assert undocumented == []


def test_every_catalog_destination_mapped(shared: Path) -> None:
    with zipfile.ZipFile(shared / REL) as z:
        cat = list(
            csv.DictReader(io.StringIO(z.read("raiavl/catalogos/tc_pais_destino.csv").decode()))
        )
    dest = inegi_raiavl.destinations()
    assert {r["ID_PAIS_DESTINO"] for r in cat} == set(dest)
    assert dest["66"] == "USA" and dest["40"] == "CAN" and dest["4"] == "DEU"


def test_vintage_from_metadata(loaded: Store) -> None:
    row = loaded.con.execute("SELECT vintage, vintage_from FROM loads").fetchall()[0]
    assert str(row[0]) == "2025-05-09" and "metadata" in row[1]


def test_vintage_estimated_without_metadata(shared: Path, store: Store, tmp_path: Path) -> None:
    z = rebuild(shared / REL, tmp_path / "x.zip", drop=(".txt",))
    r = store.load_file(z, inegi_raiavl)
    assert str(r.vintage) == "2025-05-10"


def test_estatus_column_becomes_status(shared: Path, store: Store, tmp_path: Path) -> None:
    def by_month(r: dict[str, str]) -> str:
        return "Cifras Preliminares" if r["ID_MES"] == "04" else "Cifras Revisadas"

    z = rebuild(
        shared / REL,
        tmp_path / "conjunto_de_datos_raiavl_mensual_exportacion_csv.zip",
        edit={
            Y2025: add_estatus(by_month),
            Y2024: add_estatus(lambda r: "Cifras Definitivas"),
        },
    )
    result = store.load_file(z, inegi_raiavl)
    assert result.rows == 165180
    got = dict(
        store.con.execute(
            "SELECT coalesce(status, '-') || ' ' || year(period) || '-' || month(period), "
            "count(*) FROM observations WHERE year(period) >= 2024 GROUP BY 1"
        ).fetchall()
    )
    raw = _rows(shared / REL)
    n = defaultdict(int)
    for r in raw:
        if r["ANIO"] == "2025":
            n[f"{by_month(r).split()[1].lower()} 2025-{int(r['ID_MES'])}"] += 1
        elif r["ANIO"] == "2024":
            n[f"definitivas 2024-{int(r['ID_MES'])}"] += 1
    names = {"preliminares": "preliminary", "revisadas": "revised", "definitivas": "definitive"}
    expected = {f"{names[k.split()[0]]} {k.split()[1]}": v for k, v in n.items()}
    assert got == expected
    assert store.count("observations") == 165180
    assert store.con.execute(
        "SELECT count(*) FROM observations WHERE status IS NULL AND year(period) < 2024"
    ).fetchall()[0][0] == sum(1 for r in raw if int(r["ANIO"]) < 2024)


def test_latin1_member_is_read(shared: Path, store: Store, tmp_path: Path) -> None:
    z = rebuild(
        shared / REL,
        tmp_path / "x.zip",
        edit={Y2024: lambda b: b.decode("utf-8").encode("latin-1")},
    )
    r = store.load_file(z, inegi_raiavl)
    assert any("latin-1" in n for n in r.notes)
    assert (
        store.con.execute(
            "SELECT count(*) FROM observations WHERE detail LIKE 'type=automobiles%' "
            "AND year(period) = 2024"
        ).fetchall()[0][0]
        > 0
    )


def test_same_zip_twice_and_rebuilt_zip(shared: Path, store: Store, tmp_path: Path) -> None:
    first = store.load_file(shared / REL, inegi_raiavl)
    again = store.load_file(shared / REL, inegi_raiavl)
    assert again.outcome == "already-loaded" and again.rows == 0
    copy = store.load_file(rebuild(shared / REL, tmp_path / "copy.zip"), inegi_raiavl)
    assert copy.outcome == "loaded" and copy.rows == 0 and copy.rows_skipped == first.rows
    assert store.count() == first.rows


# -- bad input ---------------------------------------------------------------------------------


def _state(store: Store) -> tuple[object, ...]:
    return tuple(
        store.con.execute(
            "SELECT (SELECT count(*) FROM observations), (SELECT count(*) FROM loads), "
            "(SELECT sum(value) FROM observations)"
        ).fetchall()[0]
    )


def _edit_line(member_data: bytes, line: int, old: str, new: str) -> bytes:
    lines = member_data.decode("utf-8").split("\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines).encode("utf-8")


def test_truncated_zip(shared: Path, store: Store, tmp_path: Path) -> None:
    before = _state(store)
    bad = tmp_path / "conjunto_de_datos_raiavl_mensual_exportacion_csv.zip"
    data = (shared / REL).read_bytes()
    bad.write_bytes(data[: len(data) * 2 // 3])
    assert inegi_raiavl.detect(bad)
    with pytest.raises(InputError) as e:
        store.load_file(bad, inegi_raiavl)
    assert "download it again" in str(e.value) and str(bad) in str(e.value)
    assert _state(store) == before


def test_missing_column(shared: Path, store: Store, tmp_path: Path) -> None:
    z = rebuild(
        shared / REL,
        tmp_path / "x.zip",
        edit={Y2024: lambda b: _edit_line(b, 1, '"UNI_VEH"', '"UNIDADES"')},
    )
    with pytest.raises(InputError) as e:
        store.load_file(z, inegi_raiavl)
    assert f"zip member {Y2024}, line 1 (header)" in str(e.value)
    assert "missing column(s) UNI_VEH" in str(e.value)
    assert _state(store) == (0, 0, None)


def test_non_numeric_units_names_member_and_line(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    def bad_units(b: bytes) -> bytes:
        lines = b.decode("utf-8").split("\n")
        lines[40] = lines[40].rsplit(",", 1)[0] + ",N/D"
        return "\n".join(lines).encode("utf-8")

    z = rebuild(shared / REL, tmp_path / "x.zip", edit={Y2025: bad_units})
    with pytest.raises(InputError) as e:
        store.load_file(z, inegi_raiavl)
    assert f"zip member {Y2025}, line 41, column UNI_VEH" in str(e.value)
    assert "'N/D'" in str(e.value)


def test_unknown_destination_reported_or_kept(shared: Path, store: Store, tmp_path: Path) -> None:
    def to_777(b: bytes) -> bytes:
        lines = b.decode("utf-8").split("\n")
        head, dest, units = lines[9].rsplit(",", 2)
        lines[9] = f"{head},777,{units}"
        return "\n".join(lines).encode("utf-8")

    z = rebuild(shared / REL, tmp_path / "x.zip", edit={Y2025: to_777})
    with pytest.raises(UnknownCodeError) as e:
        store.load_file(z, inegi_raiavl)
    assert f"zip member {Y2025}, line 10, column ID_PAIS_DESTINO" in str(e.value)
    assert "'777'" in str(e.value) and "not in the zip's own catalog" in str(e.value)
    assert _state(store) == (0, 0, None)
    kept = store.load_file(z, inegi_raiavl, options={"unknown_codes": "keep"})
    assert any("INEGI:777" in w for w in kept.warnings)
    assert store.con.execute(
        "SELECT count(*) FROM observations WHERE partner = 'INEGI:777'"
    ).fetchall() == [(1,)]


def test_cli_exit_code(shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    z = rebuild(
        shared / REL,
        tmp_path / "conjunto_de_datos_raiavl_mensual_exportacion_csv.zip",
        drop=("tc_pais_destino.csv",),
    )
    db = tmp_path / "cli.duckdb"
    assert main(["--db", str(db), "ingest", str(z)]) != 0
    assert "no catalogos/tc_pais_destino.csv" in capsys.readouterr().err
    with Store(db) as s:
        assert s.count() == 0 and s.count("loads") == 0


# -- the figures shown in docs/architecture.md ("What the sources show") ----------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def january_markdown(store: Store) -> str:
    """The INEGI table of the docs, rendered from the store."""
    rows = store.con.execute(
        "SELECT year(period) AS y, sum(value)::BIGINT AS v, "
        "round(100 * (v / lag(v) OVER (ORDER BY y) - 1), 1) AS yoy "
        "FROM observations_latest WHERE source = 'inegi' AND dataset = 'raiavl_exports' "
        "AND partner = 'USA' AND month(period) = 1 GROUP BY y ORDER BY y"
    ).fetchall()
    lines = ["| January | light vehicles exported to the U.S. | change on a year earlier |"]
    lines += ["|---|---:|---:|"]
    lines += [f"| {y} | {v:,} | {'' if c is None else f'{c:+.1f}%'} |" for y, v, c in rows]
    return "\n".join(lines)


def test_docs_show_the_store_figures(loaded: Store) -> None:
    table = january_markdown(loaded)
    assert table in DOCS.read_text(encoding="utf-8"), "regenerate the docs table:\n" + table
