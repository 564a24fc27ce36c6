"""TransBorder's SQL: the multi-file DuckDB read of a batch into ``transborder_wide``, its
checks, and the Python scan that names a bad file's line, column and code when DuckDB
rejects it (:mod:`norte.sources.transborder`)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import zlib
from functools import lru_cache
from pathlib import Path

import duckdb

from norte.errors import InputError, NorteError, UnknownCodeError
from norte.sources.transborder_files import DataFile, _open_text
from norte.sources.transborder_layout import REQUIRED, SCHEMES, SOURCE, TYPES, code_maps
from norte.store.schema import TRANSBORDER_KEY, TRANSBORDER_TABLE

# -- SQL ------------------------------------------------------------------------------------

#: The store's wide table: one row per raw row, codes decoded, measures side by side.
WIDE_TABLE = TRANSBORDER_TABLE
#: Its columns that, with the measure, make an observation's key (the rest are constants).
_WIDE_KEY = TRANSBORDER_KEY


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


@lru_cache(maxsize=1)
def _codes() -> dict[str, list[str]]:
    """The BTS codes of each code column, in the order of its ENUM type."""
    return {col: sorted(m) for col, m in code_maps().items()}


def _enum(col: str) -> str:
    """The column's type in ``read_csv``: an ENUM of its known codes, so DuckDB rejects an
    unknown code while reading (the Python scan then names the line) and decoding is a
    list lookup by the code's position."""
    return "ENUM(" + ", ".join(_sql_str(c) for c in _codes()[col]) + ")"


def _lookup(col: str, prefix: str = "") -> str:
    """``r.col`` decoded (optionally as ``prefix`` + the stored code): a constant list indexed
    by the ENUM position; NULL stays NULL."""
    mapping = code_maps()[col]
    items = ", ".join(_sql_str(prefix + mapping[c]) for c in _codes()[col])
    return f"[{items}][enum_code(r.{col}) + 1]"


def _source(group: list[DataFile], filename: bool = False) -> str:
    """``read_csv`` of files sharing one header (DuckDB reads several files in parallel)."""
    f = group[0]
    types = {c: (_enum(c) if c in SCHEMES else TYPES[c]) for c in f.header}
    spec = "{" + ", ".join(f"{_sql_str(c)}: {_sql_str(t)}" for c, t in types.items()) + "}"
    paths = "[" + ", ".join(_sql_str(str(g.csv_path)) for g in group) + "]"
    return (
        f"read_csv({paths}, header = true, auto_detect = false, delim = ',', quote = '\"', "
        f"columns = {spec}{', filename = true' if filename else ''})"
    )


def _wide(group: list[DataFile], targets: list[tuple[int, dt.date]] | None = None) -> str:
    """A SELECT of the rows of ``group`` (files of one table with one header), one per raw
    row, in the columns of ``transborder_wide``: decoded keys and the measures; ``flow`` is
    NULL when a required field is empty (the load's check then fails). With ``targets`` (the
    (load_id, vintage) of each file) it also yields ``vintage`` and ``load_id``, by file name;
    a file name that matched nothing would leave ``load_id`` NULL, which the table refuses."""
    f = group[0]
    cols = set(f.header)
    geo = ("'us_port'", "r.DEPE::VARCHAR")
    if f.table != "dot3":
        geo = ("'iso3166_2'", _lookup("USASTATE"))
    product = ("'HS2'", "r.COMMODITY2::VARCHAR") if "COMMODITY2" in cols else ("NULL", "NULL")
    parts = []
    if "CANPROV" in cols:
        parts.append(_lookup("CANPROV", "canprov="))
    parts.append(_lookup("CONTCODE", "contcode="))
    parts.append(_lookup("DF", "df="))
    if "MEXSTATE" in cols:
        parts.append(_lookup("MEXSTATE", "mexstate="))
    if f.table == "dot1":
        parts.append(_lookup("DEPE", "port="))
    detail = f"nullif(concat_ws(';', {', '.join(parts)}), '')"
    # make_date rejects a MONTH outside 1..12 (the Python scan then names the line).
    period = "make_date(r.YEAR, 1, 1)" if f.annual else "make_date(r.YEAR, r.MONTH, 1)"
    required = [f"r.{c} IS NULL" for c in REQUIRED if c in cols]
    ids, join = "", ""
    if targets is not None:
        values = ", ".join(
            f"({_sql_str(str(g.csv_path))}, DATE '{v.isoformat()}', {int(load_id)})"
            for g, (load_id, v) in zip(group, targets, strict=True)
        )
        ids = ", m.vintage, m.load_id"
        join = f" LEFT JOIN (VALUES {values}) m(fname, vintage, load_id) ON r.filename = m.fname"
    return f"""
SELECT {_sql_str(f.dataset)} AS dataset,
       CASE WHEN {" OR ".join(required)} THEN NULL ELSE {_lookup("TRDTYPE")} END AS flow,
       {_lookup("COUNTRY")} AS partner, {product[0]} AS product_scheme,
       {product[1]} AS product_code, {_lookup("DISAGMOT")} AS mode, {geo[0]} AS geo_scheme,
       {geo[1]} AS geo_code, {detail} AS detail, {period} AS period,
       {"'A'" if f.annual else "'M'"} AS freq, r.VALUE AS value, r.SHIPWT AS shipping_weight,
       r.FREIGHT_CHARGES AS freight_charges{ids}
FROM {_source(group, filename=targets is not None)} r{join}"""  # noqa: S608


