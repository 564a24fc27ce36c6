"""Census international trade API responses by product classification other than HS: the
``naics``, ``hitech`` (Advanced Technology Products) and ``enduse`` endpoints, by country.

Same body as :mod:`norte.sources.census_api` (a JSON array of arrays, header first, every
value a string; ``CTY_CODE`` Schedule C; ``YEAR``+``MONTH`` or ``time``), with the product in
``NAICS`` (with ``COMM_LVL`` ``NA2``..``NA6`` when asked), ``HITECH`` (ATP group ``01``..``10``;
``-`` = all ATP) or ``I_ENDUSE``/``E_ENDUSE``. Rows go to datasets ``trade_by_country_naics``,
``trade_by_country_hitech`` and ``trade_by_country_enduse`` with ``product_scheme`` ``NAICS``,
``ATP`` or ``ENDUSE``; the view ``product_observations`` gives each row's classification
edition. Registered before ``census-api``, which reads the HS and by-country bodies.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from norte.errors import InputError
from norte.sources.census_api import VALUE_COLUMNS, add_values
from norte.sources.census_codes import PartnerMapper
from norte.sources.common import (
    estimated_census_release,
    peek,
    read_bytes_maybe_gzip,
    stage_columns,
)
from norte.store.db import StageContext, StageInfo

SOURCE = "census"
FORMAT = "census-api-product"
DESCRIPTION = "Census international trade API response by NAICS, ATP (hitech) or End-Use x country"
#: product column -> (dataset, product scheme)
PRODUCTS = {
    "NAICS": ("trade_by_country_naics", "NAICS"),
    "HITECH": ("trade_by_country_hitech", "ATP"),
    "I_ENDUSE": ("trade_by_country_enduse", "ENDUSE"),
    "E_ENDUSE": ("trade_by_country_enduse", "ENDUSE"),
}


def detect(path: Path) -> bool:
    name = path.name.lower()
    if not name.endswith((".json", ".json.gz")):
        return False
    head = peek(path, 2048).lstrip()
    if not head.startswith(b"[[") or b"CTY_CODE" not in head:
        return False
    first = head.split(b"]", 1)[0]
    return any(f'"{c}"'.encode() in first for c in PRODUCTS)


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    try:
        data = json.loads(read_bytes_maybe_gzip(path))
    except (json.JSONDecodeError, OSError, EOFError) as e:
        raise InputError(path, "body", f"not JSON ({e})", hint="fetch it again") from None
    if not isinstance(data, list) or not data or not isinstance(data[0], list):
        raise InputError(path, "JSON row 0", "not an array of arrays", expected="header row first")
    header = [str(h) for h in data[0]]
    ix = {c: i for i, c in enumerate(header)}
    product = next((c for c in PRODUCTS if c in ix), None)
    values = [c for c in header if c in VALUE_COLUMNS]
    if product is None or not values or "CTY_CODE" not in ix:
        raise InputError(
            path,
            "JSON row 0 (header)",
            f"header {', '.join(header)}",
            expected="CTY_CODE, NAICS/HITECH/I_ENDUSE/E_ENDUSE and a value column",
        )
    dataset, scheme = PRODUCTS[product]
    mapper = PartnerMapper(path, "api", ctx.options.get("unknown_codes", "error"))
    cols: dict[str, list[object]] = {
        k: [] for k in ("flow", "measure", "partner", "period", "value", "pc")
    }
    last = (0, 0)
    for r, row in enumerate(data[1:], start=1):
        place = f"JSON row {r}"
        if not isinstance(row, list) or len(row) != len(header):
            raise InputError(
                path, place, "wrong number of fields", expected=f"{len(header)} strings"
            )
        ytxt, _, mtxt = (
            str(row[ix["time"]]).partition("-")
            if "time" in ix
            else (str(row[ix["YEAR"]]), "-", str(row[ix["MONTH"]]))
        )
        try:
            period = dt.date(int(ytxt), int(mtxt), 1)
        except ValueError:
            raise InputError(path, place, f"{ytxt!r}-{mtxt!r} is not a month") from None
        last = max(last, (period.year, period.month))
        partner = mapper(str(row[ix["CTY_CODE"]]), f"{place}, column CTY_CODE")
        code = str(row[ix[product]]).strip()
        if not code:
            raise InputError(path, f"{place}, column {product}", "empty product code")
        add_values(cols, path, place, row, ix, values, partner=partner, period=period, pc=code)
    if not cols["value"]:
        raise InputError(path, "body", "no data rows", expected="rows after the header")
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": dataset,
            "flow": cols["flow"],
            "reporter": "USA",
            "partner": cols["partner"],
            "product_scheme": scheme,
            "product_code": cols["pc"],
            "measure": cols["measure"],
            "unit": "USD",
            "period": cols["period"],
            "freq": "M",
            "value": cols["value"],
        },
    )
    return StageInfo(
        format=FORMAT,
        vintage=estimated_census_release(*last),
        vintage_from=f"estimated: newest month {last[0]}-{last[1]:02d} + FT-900 lag",
        notes=[f"{len(cols['value']):,} values by {product}, newest month {last[0]}-{last[1]:02d}"],
        warnings=mapper.warnings(),
    )
