"""BTS North American TransBorder Freight Data: the monthly raw-data zips, as BTS distributes them.

What a load reads
- A zip (``https://www.bts.gov/sites/bts.dot.gov/files/transborder-raw/YYYY/<Month>.zip``, one
  per month) holding ``dot1_MMYY.csv``, ``dot2_MMYY.csv``, ``dot3_MMYY.csv``; or one of those
  CSVs unzipped. One file = one load (one sha256, one ``loads`` row).
- Zip names are inconsistent in the wild (``January2020``, ``Jan2023``, ``sept2023``): the
  period of every row comes from its ``YEAR``/``MONTH`` columns, never from a file name.
- Every inner CSV is recognised by its **header**, never by position: dot1 (U.S. state × port)
  ``TRDTYPE,USASTATE,DEPE,DISAGMOT,MEXSTATE,CANPROV,COUNTRY,VALUE,SHIPWT,FREIGHT_CHARGES,DF,
  CONTCODE,MONTH,YEAR``; dot2 (U.S. state × HS2) has ``COMMODITY2`` where dot1 has ``DEPE``;
  dot3 (port × HS2) has ``DEPE`` and ``COMMODITY2`` and no states. Columns are read by name,
  so any order works; a missing or unexpected column is an error naming the file and line 1.
- **Annual files** (``dot1_2021.csv``, ``dot3_2022.csv`` in the December 2021/2022 zips): no
  ``MONTH`` column and ``DF,CONTCODE,YEAR`` before the measures. They are stored as what they
  are: ``freq='A'``, period ``YYYY-01-01``, in their own datasets ``transborder_dot1_annual`` /
  ``transborder_dot2_annual`` / ``transborder_dot3_annual``; the monthly datasets never hold
  them, so no query over ``transborder_dotN`` counts a year twice. (In the real files the annual
  totals equal the sums of the twelve monthly files.)
- **Year-to-date files** (``*_ytd_*``, e.g. ``dot1_ytd_0320.csv`` in the March 2020 zip): the
  same header as the monthly files and, in the real files, the same rows as the monthly files
  of January..that month. They are **skipped** (named in the load's notes): loading them would
  repeat months already loaded.

Decoding (code lists in ``norte/data/codes/transborder_*.csv``, made from BTS ``codes_all.xls``
and the PDF beside it; in the ``transborder_*`` schemes ``parent`` is the code norte stores)
- ``TRDTYPE`` 1/2 -> flow ``export``/``import``; reporter ``USA``; ``COUNTRY`` 1220/2010 ->
  partner ``CAN``/``MEX``.
- ``DISAGMOT`` -> ``mode``: 1 ``vessel``, 3 ``air``, 4 ``mail``, 5 ``truck``, 6 ``rail``,
  7 ``pipeline``, 8 ``other``, 9 ``ftz`` (scheme ``mode``, labels en/es/fr).
- ``USASTATE`` -> ISO 3166-2 ``US-TX``; ``MEXSTATE`` -> ``MX-NLE`` (BTS ``BN`` Baja California
  Norte and ``BC`` both -> ``MX-BCN``; ``DF`` -> ``MX-CMX``); ``CANPROV`` -> ``CA-ON``.
  ``COMMODITY2`` -> product ``HS2``/``87``. ``DEPE`` is kept as the CBP port code (``2304``
  Laredo) or district (``23XX``), geo scheme ``us_port`` (the codes of the BTS crossing data).
- Primary geography: dot1 and dot2 -> the U.S. state (``geo_scheme='iso3166_2'``); dot3 -> the
  port (``geo_scheme='us_port'``). The other dimensions go to ``detail`` as
  ``key=value;key=value`` with sorted keys and empty ones left out: ``canprov`` (ISO),
  ``contcode`` (BTS code: X, 0, 1), ``df`` (1 domestic, 2 foreign; exports only), ``mexstate``
  (ISO), ``port`` (dot1 only). Example: ``contcode=0;df=1;mexstate=MX-NLE;port=2304``.
- Measures: ``VALUE`` -> ``value`` (USD), ``SHIPWT`` -> ``shipping_weight`` (kg),
  ``FREIGHT_CHARGES`` -> ``freight_charges`` (USD). ``value`` is always stored; weight and
  freight rows are stored only when **non-zero**: the files carry 0 where the item was not
  collected (BTS: export weights are not available for land modes — every export row by mail,
  truck, rail, pipeline or other has SHIPWT 0 in 2020-2023; every export to Mexico has
  FREIGHT_CHARGES 0). A missing row sums as zero, so totals are unchanged.

Honest gaps between the data and ``codes_all.xls`` (the authority), found in the 2020-2023 files
and shipped as documented codes of ``kind='unknown'`` / ``'undocumented'``:
- documented "unknown" codes: ``USASTATE`` DU -> ``US-UNKNOWN``, ``MEXSTATE`` OT ->
  ``MX-UNKNOWN``, ``CANPROV`` OT -> ``CA-UNKNOWN`` (not ISO codes; labelled in ``codes``);
- not in the code list at all: ports ``2401`` and ``2383`` and district ``59XX`` (kept as
  found, names unknown), ``MEXSTATE`` ``XX`` (exports to Mexico by vessel and air; stored as
  ``MX-BTS-XX``, kept apart from OT), ``CONTCODE`` ``1`` (kept as found). Note that the code
  list gives ``X`` = containerized, yet X is on every export to Canada, pipeline included.
Any other code not in the lists fails the load: the error names the file (zip and inner CSV),
the line, the column, the code and the fix; the store is unchanged.

Duplicates: the real monthly files hold no two rows with the same codes (checked for all 45
zips). A repeated key is an error, not summed: the load checks the decoded keys of its raw rows
(a fast hash-count check, exact GROUP BY only when it fails; one raw row's measures never share
a key, so unique raw keys mean unique observation keys).

Vintage: the files carry no release date. BTS publishes a month's TransBorder data about seven
to eight weeks after the month ends (BTS's TransBorder page of September 2016 showed June 2016
as the newest month and announced the next release for 2016-09-22), so the vintage is
estimated as the last day of the newest month in the file + 55 days (annual-only file:
31 December + 55 days). ``--vintage`` overrides it.

Storage and speed (issue #3; figures in docs/benchmarks.md): the rows are stored WIDE, one per
raw row, in the store's ``transborder_wide`` table (codes decoded, the three measures side by
side); the ``observations`` view shows them as the long rows described above (one per measure,
weight and freight only where non-zero). All the files of a command are one batch
(:func:`stage_many`): every deflated member is copied, still compressed, into a gzip file of a
temporary folder (:func:`_deflated_as_gzip`: DuckDB inflates it while reading), then one
statement per table layout reads all files of that layout with a multi-file DuckDB
``read_csv`` (explicit column types; every code column typed as an ENUM of its known codes, so
an unknown code fails the read), decodes the codes, tags each row with its file's load id and
vintage, and inserts into ``transborder_wide``; one aggregate over the batch's rows finds empty
required fields and proves the keys unique (an error rolls the command back). No Python loop
over rows: only when DuckDB rejects a statement (or the check finds an empty field) are the
files re-read one by one and the bad one scanned in Python to name the line, column and code.
:func:`stage` loads one file alone: the store's path for files whose dataset and vintage are
already stored (the never-twice anti-join).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import IO

import duckdb

from norte.errors import InputError, NorteError, UnknownCodeError
from norte.store.db import BatchStage, StageContext, StageInfo
from norte.store.schema import TRANSBORDER_KEY, TRANSBORDER_TABLE

SOURCE = "transborder"
FORMAT = "transborder"
DESCRIPTION = (
    "BTS TransBorder Freight raw data: monthly zip of dot1/dot2/dot3 CSVs (or one such CSV)"
)

#: BTS release lag used to estimate the vintage (see the module docstring).
RELEASE_LAG_DAYS = 55

CODE_COLUMNS: tuple[str, ...] = ("TRDTYPE", "USASTATE", "DEPE", "COMMODITY2", "DISAGMOT")
CODE_COLUMNS += ("MEXSTATE", "CANPROV", "COUNTRY", "DF", "CONTCODE")
MEASURES = (
    ("VALUE", "value", "USD"),
    ("SHIPWT", "shipping_weight", "kg"),
    ("FREIGHT_CHARGES", "freight_charges", "USD"),
)
TYPES: dict[str, str] = {c: "VARCHAR" for c in CODE_COLUMNS}
TYPES.update({m: "DOUBLE" for m, _, _ in MEASURES})
TYPES.update({"MONTH": "INTEGER", "YEAR": "INTEGER"})

#: The column sets of the three tables (monthly); annual files lack MONTH.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "dot1": (
        "TRDTYPE",
        "USASTATE",
        "DEPE",
        "DISAGMOT",
        "MEXSTATE",
        "CANPROV",
        "COUNTRY",
        "VALUE",
        "SHIPWT",
        "FREIGHT_CHARGES",
        "DF",
        "CONTCODE",
        "MONTH",
        "YEAR",
    ),
    "dot2": (
        "TRDTYPE",
        "USASTATE",
        "COMMODITY2",
        "DISAGMOT",
        "MEXSTATE",
        "CANPROV",
        "COUNTRY",
        "VALUE",
        "SHIPWT",
        "FREIGHT_CHARGES",
        "DF",
        "CONTCODE",
        "MONTH",
        "YEAR",
    ),
    "dot3": (
        "TRDTYPE",
        "DEPE",
        "COMMODITY2",
        "DISAGMOT",
        "COUNTRY",
        "VALUE",
        "SHIPWT",
        "FREIGHT_CHARGES",
        "DF",
        "CONTCODE",
        "MONTH",
        "YEAR",
    ),
}
#: Columns that must not be empty.
REQUIRED: tuple[str, ...] = ("TRDTYPE", "USASTATE", "DEPE", "COMMODITY2", "DISAGMOT", "COUNTRY")
REQUIRED += ("VALUE", "MONTH", "YEAR")

#: code column -> (code scheme shipped in norte/data/codes, what the code list is called)
SCHEMES: dict[str, tuple[str, str]] = {
    "TRDTYPE": ("transborder_trdtype", "trade type"),
    "DISAGMOT": ("transborder_disagmot", "mode of transportation"),
    "COUNTRY": ("transborder_country", "country"),
    "USASTATE": ("transborder_usastate", "U.S. state"),
    "MEXSTATE": ("transborder_mexstate", "Mexican state"),
    "CANPROV": ("transborder_canprov", "Canadian province"),
    "DEPE": ("transborder_port", "port/district"),
    "COMMODITY2": ("HS2", "HS2 commodity"),
    "DF": ("transborder_df", "domestic/foreign"),
    "CONTCODE": ("transborder_contcode", "container"),
}

#: Code lists whose codes are stored unchanged.
IDENTITY_SCHEMES = ("transborder_port", "HS2")

_DATA_NAME = re.compile(r"^dot[123]_.*\.csv$", re.IGNORECASE)
_YTD = re.compile(r"ytd", re.IGNORECASE)


@lru_cache(maxsize=1)
def code_maps() -> dict[str, dict[str, str]]:
    """BTS code -> the code norte stores, per column, from the shipped code lists."""
    by_scheme: dict[str, dict[str, str]] = {}
    root = resources.files("norte") / "data" / "codes"
    for f in sorted(
        (p for p in root.iterdir() if p.name.startswith("transborder_")), key=lambda p: p.name
    ):
        for r in csv.DictReader(io.StringIO(f.read_text(encoding="utf-8"))):
            # BTS code lists (transborder_*): parent = the code norte stores. Ports and HS2
            # are stored as BTS gives them (a port's parent is its district).
            keep = r["scheme"] in IDENTITY_SCHEMES or not r["parent"]
            by_scheme.setdefault(r["scheme"], {})[r["code"]] = r["code"] if keep else r["parent"]
    return {col: by_scheme[scheme] for col, (scheme, _) in SCHEMES.items()}


# -- detection ------------------------------------------------------------------------------


def _first_member_name(path: Path) -> str:
    """The name in the zip's first local header: readable even when the zip is truncated."""
    with open(path, "rb") as f:
        head = f.read(30 + 255)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        return ""
    n = int.from_bytes(head[26:28], "little")
    return head[30 : 30 + n].decode("cp437", "replace")


