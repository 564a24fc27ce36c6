"""INEGI RAIAVL: Mexico's light-vehicle exports, from INEGI's open-data zip.

Reads ``conjunto_de_datos_raiavl_mensual_exportacion_csv.zip`` as INEGI distributes it
(``inegi.org.mx/contenidos/datosprimarios/iavl/datosabiertos/``). Quirks:

- the zip holds one CSV per year, ``raiavl/conjunto_de_datos/raiavl_exportacion_mensual_tr_cifra_YYYY.csv``,
  plus ``catalogos/tc_pais_destino.csv`` (destination ids), ``tc_mes.csv``, a data dictionary,
  ``metadatos/*.txt`` and ``leeme_faq.txt``. Only the year files are data;
- columns ``PROD_EST, COBERTURA, ANIO, ID_MES, MARCA, MODELO, TIPO, SEGMENTO, ID_PAIS_DESTINO,
  UNI_VEH`` and, in newer releases, ``ESTATUS`` (``Cifras Preliminares`` / ``Revisadas`` /
  ``Definitivas``) which becomes the observation's ``status`` (``preliminary``, ``revised``,
  ``definitive``); without the column, ``status`` is NULL (the release does not say);
- UTF-8 as INEGI's ``leeme_faq.txt`` states (checked: data and catalogs decode as UTF-8); a
  member that is not UTF-8 is read as latin-1 and a note says so;
- one row per month, brand, model and destination; ``TIPO`` and ``SEGMENTO`` depend on the model
  (one pair per model in the 2005-2025 file). There are **no subtotal rows**, so summing over
  products gives a destination's total without double counting. Stored as
  ``product_scheme`` ``raiavl_model``, ``product_code`` ``<MARCA>|<MODELO>`` exactly as INEGI
  writes them (``General Motors|Aveo-``: the odd trailing ``-``/``_`` are INEGI's), ``detail``
  ``type=<code>;segment=<code>`` (codes in ``norte/data/codes/inegi_raiavl.csv``);
- ``UNI_VEH`` is a whole number; most rows are ``0`` (kept: INEGI lists the destination) and a
  few are negative (returns/adjustments, 140 rows in the 2025-04 release): stored as published;
- destinations: ``ID_PAIS_DESTINO`` must be in the zip's own catalog and in
  ``norte/data/codes/inegi_raiavl_destinations.csv`` (scheme ``inegi_destination``, parent =
  norte partner: ISO alpha-3 — ``66`` -> ``USA``, ``40`` -> ``CAN`` — or a documented
  ``INEGI_*`` code for regions and "not specified"). An unknown id fails the load (or, with
  ``--unknown-codes keep``, is stored as ``INEGI:<id>`` with a warning). Two ids can name the
  same country (``103`` "Isla Reunión" and ``500`` "Reunión"): their units are summed;
- vintage: ``modified:`` in ``metadatos/*.txt`` (2025-05-09 for data through 2025-04); without
  it, the newest month's end + 10 days (INEGI publishes about the 8th working day).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
import zlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from norte.errors import InputError, UnknownCodeError
from norte.store.db import STAGE_TABLE, StageContext, StageInfo, first

if TYPE_CHECKING:
    import pyarrow as pa

SOURCE = "inegi"
FORMAT = "inegi-raiavl"
DATASET = "raiavl_exports"
DESCRIPTION = "INEGI RAIAVL light-vehicle exports (open-data zip, with or without ESTATUS)"
DATA_MEMBER = re.compile(
    r"(^|/)conjunto_de_datos/raiavl_exportacion_mensual_tr_cifra_(\d{4})\.csv$"
)
CATALOG = "catalogos/tc_pais_destino.csv"
REQUIRED = ("ANIO", "ID_MES", "MARCA", "MODELO", "TIPO", "SEGMENTO", "ID_PAIS_DESTINO", "UNI_VEH")
STATUS = {"preliminar": "preliminary", "revisad": "revised", "definitiv": "definitive"}
LAG_DAYS = 10
RAW = "_raiavl_raw"


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c)).strip().lower()


@cache
def _codes(scheme: str) -> dict[str, tuple[str, str]]:
    """code -> (label_es, parent) for one scheme of the shipped INEGI tables."""
    out: dict[str, tuple[str, str]] = {}
    for name in ("inegi_raiavl.csv", "inegi_raiavl_destinations.csv"):
        path = resources.files("norte") / "data" / "codes" / name
        for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
            if r["scheme"] == scheme:
                out[r["code"]] = (r["label_es"], r["parent"])
    return out


def destinations() -> dict[str, str]:
    """INEGI destination id -> norte partner code."""
    return {k: v[1] for k, v in _codes("inegi_destination").items()}


def _by_label(scheme: str) -> dict[str, str]:
    return {_norm(es): code for code, (es, _) in _codes(scheme).items()}


def detect(path: Path) -> bool:
    name = path.name.lower()
    if not name.endswith(".zip"):
        return False
    if name.startswith("conjunto_de_datos_raiavl") and "exportacion" in name:
        return True  # even a damaged download: stage() then says what is wrong
    try:
        with zipfile.ZipFile(path) as z:
            return any(DATA_MEMBER.search(n) for n in z.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def _decode(data: bytes, member: str, notes: list[str]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append(f"{member} is not UTF-8: read as latin-1")
        return data.decode("latin-1")


def _read_member(path: Path, z: zipfile.ZipFile, member: str) -> bytes:
    try:
        return z.read(member)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
        raise InputError(
            path,
            f"zip member {member}",
            f"cannot be extracted ({e})",
            hint="the zip is damaged or truncated: download it again from inegi.org.mx",
        ) from e


def _catalog(path: Path, z: zipfile.ZipFile, notes: list[str]) -> dict[str, str]:
    member = next((n for n in z.namelist() if n.endswith(CATALOG)), None)
    if member is None:
        raise InputError(
            path,
            "zip contents",
            f"no {CATALOG}",
            expected="INEGI's catalog of destination countries inside the zip",
            hint="pass the complete zip as INEGI distributes it",
        )
    text = _decode(_read_member(path, z, member), member, notes)
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not {"ID_PAIS_DESTINO", "DESC_PAIS_DESTINO"} <= set(rows[0]):
        raise InputError(
            path,
            f"zip member {member}, line 1",
            "not the destination catalog",
            expected="columns ID_PAIS_DESTINO, DESC_PAIS_DESTINO",
        )
    return {r["ID_PAIS_DESTINO"].strip(): r["DESC_PAIS_DESTINO"].strip() for r in rows}


def _vintage(z: zipfile.ZipFile, notes: list[str]) -> dt.date | None:
    for n in z.namelist():
        if "metadatos/" in n and n.endswith(".txt"):
            text = _decode(z.read(n), n, notes)
            m = re.search(r"^\s*modified:\s*(\d{4}-\d\d-\d\d)", text, re.MULTILINE)
            if m:
                return dt.date.fromisoformat(m.group(1))
    return None


def _read_year(path: Path, z: zipfile.ZipFile, member: str, notes: list[str]) -> pa.Table:
    import pyarrow as pa  # imported on use: other sources' loads never need it
    import pyarrow.csv as pacsv

    text = _decode(_read_member(path, z, member), member, notes)
    head = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    missing = [c for c in REQUIRED if c not in head]
    if missing:
        raise InputError(
            path,
            f"zip member {member}, line 1 (header)",
            f"missing column(s) {', '.join(missing)} (header: {', '.join(head)})",
            expected=", ".join(REQUIRED) + " (and optionally ESTATUS)",
        )
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in head}, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as e:
        m = re.search(r"[Rr]ow #?(\d+)", str(e))
        raise InputError(
            path,
            f"zip member {member}" + (f", line {int(m.group(1)) + 1}" if m else ""),
            f"cannot be parsed as CSV ({str(e).splitlines()[0]})",
            hint="the file may be truncated or edited: download the zip again",
        ) from e
    n = table.num_rows
    cols = {c: table[c] for c in REQUIRED}
    cols["ESTATUS"] = table["ESTATUS"] if "ESTATUS" in head else pa.nulls(n, pa.string())
    cols["_member"] = pa.array([member] * n, pa.string())
    cols["_line"] = pa.array(range(2, n + 2), pa.int64())
    return pa.table(cols)


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    import pyarrow as pa

    notes: list[str] = []
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(
            path,
            "",
            f"not a readable zip ({e})",
            expected="INEGI's conjunto_de_datos_raiavl_mensual_exportacion_csv.zip",
            hint="the download may be truncated: download it again",
        ) from e
    with z:
        members = sorted(n for n in z.namelist() if DATA_MEMBER.search(n))
        if not members:
            raise InputError(
                path,
                "zip contents",
                "no raiavl_exportacion_mensual_tr_cifra_YYYY.csv inside",
                expected="conjunto_de_datos/raiavl_exportacion_mensual_tr_cifra_YYYY.csv",
                hint="norte reads the exports set (exportacion); sales and production are "
                "other INEGI sets",
            )
        catalog = _catalog(path, z, notes)
        table = pa.concat_tables([_read_year(path, z, m, notes) for m in members])
        vintage = _vintage(z, notes)
    con.register("_raiavl_arrow", table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT * FROM _raiavl_arrow")  # noqa: S608
    finally:
        con.unregister("_raiavl_arrow")
    try:
        warnings = _check(con, path, catalog, ctx.options.get("unknown_codes", "error"))
        has_status = first(con.execute(f"SELECT count(ESTATUS) > 0 FROM {RAW}"))  # noqa: S608
        return _stage(con, vintage, notes, warnings, bool(has_status and has_status[0]))
    finally:
        for t in (RAW, "_raiavl_map"):
            con.execute(f"DROP TABLE IF EXISTS {t}")


def _place(row: tuple[object, ...]) -> str:
    return f"zip member {row[0]}, line {row[1]}"


def _check(
    con: duckdb.DuckDBPyConnection, path: Path, catalog: dict[str, str], unknown: str
) -> list[str]:
    bad = first(
        con.execute(
            f"""SELECT _member, _line, ANIO, ID_MES, UNI_VEH,
       CASE WHEN try_cast(ANIO AS INTEGER) NOT BETWEEN 1900 AND 2100
                 OR try_cast(ANIO AS INTEGER) IS NULL THEN 'ANIO'
            WHEN try_cast(ID_MES AS INTEGER) NOT BETWEEN 1 AND 12
                 OR try_cast(ID_MES AS INTEGER) IS NULL THEN 'ID_MES'
            ELSE 'UNI_VEH' END
