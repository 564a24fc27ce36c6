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

The response carries no release date: the vintage is estimated from the newest month in the
file (see :func:`estimated_census_release`); pass ``--vintage`` with the retrieval or release
date when you know it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb

from norte import provenance
from norte.errors import InputError
from norte.sources.census_codes import PartnerMapper
from norte.sources.common import (
    estimated_census_release,
    peek,
    read_bytes_maybe_gzip,
    stage_columns,
)
from norte.store.db import StageContext, StageInfo

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
_HTML = re.compile(rb"^\s*(<!doctype|<html|<head|<body|<\?xml)", re.IGNORECASE)


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


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    try:
        body = read_bytes_maybe_gzip(path)
    except (OSError, EOFError) as e:
        raise InputError(path, "", f"cannot be decompressed ({e})", hint="save it again") from e
    if _HTML.match(body[:512]):
        title = _html_title(body)
        hint = "request a new body from the API"
        if "key" in title.lower() or b"Invalid Key" in body or b"Missing Key" in body:
            hint = "the API rejected the key: set NORTE_CENSUS_KEY to a valid key and fetch again"
        raise InputError(
            path,
            "body",
            f"HTML page instead of JSON ({title!r})",
            expected="a JSON array of arrays, header row first",
            hint=hint,
        )
    try:
        data = json.loads(body)
    except json.JSONDecodeError as e:
        raise InputError(
            path,
            f"line {e.lineno}, column {e.colno}",
            f"invalid JSON ({e.msg})",
            expected="a JSON array of arrays, header row first",
            hint="the body may be truncated: fetch it again",
        ) from e
    if not isinstance(data, list) or not data or not isinstance(data[0], list):
        raise InputError(
            path, "JSON row 0", "not an array of arrays", expected="header row of column names"
        )
    header = [str(h) for h in data[0]]
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
    ix = {c: i for i, c in enumerate(header)}
    commodity = next((c for c in COMMODITY_COLUMNS if c in ix), None)
    level_ix = ix.get("COMM_LVL")
    mapper = PartnerMapper(path, "api", ctx.options.get("unknown_codes", "error"))
    dataset = "trade_by_country_hs" if commodity else "trade_by_country"

    flows: list[str] = []
    measures: list[str] = []
    partners: list[str] = []
    periods: list[dt.date] = []
    values: list[float] = []
    schemes: list[str | None] = []
    products: list[str | None] = []
    last = (0, 0)
    width = len(header)
    for r, row in enumerate(data[1:], start=1):
        if not isinstance(row, list) or len(row) != width:
            raise InputError(
                path,
                f"JSON row {r}",
                f"{len(row) if isinstance(row, list) else type(row).__name__} fields, header has {width}",
                expected="one string per header column",
            )
        if "time" in ix:
            t = str(row[ix["time"]])
            ytxt, _, mtxt = t.partition("-")
        else:
            ytxt, mtxt = str(row[ix["YEAR"]]), str(row[ix["MONTH"]])
        try:
            year, month = int(ytxt), int(mtxt)
            period = dt.date(year, month, 1)
        except ValueError:
            raise InputError(
                path,
                f"JSON row {r}, column {'time' if 'time' in ix else 'YEAR/MONTH'}",
                f"{ytxt!r}-{mtxt!r} is not a month",
                expected="YEAR like '2024' and MONTH like '01'",
            ) from None
        last = max(last, (year, month))
        partner = mapper(str(row[ix["CTY_CODE"]]), f"JSON row {r}, column CTY_CODE")
        if commodity:
            code = str(row[ix[commodity]])
            lvl = str(row[level_ix]) if level_ix is not None else f"HS{len(code)}"
        for col in value_cols:
            raw = row[ix[col]]
            try:
                value = float(raw) if raw not in (None, "") else None
            except (TypeError, ValueError):
                raise InputError(
                    path,
                    f"JSON row {r}, column {col}",
                    f"{raw!r} is not a number",
                    expected='a value in US$ as a string of digits, e.g. "26481484626"',
                ) from None
            if value is None:
                continue
            flow, measure = VALUE_COLUMNS[col]
            flows.append(flow)
            measures.append(measure)
            partners.append(partner)
            periods.append(period)
            values.append(value)
            if commodity:
                schemes.append(lvl)
                products.append(code)
    if not values:
        raise InputError(path, "body", "no data rows", expected="rows after the header")
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": dataset,
            "flow": flows,
            "reporter": "USA",
            "partner": partners,
            "product_scheme": schemes if commodity else None,
            "product_code": products if commodity else None,
            "measure": measures,
            "unit": "USD",
            "period": periods,
            "freq": "M",
            "value": values,
        },
    )
    # a provenance manifest stating the release date replaces the estimate (issue 12)
    vintage, vintage_from, pnotes = provenance.vintage(
        provenance.lookup(path, ctx.options),
        estimated_census_release(*last),
        f"estimated: newest month {last[0]}-{last[1]:02d} + FT-900 lag",
    )
    return StageInfo(
        format=FORMAT,
        vintage=vintage,
        vintage_from=vintage_from,
        notes=[*pnotes, f"{len(values)} values, newest month {last[0]}-{last[1]:02d}"],
        warnings=mapper.warnings(),
    )
