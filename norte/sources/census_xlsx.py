"""U.S. Census "U.S. Trade in Goods by Country" workbook (``country.xlsx``).

Quirks, as published at ``census.gov/foreign-trade/balance/country.xlsx``:

- one sheet ``country``: ``year, CTY_CODE, CTYNAME, IJAN..IDEC, IYR, EJAN..EDEC, EYR``;
- values in **millions** of US$ (stored in US$); imports are general imports (customs basis),
  exports are total exports (F.A.S. basis);
- months not yet released are ``0`` in the current year: every month after the last month with
  a non-zero value anywhere in the workbook is dropped (it is not data);
- ``IYR``/``EYR`` annual totals are not stored (they are the sum of the months);
- codes ``0021``/``0022`` mean "USMCA with Mexico/Canada (consumption)" here, unlike the API;
- the workbook carries no release date (its document properties are years old): the vintage is
  estimated from its newest month (see :func:`estimated_census_release`); ``--vintage`` overrides.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from norte import provenance
from norte.errors import InputError
from norte.sources.census_codes import PartnerMapper
from norte.sources.common import estimated_census_release, stage_columns, xlsx_first_row
from norte.store.db import StageContext, StageInfo

SOURCE = "census"
FORMAT = "census-xlsx"
DATASET = "trade_by_country"
DESCRIPTION = "Census 'U.S. Trade in Goods by Country' workbook (country.xlsx)"
SHEET = "country"
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
REQUIRED = ("year", "CTY_CODE", *(f"{f}{m}" for f in "IE" for m in MONTHS))


def detect(path: Path) -> bool:
    head = xlsx_first_row(path, SHEET)
    return head is not None and "CTY_CODE" in head


def _open(path: Path) -> list[list[Any]]:
    try:
        import python_calamine as calamine  # imported on use

        wb = calamine.CalamineWorkbook.from_path(str(path))
    except Exception as e:
        raise InputError(
            path,
            "",
            f"not a readable Excel workbook ({type(e).__name__}: {e})",
            expected="the complete country.xlsx as downloaded from census.gov",
            hint="the file may be truncated or corrupt: download it again",
        ) from e
    if SHEET not in wb.sheet_names:
        raise InputError(
            path,
            "workbook",
            f"no sheet {SHEET!r} (sheets: {', '.join(wb.sheet_names)})",
            expected=f"a sheet named {SHEET!r}",
        )
    try:
        return list(wb.get_sheet_by_name(SHEET).to_python())
    except Exception as e:
        raise InputError(
            path,
            f"sheet {SHEET!r}",
            f"cannot be read ({e})",
            hint="the file may be truncated or corrupt: download it again",
        ) from e


def _number(v: Any, path: Path, row: int, col: str) -> float:
    if isinstance(v, bool):
        pass
    elif isinstance(v, int | float):
        return float(v)
    elif isinstance(v, str):
        try:
            return float(v.replace(",", ""))
        except ValueError:
            pass
    raise InputError(
        path,
        f"sheet {SHEET!r}, row {row}, column {col}",
        f"{v!r} is not a number",
        expected="a value in millions of US$",
        hint="fix the cell or download the workbook again",
    )


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    rows = _open(path)
    if not rows:
        raise InputError(path, f"sheet {SHEET!r}", "the sheet is empty", expected="a header row")
    header = [str(c).strip() for c in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            path,
            f"sheet {SHEET!r}, row 1 (header)",
            f"missing column(s) {', '.join(missing)}",
            expected=f"columns {', '.join(REQUIRED[:4])}, ..., EDEC",
        )
    ix = {c: header.index(c) for c in REQUIRED}
    mapper = PartnerMapper(path, "xlsx", ctx.options.get("unknown_codes", "error"))

    parsed: list[tuple[int, str, str, list[float], list[float]]] = []
    for r, row in enumerate(rows[1:], start=2):
        if not any(c not in (None, "") for c in row):
            continue
        if len(row) < len(header):
            raise InputError(
                path,
                f"sheet {SHEET!r}, row {r}",
                f"{len(row)} cells, header has {len(header)}",
                hint="the workbook looks truncated: download it again",
            )
        ytxt = str(row[ix["year"]]).strip()
        try:
            year = int(float(ytxt))
        except ValueError:
            raise InputError(
                path, f"sheet {SHEET!r}, row {r}, column year", f"{ytxt!r} is not a year"
            ) from None
        code = str(row[ix["CTY_CODE"]]).strip()
        partner = mapper(code, f"sheet {SHEET!r}, row {r}, column CTY_CODE")
        imp = [_number(row[ix[f"I{m}"]], path, r, f"I{m}") for m in MONTHS]
        exp = [_number(row[ix[f"E{m}"]], path, r, f"E{m}") for m in MONTHS]
        parsed.append((year, code, partner, imp, exp))
    if not parsed:
        raise InputError(path, f"sheet {SHEET!r}", "no data rows", expected="one row per country")

    last_year = max(p[0] for p in parsed)
    last_month = 0
    for year, _, _, imp, exp in parsed:
        if year == last_year:
            for m in range(12):
                if imp[m] != 0 or exp[m] != 0:
                    last_month = max(last_month, m + 1)
    if last_month == 0:
        last_year -= 1
        last_month = 12

    flows: list[str] = []
    partners: list[str] = []
    periods: list[dt.date] = []
    values: list[float] = []
    for year, _, partner, imp, exp in parsed:
        months = 12 if year < last_year else last_month if year == last_year else 0
        for m in range(months):
            for flow, vals in (("import", imp), ("export", exp)):
                flows.append(flow)
                partners.append(partner)
                periods.append(dt.date(year, m + 1, 1))
                values.append(round(vals[m] * 1_000_000, 6))
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": DATASET,
            "flow": flows,
            "reporter": "USA",
            "partner": partners,
            "measure": "value",
            "unit": "USD",
            "period": periods,
            "freq": "M",
            "value": values,
        },
    )
    # a provenance manifest stating the release date replaces the estimate (issue 12)
    vintage, vintage_from, pnotes = provenance.vintage(
        provenance.lookup(path, ctx.options),
        estimated_census_release(last_year, last_month),
        f"estimated: newest month {last_year}-{last_month:02d} + FT-900 lag",
    )
    notes = [*pnotes, f"last released month {last_year}-{last_month:02d}"]
    if last_month < 12:
        notes.append(f"{last_year} months after {last_month:02d} are zeros (not released): skipped")
    return StageInfo(
        format=FORMAT,
        vintage=vintage,
        vintage_from=vintage_from,
        notes=notes,
        warnings=mapper.warnings(),
    )