FROM {RAW}
WHERE try_cast(ANIO AS INTEGER) IS NULL OR try_cast(ANIO AS INTEGER) NOT BETWEEN 1900 AND 2100
   OR try_cast(ID_MES AS INTEGER) IS NULL OR try_cast(ID_MES AS INTEGER) NOT BETWEEN 1 AND 12
   OR try_cast(UNI_VEH AS BIGINT) IS NULL
ORDER BY _member, _line LIMIT 1"""  # noqa: S608
        )
    )
    if bad is not None:
        col = str(bad[5])
        value = {"ANIO": bad[2], "ID_MES": bad[3], "UNI_VEH": bad[4]}[col]
        expected = {
            "ANIO": "a year like 2024",
            "ID_MES": "a month 01..12",
            "UNI_VEH": "a whole number of vehicles",
        }[col]
        raise InputError(path, f"{_place(bad)}, column {col}", f"{value!r} is not valid", expected)
    # Mapping table: every categorical value -> norte code (NULL when unknown).
    dest = destinations()
    types, segments = _by_label("raiavl_type"), _by_label("raiavl_segment")
    rows: list[tuple[str, str, str | None]] = []
    for (v,) in con.execute(f"SELECT DISTINCT ID_PAIS_DESTINO FROM {RAW}").fetchall():  # noqa: S608
        key = str(v).strip()
        rows.append(("dest", v, dest.get(key) if key in catalog else None))
    for (v,) in con.execute(f"SELECT DISTINCT TIPO FROM {RAW}").fetchall():  # noqa: S608
        rows.append(("type", v, types.get(_norm(v))))
    for (v,) in con.execute(f"SELECT DISTINCT SEGMENTO FROM {RAW}").fetchall():  # noqa: S608
        rows.append(("segment", v, segments.get(_norm(v))))
    for (v,) in con.execute(
        f"SELECT DISTINCT ESTATUS FROM {RAW} WHERE ESTATUS IS NOT NULL"  # noqa: S608
    ).fetchall():
        n = _norm(v)
        rows.append(("status", v, next((c for k, c in STATUS.items() if k in n), None)))
    warnings: list[str] = []
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _raiavl_map (kind VARCHAR, raw VARCHAR, code VARCHAR)"
    )
    for kind, raw, code in rows:
        if code is not None:
            continue
        column = {"dest": "ID_PAIS_DESTINO", "type": "TIPO", "segment": "SEGMENTO"}.get(
            kind, "ESTATUS"
        )
        where = first(
            con.execute(
                f"SELECT _member, _line FROM {RAW} WHERE {column} = ? "  # noqa: S608
                "ORDER BY _member, _line LIMIT 1",
                [raw],
            )
        )
        place = f"{_place(where or ('?', '?'))}, column {column}"
        if kind == "dest":
            key = str(raw).strip()
            name = catalog.get(key)
            if unknown == "keep":
                warnings.append(
                    f"unknown INEGI destination {key!r} ({name or 'not in the zip catalog'}, "
                    f"first at {place}) kept as INEGI:{key}"
                )
                rows.append((kind, raw, f"INEGI:{key}"))
                continue
            raise UnknownCodeError(
                path,
                place,
                "INEGI destination country (ID_PAIS_DESTINO)",
                key,
                hint=(
                    f"the zip's catalog names it {name!r}: add it to "
                    "norte/data/codes/inegi_raiavl_destinations.csv"
                    if name
                    else "it is not in the zip's own catalog catalogos/tc_pais_destino.csv"
                )
                + ", or rerun with --unknown-codes keep to store it as INEGI:<id>",
            )
        expected = {
            "type": "one of " + ", ".join(es for es, _ in _codes("raiavl_type").values()),
            "segment": "one of " + ", ".join(es for es, _ in _codes("raiavl_segment").values()),
            "status": "Cifras Preliminares, Cifras Revisadas or Cifras Definitivas",
        }.get(kind, "")
        raise UnknownCodeError(
            path,
            place,
            f"INEGI RAIAVL {column}",
            str(raw),
            hint=f"expected {expected}; a new category needs a row in "
            "norte/data/codes/inegi_raiavl.csv",
        )
    con.execute(
        "INSERT INTO _raiavl_map SELECT * FROM (VALUES "  # noqa: S608
        + ", ".join(["(?, ?, ?)"] * sum(1 for r in rows if r[2] is not None))
        + ")",
        [x for r in rows if r[2] is not None for x in r],
    )
    dup = first(
        con.execute(
            f"""WITH d AS (SELECT ANIO, ID_MES, MARCA, MODELO, ID_PAIS_DESTINO FROM {RAW}
           GROUP BY ALL HAVING count(*) > 1 LIMIT 1)