def _header_of(path: Path) -> list[str]:
    with gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb") as f:
        line = f.readline(4096)
    return [h.strip().upper() for h in line.decode("utf-8", "replace").strip().split(",")]


def _open_text(path: Path) -> IO[str]:
    """A CSV to read as text: plain, or a member copied as gzip (Python's gzip checks the
    CRC-32 at the end of the stream)."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")


def detect(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as z:
                return any(_DATA_NAME.match(Path(n).name) for n in z.namelist())
        except (zipfile.BadZipFile, OSError):
            return bool(_DATA_NAME.match(Path(_first_member_name(path)).name))
    if name.endswith(".csv"):
        if _DATA_NAME.match(path.name):
            return True
        header = _header_of(path)
        return "TRDTYPE" in header and "DISAGMOT" in header and "COUNTRY" in header
    return False


# -- files ----------------------------------------------------------------------------------


@dataclass
class DataFile:
    """One inner CSV to load."""

    csv_path: Path  # where DuckDB reads it (a member copied as .csv.gz, or a plain CSV)
    label: str  # how errors name it: 'Jan2023.zip, inner file dot1_0123.csv' or the CSV path
    name: str
    header: list[str]
    table: str  # dot1 | dot2 | dot3
    annual: bool
    year: int
    month: int  # 12 for annual files

    @property
    def period(self) -> dt.date:
        """The period of the file's rows (read from its first data row)."""
        return dt.date(self.year, 1 if self.annual else self.month, 1)

    @property
    def dataset(self) -> str:
        return f"transborder_{self.table}" + ("_annual" if self.annual else "")


