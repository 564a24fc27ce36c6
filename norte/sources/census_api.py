"""U.S. Census international trade API responses, as saved by a client (plain or gzip).

Quirks of ``api.census.gov/data/timeseries/intltrade/{exports|imports}/...``:

- the body is a JSON array of arrays, header row first, **every value a string**;
- the period is ``YEAR`` + ``MONTH`` or ``time`` (``YYYY-MM``);
- the value column names the flow and measure: ``ALL_VAL_MO`` (total exports, F.A.S.),
  ``GEN_VAL_MO`` (general imports, customs value), ``CON_VAL_MO`` (imports for consumption);
- ``CTY_CODE`` is Schedule C; ``-`` is the total for all countries; grouping codes (``0003``
  EU, ``0020`` USMCA, ``1XXX`` North America, ...) come mixed with countries;
- a bad or missing key comes back as HTTP 200 with an HTML page ("Invalid Key"): saved as a
  file, that page is rejected here with the fix;
- ``I_COMMODITY``/``E_COMMODITY`` with ``COMM_LVL`` (HS2..HS10) give a product breakdown.

The body is never held in Python objects: DuckDB's ``read_json`` parses it (gzip or plain)
into a temp table and every check and the long rows are SQL over that table; only the few
distinct country codes pass through Python (the Schedule C mapper).

The response carries no release date: the vintage is estimated from the newest month in the
file (see :func:`estimated_census_release`); pass ``--vintage`` with the retrieval or release
date when you know it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from norte import provenance
from norte.errors import InputError
from norte.sources.census_codes import PartnerMapper
from norte.sources.common import estimated_census_release, peek
from norte.store.db import StageContext, StageInfo
from norte.store.staging import STAGE_TABLE

SOURCE = "census"
FORMAT = "census-api"
DESCRIPTION = "Census international trade API response (JSON array of arrays, plain or .gz)"

#: value column -> (flow, measure)
VALUE_COLUMNS = {
    "ALL_VAL_MO": ("export", "value"),
    "GEN_VAL_MO": ("import", "value"),
    "CON_VAL_MO": ("import", "value_consumption"),
}
COMMODITY_COLUMNS = ("I_COMMODITY", "E_COMMODITY")
#: Temp tables of one staging: the parsed body (row position, list of strings) and the codes
RAW = "_census_api_raw"
CODES = "_census_api_codes"
_HTML = re.compile(rb"^\s*(<!doctype|<html|<head|<body|<\?xml)", re.IGNORECASE)


def add_values(
    out: dict[str, list[object]],
    path: Path,
    place: str,
    row: Sequence[object],
    ix: dict[str, int],
    value_cols: Sequence[str],
    **keys: object,
) -> None:
    """Append to ``out``'s columns one observation per non-empty value column of ``row``
    (``flow``, ``measure`` and ``value`` from :data:`VALUE_COLUMNS`, plus ``keys``); a value
    that is not a number is an error naming ``place`` and the column. One row handling for
    the readers of API rows (``census_api_csv``, ``census_api_product``)."""
    for col in value_cols:
        raw = row[ix[col]]
        if raw is None or str(raw).strip() == "":
            continue
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputError(
                path, f"{place}, column {col}", f"{raw!r} is not a number", expected="US$ as digits"
            ) from None
        flow, measure = VALUE_COLUMNS[col]
        for k, v in (("flow", flow), ("measure", measure), ("value", value), *keys.items()):
            out[k].append(v)


def detect(path: Path) -> bool:
    name = path.name.lower()
    if not (name.endswith(".json") or name.endswith(".json.gz")):
        return False
    head = peek(path, 2048)
    if _HTML.match(head):
        return b"census" in head.lower() or b"key" in head.lower()
    return head.lstrip().startswith(b"[[") and b"CTY_CODE" in head


def _html_title(body: bytes) -> str:
    m = re.search(rb"<title>(.*?)</title>", body, re.IGNORECASE | re.DOTALL)
    text = m.group(1) if m else body[:200]
    return re.sub(r"\s+", " ", text.decode("utf-8", "replace")).strip()


def _compression(path: Path) -> str:
    with open(path, "rb") as f:
        return "gzip" if f.read(2) == b"\x1f\x8b" else "none"


def _first_bytes(path: Path, n: int) -> bytes:
    try:
        return peek(path, n)
    except (OSError, EOFError) as e:
        raise InputError(path, "", f"cannot be decompressed ({e})", hint="save it again") from e


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    """Stage the body without holding it in Python: DuckDB's ``read_json`` parses the array
    of arrays (gzip or plain) into a temp table; checks and the long rows are SQL over it."""
    head = _first_bytes(path, 4096)
    if _HTML.match(head[:512]):
        title = _html_title(head)
        hint = "request a new body from the API"
        if "key" in title.lower() or b"Invalid Key" in head or b"Missing Key" in head:
            hint = "the API rejected the key: set NORTE_CENSUS_KEY to a valid key and fetch again"
        raise InputError(
            path,
            "body",
            f"HTML page instead of JSON ({title!r})",
            expected="a JSON array of arrays, header row first",
            hint=hint,
        )
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT row_number() OVER () - 1 AS r, "  # noqa: S608
            "json AS row FROM read_json(?, format = 'array', records = false, "
            "columns = {'json': 'VARCHAR[]'}, compression = ?, maximum_object_size = 1048576)",
            [str(path), _compression(path)],
        )
    except duckdb.Error as e:
        raise InputError(
            path,
            "body",
            f"not a JSON array of arrays ({_duck_reason(e)})",
            expected="a JSON array of arrays, header row first",
            hint="the body may be truncated or damaged: fetch it again",
        ) from None
    try:
        return _stage_raw(con, path, ctx)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {RAW}")


def _duck_reason(e: duckdb.Error) -> str:
    text = str(e).split(":", 1)[-1].strip()
    return re.sub(r'in file "[^"]*",\s*', "", text)


def _first_bad(con: duckdb.DuckDBPyConnection, cond: str, cols: str) -> tuple[Any, ...] | None:
    """The first data row (by position) where ``cond`` holds: (r, *cols), or None."""
    rows = con.execute(
        f"SELECT r, {cols} FROM {RAW} WHERE r > 0 AND ({cond}) ORDER BY r LIMIT 1"  # noqa: S608
    ).fetchall()
    return rows[0] if rows else None


def _stage_raw(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    got = con.execute(f"SELECT row FROM {RAW} WHERE r = 0").fetchall()  # noqa: S608
    if not got or got[0][0] is None:
        raise InputError(
            path, "JSON row 0", "not an array of arrays", expected="header row of column names"
        )
    header = [str(h) for h in got[0][0]]
    value_cols = [c for c in header if c in VALUE_COLUMNS]
    problems = []
    if "CTY_CODE" not in header:
        problems.append("CTY_CODE")
    if not value_cols:
        problems.append(" or ".join(VALUE_COLUMNS))
    if "time" not in header and not ("YEAR" in header and "MONTH" in header):
        problems.append("YEAR and MONTH (or time)")
    if problems:
        raise InputError(
            path,
            "JSON row 0 (header)",
            f"missing column(s): {'; '.join(problems)} (header: {', '.join(header)})",
            expected="CTY_CODE, a value column (ALL_VAL_MO/GEN_VAL_MO/CON_VAL_MO), YEAR, MONTH",
        )
    ix = {c: i + 1 for i, c in enumerate(header)}  # DuckDB lists are 1-based
    width = len(header)
    bad = _first_bad(con, f"row IS NULL OR len(row) <> {width}", "coalesce(len(row), 0)")
    if bad is not None:
        raise InputError(
            path,
            f"JSON row {bad[0]}",
            f"{bad[1]} fields, header has {width}",
            expected="one string per header column",
        )
    if "time" in ix:
        ytxt = f"split_part(row[{ix['time']}], '-', 1)"
        mtxt = f"split_part(row[{ix['time']}], '-', 2)"
    else:
        ytxt, mtxt = f"row[{ix['YEAR']}]", f"row[{ix['MONTH']}]"
    y, m = f"TRY_CAST({ytxt} AS INTEGER)", f"TRY_CAST({mtxt} AS INTEGER)"
    # each check's first bad row; the smallest is reported (a row is checked in this order)
    checks: list[tuple[int, int, str, tuple[Any, ...]]] = []
    bad = _first_bad(
        con,
        f"{y} IS NULL OR {m} IS NULL OR {m} NOT BETWEEN 1 AND 12 OR {y} NOT BETWEEN 1 AND 9999",
        f"{ytxt}, {mtxt}",
    )
    if bad is not None:
        checks.append((bad[0], 0, "period", bad))
    codes = con.execute(
        f"SELECT row[{ix['CTY_CODE']}] AS code, min(r) FROM {RAW} WHERE r > 0 "  # noqa: S608
        "GROUP BY 1 ORDER BY 2"
    ).fetchall()
    for n, col in enumerate(value_cols):
        v = f"row[{ix[col]}]"
        bad = _first_bad(con, f"{v} <> '' AND TRY_CAST({v} AS DOUBLE) IS NULL", v)
        if bad is not None:
            checks.append((bad[0], 2 + n, col, bad))
    mapper = PartnerMapper(path, "api", ctx.options.get("unknown_codes", "error"))
    first = min(checks) if checks else None
    mapping: list[tuple[str, str]] = []
    for code, r in codes:
        if first is not None and (r > first[0] or (r == first[0] and first[2] == "period")):
            break  # an earlier row's period or value error comes first (the file's order)
        key = "None" if code is None else str(code)
        mapping.append((key, mapper(key, f"JSON row {r}, column CTY_CODE")))
    if checks:
        r, _, what, bad = min(checks)
        if what == "period":
            raise InputError(
                path,
                f"JSON row {r}, column {'time' if 'time' in ix else 'YEAR/MONTH'}",
                f"{bad[1]!r}-{bad[2]!r} is not a month",
                expected="YEAR like '2024' and MONTH like '01'",
            )
        raise InputError(
            path,
            f"JSON row {r}, column {what}",
            f"{bad[1]!r} is not a number",
            expected='a value in US$ as a string of digits, e.g. "26481484626"',
        )
    return _insert(con, path, ix, value_cols, mapping, mapper, y, m, ctx.options)


def _insert(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    ix: dict[str, int],
    value_cols: list[str],
    mapping: list[tuple[str, str]],
    mapper: PartnerMapper,
    y: str,
    m: str,
    options: dict[str, Any],
) -> StageInfo:
    commodity = next((c for c in COMMODITY_COLUMNS if c in ix), None)
    dataset = "trade_by_country_hs" if commodity else "trade_by_country"
    if commodity:
        code = f"row[{ix[commodity]}]"
        level = f"row[{ix['COMM_LVL']}]" if "COMM_LVL" in ix else f"'HS' || length({code})"
    else:
        code = level = "NULL"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {CODES} (code VARCHAR, partner VARCHAR)")
    con.executemany(f"INSERT INTO {CODES} VALUES (?, ?)", mapping)  # noqa: S608
    try:
        parts = []
        params: list[str] = []
        for col in value_cols:
            flow, measure = VALUE_COLUMNS[col]
            v = f"row[{ix[col]}]"
            parts.append(
                f"SELECT ? AS flow, p.partner, {level} AS product_scheme, {code} AS product_code, "  # noqa: S608
                f"? AS measure, make_date({y}, {m}, 1) AS period, CAST({v} AS DOUBLE) AS value "
                f"FROM {RAW} JOIN {CODES} p ON p.code = coalesce(row[{ix['CTY_CODE']}], 'None') "
                f"WHERE r > 0 AND {v} <> ''"
            )
            params += [flow, measure]
        con.execute(
            f"INSERT INTO {STAGE_TABLE} (source, dataset, flow, reporter, partner, "  # noqa: S608
            "product_scheme, product_code, measure, unit, period, freq, value) "
            f"SELECT '{SOURCE}', '{dataset}', flow, 'USA', partner, product_scheme, product_code, "
            f"measure, 'USD', period, 'M', value FROM ({' UNION ALL '.join(parts)})",
            params,
        )
        n, last = con.execute(
            f"SELECT count(*), max({y} * 100 + {m}) FROM {RAW} WHERE r > 0"  # noqa: S608
        ).fetchall()[0]
        values = con.execute(
            f"SELECT count(*) FROM {STAGE_TABLE}"  # noqa: S608
        ).fetchall()[0][0]
    finally:
        con.execute(f"DROP TABLE IF EXISTS {CODES}")
    if not n or not values:
        raise InputError(path, "body", "no data rows", expected="rows after the header")
    year, month = divmod(int(last), 100)
    # a provenance manifest stating the release date replaces the estimate (issue 12)
    vintage, vintage_from, pnotes = provenance.vintage(
        provenance.lookup(path, options),
        estimated_census_release(year, month),
        f"estimated: newest month {year}-{month:02d} + FT-900 lag",
    )
    return StageInfo(
        format=FORMAT,
        vintage=vintage,
        vintage_from=vintage_from,
        notes=[*pnotes, f"{values} values, newest month {year}-{month:02d}"],
        warnings=mapper.warnings(),
    )