SELECT ANIO, ID_MES, MARCA, MODELO, ID_PAIS_DESTINO,
       list(_member || ', line ' || _line ORDER BY _member, _line)
FROM {RAW} JOIN d USING (ANIO, ID_MES, MARCA, MODELO, ID_PAIS_DESTINO) GROUP BY ALL"""  # noqa: S608
        )
    )
    if dup is not None:
        raise InputError(
            path,
            "; ".join(dup[5]),
            f"the same month, brand, model and destination appears twice ({dup[0]}-{dup[1]}, "
            f"{dup[2]} {dup[3]}, destination {dup[4]})",
            expected="one row per month, brand, model and destination",
            hint="the file was edited or concatenated: download the zip again",
        )
    return warnings


def _stage(
    con: duckdb.DuckDBPyConnection,
    vintage: dt.date | None,
    notes: list[str],
    warnings: list[str],
    has_status: bool,
) -> StageInfo:
    con.execute(
        f"""INSERT INTO {STAGE_TABLE} (source, dataset, flow, reporter, partner, product_scheme,
    product_code, detail, measure, unit, period, freq, value, status)
SELECT '{SOURCE}', '{DATASET}', 'export', 'MEX', d.code, 'raiavl_model',
       r.MARCA || '|' || r.MODELO, 'type=' || t.code || ';segment=' || s.code, 'units',
       'vehicles', make_date(r.ANIO::INTEGER, r.ID_MES::INTEGER, 1), 'M',
       sum(r.UNI_VEH::BIGINT), max(st.code)