def _classify(label: str, header: list[str]) -> tuple[str, bool]:
    """(table, annual) from the header's column names."""
    cols = set(header)
    table = (
        "dot3"
        if "USASTATE" not in cols and "DEPE" in cols and "COMMODITY2" in cols
        else "dot2"
        if "COMMODITY2" in cols
        else "dot1"
    )
    expected = set(LAYOUTS[table])
    annual = "MONTH" not in cols
    if annual:
        expected.discard("MONTH")
    missing = [c for c in LAYOUTS[table] if c in expected and c not in cols]
    extra = [c for c in header if c not in expected]
    if missing or extra or len(header) != len(cols):
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            problems.append(f"unexpected column(s) {', '.join(extra)}")
        if len(header) != len(cols):
            problems.append("a repeated column")
        raise InputError(
            label,
            "line 1 (header)",
            f"{'; '.join(problems)} for a {table} file (header: {','.join(header)})",
            expected=f"the {table} columns {','.join(LAYOUTS[table])} (annual files: no MONTH)",
            hint="this is not a BTS TransBorder raw file, or it was edited: download it again",
        )
    return table, annual


def _period_of(csv_path: Path, label: str, header: list[str], annual: bool) -> tuple[int, int]:
    """(year, month) of the first data line: the file's period comes from content."""
    with _open_text(csv_path) as f:
        reader = csv.reader(f)
        next(reader, None)
        row = next(reader, None)
    if row is None:
        raise InputError(label, "line 2", "no data rows", expected="rows after the header")
    ix = {c: i for i, c in enumerate(header)}
    try:
        year = int(row[ix["YEAR"]])
        month = 12 if annual else int(row[ix["MONTH"]])
        dt.date(year, month, 1)
    except (ValueError, IndexError):
        col = "YEAR" if annual else "YEAR/MONTH"
        raise InputError(
            label,
            f"line 2, column {col}",
            f"no valid year/month in {','.join(row)!r}",
            expected="YEAR like 2023 and MONTH like 01",
        ) from None
    return year, month


