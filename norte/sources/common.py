"""Helpers shared by source connectors: staging rows, gzip, release-date estimates."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import unicodedata
import zipfile
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from norte.store.db import STAGE_TABLE
from norte.store.schema import STAGE_COLUMNS


def stage_columns(con: duckdb.DuckDBPyConnection, columns: dict[str, Any]) -> int:
    """Append rows, given column-wise, to the staging table.

    Columns missing from ``columns`` are NULL; a scalar column value is repeated.
    Returns the number of rows staged.
    """
    import pyarrow as pa  # imported on use: ``norte ingest`` of TransBorder never needs it

    arrow_types = {"VARCHAR": pa.string(), "DATE": pa.date32(), "DOUBLE": pa.float64()}
    n = max((len(v) for v in columns.values() if isinstance(v, list)), default=0)
    arrays = []
    names = []
    for name, typ in STAGE_COLUMNS:
        atype = arrow_types[typ.split()[0]]
        val = columns.get(name)
        if isinstance(val, list):
            arrays.append(pa.array(val, type=atype))
        else:
            arrays.append(pa.array([val] * n, type=atype))
        names.append(name)
    table = pa.Table.from_arrays(arrays, names=names)  # noqa: F841 - read by DuckDB below
    con.register("_stage_arrow", table)
    try:
        con.execute(f"INSERT INTO {STAGE_TABLE} SELECT * FROM _stage_arrow")  # noqa: S608
    finally:
        con.unregister("_stage_arrow")
    return n


def read_bytes_maybe_gzip(path: Path) -> bytes:
    """The file's bytes, gunzipped when it starts with the gzip magic number."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        return gzip.decompress(raw)
    return raw


def peek(path: Path, n: int = 4096) -> bytes:
    """The first ``n`` bytes of a file, decompressing gzip on the fly."""
    with open(path, "rb") as f:
        head = f.read(2)
    if head == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as g:
                return g.read(n)
        except (OSError, EOFError):
            return b""
    with open(path, "rb") as f:
        return f.read(n)


def xlsx_first_row(path: Path, sheet: str) -> list[str] | None:
    """The first row of ``sheet`` in an .xlsx workbook as strings, or None when ``path`` is not
    a readable workbook with that sheet (cheap: used by ``detect``)."""
    if path.suffix.lower() != ".xlsx" or not zipfile.is_zipfile(path):
        return None
    try:
        import python_calamine as calamine

        wb = calamine.CalamineWorkbook.from_path(str(path))
        if sheet not in wb.sheet_names:
            return None
        head = wb.get_sheet_by_name(sheet).to_python(nrows=1)
    except Exception:
        return None
    return [str(c) for c in head[0]] if head else None


def month_start(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def estimated_census_release(last_year: int, last_month: int) -> dt.date:
    """Estimate the FT-900 release date of a file whose newest month is ``last_year-last_month``.

    Census releases a month's trade about 35 days after the month ends (early in the second
    month after). We take the month's last day + 37 days; ``--vintage`` gives the exact date.
    """
    nxt = dt.date(last_year + (last_month == 12), last_month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1) + dt.timedelta(days=37)


def month_end_plus(year: int, month: int, days: int) -> dt.date:
    """The last day of ``year-month`` plus ``days``: an estimated release date."""
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1) + dt.timedelta(days=days)


@cache
def code_rows(filename: str) -> tuple[dict[str, str], ...]:
    """The rows of a shipped code table ``norte/data/codes/<filename>`` (read once)."""
    path = resources.files("norte") / "data" / "codes" / filename
    return tuple(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def scheme_parents(filename: str, scheme: str) -> dict[str, str]:
    """code -> parent for one scheme of a shipped code table."""
    return {r["code"]: r["parent"] for r in code_rows(filename) if r["scheme"] == scheme}


@cache
def partner_codes() -> frozenset[str]:
    """Every code of scheme ``partner`` in the shipped code tables."""
    root = resources.files("norte") / "data" / "codes"
    out: set[str] = set()
    for f in root.iterdir():
        if f.name.endswith(".csv"):
            out.update(r["code"] for r in code_rows(f.name) if r["scheme"] == "partner")
    return frozenset(out)


def xlsx_modified(path: Path) -> dt.date | None:
    """The date in an .xlsx file's document properties (``docProps/core.xml``,
    ``dcterms:modified``, else ``dcterms:created``), or None."""
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("docProps/core.xml").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return None
    for tag in ("modified", "created"):
        m = re.search(rf"<dcterms:{tag}[^>]*>(\d{{4}}-\d\d-\d\d)", xml)
        if m:
            return dt.date.fromisoformat(m.group(1))
    return None


@lru_cache(maxsize=1 << 16)
def fold(s: str) -> str:
    """Lower case, accents removed, runs of white space as one space: for matching names
    (cached: sources call it on every row's categorical cells, which repeat)."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", s).strip().lower()