FROM {RAW} r
JOIN _raiavl_map d ON d.kind = 'dest' AND d.raw = r.ID_PAIS_DESTINO
JOIN _raiavl_map t ON t.kind = 'type' AND t.raw = r.TIPO
JOIN _raiavl_map s ON s.kind = 'segment' AND s.raw = r.SEGMENTO
LEFT JOIN _raiavl_map st ON st.kind = 'status' AND st.raw = r.ESTATUS
GROUP BY ALL"""  # noqa: S608
    )
    stats = first(
        con.execute(
            f"SELECT (SELECT count(*) FROM {RAW}), (SELECT count(*) FROM {STAGE_TABLE}), "  # noqa: S608
            f"(SELECT max(make_date(ANIO::INTEGER, ID_MES::INTEGER, 1)) FROM {RAW})"
        )
    )
    assert stats is not None
    raw_rows, staged, last = int(stats[0]), int(stats[1]), stats[2]
    notes.insert(0, f"{raw_rows} rows, newest month {last:%Y-%m}")
    if staged < raw_rows:
        notes.append(
            f"{raw_rows - staged} rows summed into another: two INEGI destination ids map "
            "to one country (e.g. 103 and 500, Réunion)"
        )
    notes.append(
        "ESTATUS column: status per row" if has_status else "no ESTATUS column: status NULL"
    )
    if vintage is not None:
        how = "metadata (metadatos/*.txt, modified:)"
    else:
        nxt = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
        vintage = nxt - dt.timedelta(days=1) + dt.timedelta(days=LAG_DAYS)
        how = f"estimated: newest month {last:%Y-%m} + {LAG_DAYS} days"
    return StageInfo(
        format=FORMAT,
        vintage=vintage,
        vintage_from=how,
        notes=notes,
        warnings=warnings,
    )