def _bad_zip(path: Path, member: str, e: BaseException) -> InputError:
    where = f"inner file {member}" if member else "zip directory"
    return InputError(
        path,
        where,
        f"truncated or damaged zip ({e})",
        expected="a complete BTS TransBorder monthly zip",
        hint="download the zip again from BTS",
    )


#: A gzip member header: deflate, no name, no mtime, unknown OS.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def _deflated_as_gzip(path: Path, info: zipfile.ZipInfo, target: Path) -> None:
    """Copy a deflated zip member, still compressed, into a gzip file: the same deflate
    stream between a gzip header and a trailer holding the zip directory's CRC-32 and size.

    DuckDB then inflates it while reading (in its own threads): no Python inflate and no
    uncompressed copy on disk (measured: about 0.5 s less for the 45 zips). DuckDB does not
    check the gzip CRC; a damaged stream fails its inflate (or the strict parse: ENUM codes,
    numbers, field counts), and the Python diagnosis that follows reads the member through
    :mod:`gzip`, which does check it."""
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        head = fh.read(30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"no local header for {info.filename}")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        with open(target, "wb") as out:
            out.write(_GZIP_HEADER)
            left = info.compress_size
            while left:
                block = fh.read(min(left, 1 << 20))
                if not block:
                    raise EOFError(f"{info.filename}: compressed data ends early")
                out.write(block)
                left -= len(block)
            out.write(struct.pack("<II", info.CRC, info.file_size & 0xFFFFFFFF))