def _check(
    con: duckdb.DuckDBPyConnection, first_id: int, last_id: int
) -> tuple[int | None, tuple[int, int, int, str] | None]:
    """(the first load with an empty required field, a repeated key as (load, other load,
    rows, key description)) among the rows of loads ``first_id``..``last_id`` of
    ``transborder_wide``, from one scan (unknown codes never get this far: the ENUM types
    reject them; an empty required field leaves ``flow`` NULL).

    Keys: two raw rows with the same decoded key and vintage would make two observations with
    one key. Fast path: the count of distinct key hashes equals the row count; only when it
    differs the exact GROUP BY runs and names the key (and the two loads, when a repeat spans
    two files of one batch).
    """
    keys = ", ".join(("vintage", *_WIDE_KEY))
    where = "WHERE load_id BETWEEN ? AND ?"
    rows = con.execute(
        f"SELECT count(*), count(DISTINCT hash({keys})), "  # noqa: S608
        f"min(load_id) FILTER (WHERE flow IS NULL) FROM {WIDE_TABLE} {where}",
        [first_id, last_id],
    ).fetchall()
    total, distinct, missing = rows[0]
    if missing is not None:
        return int(missing), None
    if total == distinct:
        return None, None
    dup = con.execute(
        f"SELECT {keys}, count(*) AS n, min(load_id), max(load_id) "  # noqa: S608
        f"FROM {WIDE_TABLE} {where} GROUP BY {keys} HAVING count(*) > 1 LIMIT 1",
        [first_id, last_id],
    ).fetchall()
    if not dup:
        return None, None  # a hash collision, not a repeat
    _, *key, n, load_id, other = dup[0]
    desc = ", ".join(f"{k}={v}" for k, v in zip(_WIDE_KEY, key, strict=True) if v)
    return None, (int(load_id), int(other), int(n), f"source={SOURCE}, {desc}")


def _repeat_error(label: Path | str, other: Path | str | None, n: int, desc: str) -> NorteError:
    if other is not None:
        return NorteError(
            f"{label} and {other} hold the same observation with the same vintage ({desc}) — "
            "the files repeat each other: load one of them, or give them their own --vintage "
            "in separate commands"
        )
    return NorteError(
        f"{label}: the file holds {n} rows for the same observation ({desc}) — two source "
        "codes may map to one norte code; check the source's code table"
    )


# -- diagnosis of a rejected file ---------------------------------------------------------


def _diagnose(f: DataFile) -> InputError | None:
    """Scan the file in Python to find the first line DuckDB rejected, and say why."""
    maps = code_maps()
    width = len(f.header)
    try:
        if f.csv_path.name.endswith(".gz"):
            # First the whole stream and its CRC-32: garbage from a damaged member must be
            # reported as damage, not as an unknown code on some line.
            with gzip.open(f.csv_path, "rb") as g:
                while g.read(1 << 20):
                    pass
        return _scan(f, maps, width)
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile (CRC) is an OSError
        return InputError(
            f.label,
            "",
            f"truncated or damaged compressed data ({e})",
            expected="a complete BTS TransBorder monthly zip",
            hint="download the zip again from BTS",
        )


def _scan(f: DataFile, maps: dict[str, dict[str, str]], width: int) -> InputError | None:
    with _open_text(f.csv_path) as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for line, row in enumerate(reader, start=2):
            if len(row) != width:
                return InputError(
                    f.label,
                    f"line {line}",
                    f"{len(row)} fields, the header has {width}",
                    expected=",".join(f.header),
                    hint="the file may be truncated or edited: download it again",
                )
            for col, raw in zip(f.header, row, strict=True):
                v = raw.strip()
                place = f"line {line}, column {col}"
                if v == "":
                    if col in REQUIRED:
                        return InputError(
                            f.label, place, "empty", expected=f"a {col} value on every row"
                        )
                    continue
                if col in SCHEMES:
                    if v not in maps[col]:
                        scheme, what = SCHEMES[col]
                        return UnknownCodeError(
                            f.label,
                            place,
                            f"{what} ({scheme})",
                            v,
                            hint=(
                                "check the code in BTS codes_all.xls; if BTS added it, add a row "
                                f"to norte/data/codes/transborder_*.csv (scheme {scheme})"
                            ),
                        )
                elif TYPES.get(col) == "DOUBLE":
                    try:
                        float(v)
                    except ValueError:
                        return InputError(
                            f.label,
                            place,
                            f"{v!r} is not a number",
                            expected=f"{col} in whole US$ or kg, e.g. 3302",
                        )
                elif TYPES.get(col) == "INTEGER":
                    ok = v.isdigit() and (col != "MONTH" or 1 <= int(v) <= 12)
                    if not ok:
                        return InputError(
                            f.label,
                            place,
                            f"{v!r} is not a valid {col}",
                            expected="MONTH 01..12, YEAR like 2023",
                        )
    return None