def _collect(path: Path, tmp: Path, notes: list[str]) -> list[DataFile]:
    """The data files of ``path`` (a zip, its members copied into ``tmp``, or a CSV)."""
    members: list[tuple[Path, str, str]] = []  # (csv path, label, name)
    if path.name.lower().endswith(".zip"):
        try:
            z = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise _bad_zip(path, "", e) from e
        with z:
            for info in z.infolist():
                name = Path(info.filename).name
                if info.is_dir() or not name.lower().endswith(".csv"):
                    continue
                if _YTD.search(name):
                    notes.append(f"skipped {name} (year-to-date file: repeats monthly rows)")
                    continue
                target = tmp / f"{len(members)}_{name}"
                try:
                    if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 1:
                        target = target.with_name(target.name + ".gz")
                        _deflated_as_gzip(path, info, target)
                        _header_of(target)  # inflates the start: a damaged stream fails here
                    else:  # stored or another method: inflate in Python
                        with z.open(info) as src, open(target, "wb") as dst:
                            shutil.copyfileobj(src, dst, 1 << 20)
                except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
                    raise _bad_zip(path, name, e) from e
                members.append((target, f"{path}, inner file {name}", name))
        if not members:
            raise InputError(
                path, "zip directory", "no dot1/dot2/dot3 CSV inside", expected="dotN_MMYY.csv"
            )
    else:
        members.append((path, str(path), path.name))
    files = []
    for csv_path, label, name in members:
        header = _header_of(csv_path)
        table, annual = _classify(label, header)
        year, month = _period_of(csv_path, label, header, annual)
        files.append(DataFile(csv_path, label, name, header, table, annual, year, month))
    return files


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


# -- stage ----------------------------------------------------------------------------------


def _vintage(files: list[DataFile]) -> tuple[dt.date, str]:
    year, month = max((f.year, f.month) for f in files)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    vintage = nxt - dt.timedelta(days=1) + dt.timedelta(days=RELEASE_LAG_DAYS)
    return vintage, (
        f"estimated: newest month {year}-{month:02d}, end of month + "
        f"{RELEASE_LAG_DAYS} days (BTS release lag)"
    )


def _plan(path: Path, files: list[DataFile], notes: list[str]) -> tuple[StageInfo, list[DataFile]]:
    """The load's StageInfo (no ``stream``) and the files to read (none for a YTD-only CSV)."""
    if not files:
        raise InputError(
            path, "zip directory", "only year-to-date files inside", expected="dotN_MMYY.csv"
        )
    vintage, vintage_from = _vintage(files)
    if len(files) == 1 and files[0].csv_path == path and _YTD.search(path.name):
        notes.append(f"skipped {path.name} (year-to-date file: repeats monthly rows)")
        return StageInfo(FORMAT, vintage, vintage_from, notes=notes, datasets=()), []
    for f in files:
        kind = "annual (freq A)" if f.annual else f"{f.year}-{f.month:02d}"
        notes.append(f"{f.name}: {f.table} {kind} -> {f.dataset}")
    if any(f.annual for f in files):
        notes.append("annual files stored as freq A in transborder_dotN_annual datasets")
    info = StageInfo(
        format=FORMAT,
        vintage=vintage,
        vintage_from=vintage_from,
        notes=notes,
        wide=True,
        check_unique=False,  # checked on the wide rows (see _check)
        datasets=tuple(sorted({f.dataset for f in files})),
        slices=tuple(sorted({(f.dataset, f.period) for f in files})),
    )
    return info, files


def _rejected(path: Path | str, e: BaseException, suspects: list[DataFile]) -> NorteError:
    """The error for rows DuckDB rejected (or an empty required field) in ``suspects``:
    each file is read again on its own by an in-memory DuckDB (fast) until one fails, then a
    Python scan of that file names the line, column and code."""
    probe = duckdb.connect()
    try:
        for f in suspects:
            if len(suspects) > 1:
                try:
                    rows = probe.execute(
                        f"SELECT count(*) - count(flow), min(period) FROM ({_wide([f])})"  # noqa: S608
                    ).fetchall()
                    if rows[0][0] == 0:
                        continue  # DuckDB reads this file cleanly, with no empty field
                except duckdb.Error:
                    pass
            found = _diagnose(f)
            if found is not None:
                return found
    finally:
        probe.close()
    names = ", ".join(f.name for f in suspects)
    return InputError(path, "", f"DuckDB rejected {names}: {e}", hint="download it again")


def _extract_all(paths: list[Path], tmp: Path) -> list[tuple[list[DataFile], list[str]]]:
    """``_collect`` of every path into its own folder of ``tmp``, two zips at a time (mostly
    file copies; members that are not deflated are inflated in Python, which releases the
    GIL); errors come in path order."""

    def one(k: int) -> tuple[list[DataFile], list[str]]:
        notes: list[str] = []
        sub = tmp / str(k)
        sub.mkdir()
        return _collect(paths[k], sub, notes), notes

    if len(paths) == 1:
        return [one(0)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, range(len(paths))))


def stage_many(
    con: duckdb.DuckDBPyConnection, paths: list[Path], ctxs: list[StageContext]
) -> BatchStage:
    """Several zips/CSVs as one batch: all their files of one table and header are read by one
    multi-file ``read_csv`` (DuckDB reads them in parallel), each row tagged with its file's
    load id and vintage."""
    tmpdir = tempfile.TemporaryDirectory(prefix="norte-transborder-")
    try:
        planned = [
            _plan(p, files, notes)
            for p, (files, notes) in zip(paths, _extract_all(paths, Path(tmpdir.name)), strict=True)
        ]
    except BaseException:
        tmpdir.cleanup()
        raise

    def insert(targets: list[tuple[int, dt.date]], emit: Callable[[str], None]) -> None:
        groups: dict[tuple[str, bool, tuple[str, ...]], list[tuple[DataFile, int]]] = {}
        for k, (_, files) in enumerate(planned):
            for f in files:
                groups.setdefault((f.table, f.annual, tuple(f.header)), []).append((f, k))
        for members in groups.values():
            group = [f for f, _ in members]
            try:
                emit(_wide(group, [targets[k] for _, k in members]))
            except duckdb.Error as e:
                bad = _rejected(paths[members[0][1]], e, group)
                raise bad from e
        first_id, last_id = targets[0][0], targets[-1][0]
        index = {load_id: k for k, (load_id, _) in enumerate(targets)}
        missing, repeated = _check(con, first_id, last_id)
        if missing is not None:
            k = index[missing]
            raise _rejected(paths[k], ValueError("an empty required field"), planned[k][1])
        if repeated is not None:
            load_id, other, n, desc = repeated
            twin = paths[index[other]] if other != load_id else None
            raise _repeat_error(paths[index[load_id]], twin, n, desc)

    return BatchStage(infos=[info for info, _ in planned], insert=insert, cleanup=tmpdir.cleanup)


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    """One file on its own (the store uses this when a file's rows overlap rows of the same
    dataset and vintage already stored: the never-twice anti-join runs per observation)."""
    tmpdir = tempfile.TemporaryDirectory(prefix="norte-transborder-")
    try:
        info, files = _plan(path, *_extract_all([path], Path(tmpdir.name))[0])
    except BaseException:
        tmpdir.cleanup()
        raise
    if not files:
        tmpdir.cleanup()
        return info

    def stream(emit: Callable[[str], int]) -> None:
        # One INSERT reads every file of the zip into the store's wide table, then one
        # aggregate finds empty required fields and proves the keys unique.
        try:
            try:
                emit("\nUNION ALL\n".join(_wide([f]) for f in files))
            except duckdb.Error as e:
                raise _rejected(path, e, files) from e
            assert ctx.load_id is not None
            missing, repeated = _check(con, ctx.load_id, ctx.load_id)
            if missing is not None:
                raise _rejected(path, ValueError("an empty required field"), files)
            if repeated is not None:
                raise _repeat_error(path, None, repeated[2], repeated[3])
        finally:
            tmpdir.cleanup()

    info.stream = stream
    return info
