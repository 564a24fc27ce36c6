"""Secretaría de Economía SIC product pages: Mexico's principal products traded with a partner.

Reads "Principales productos exportados por México a <país>" (``ppx_e/``) and "Principales
productos importados por México procedentes de <país>" (``ppm_e/``) (parsing and partner
names: :mod:`norte.sources.se_sic`). Quirks:

- header ``Fracción, Descripción, 2008, ..., 2020 enero-diciembre``: one column per year,
  thousands of US$ (stored in US$), dataset ``se_main_products`` (freq A), flow ``export``
  (ppx) or ``import`` (ppm), reporter ``MEX``, partner from the title;
- the first row (fraction ``. .``, "Total") is the partner's total over all products: stored
  with ``product_scheme``/``product_code`` NULL (it equals the annual balance page's figure);
- rows are 8-digit TIGIE tariff fractions ``8703.23.01`` -> ``product_scheme`` ``TIGIE8``,
  ``product_code`` ``87032301``; a few are 6-digit subheadings written ``8708.29.`` ->
  ``HS6`` ``870829``. The list holds the top ~100 products of the latest year only: the rows
  do not add up to the total, and a product missing from a page is not a zero;
- the descriptions (Spanish, TIGIE wording) are not stored: the code is the identity;
- a year column whose header names a partial span (``2021 enero-junio``) is year to date: not
  stored (a note says so); ``enero-diciembre`` is the whole year;
- no release date on the page: vintage estimated as for the balance pages (newest year's
  December + 52 days).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb

from norte.errors import InputError
from norte.sources import se_sic
from norte.sources.common import fold, month_end_plus, stage_columns
from norte.store.db import StageContext, StageInfo

SOURCE = "se"
FORMAT = "se-sic-products"
DESCRIPTION = (
    "Secretaría de Economía SIC principal products page, exports (ppx_e) or imports (ppm_e)"
)
DATASET = "se_main_products"
_FRACTION = re.compile(r"^(\d{4})\.(\d\d)\.(\d\d)?$")


def detect(path: Path) -> bool:
    return se_sic.head_kind(path) == "products"


def _header(path: Path, page: se_sic.Page, notes: list[str]) -> tuple[int, dict[int, int]]:
    """The header's row number and {column index: year} of the full-year columns."""
    for n, row in page.rows:
        if row and fold(row[0]) == "fraccion":
            years: dict[int, int] = {}
            for i, cell in enumerate(row[2:], start=2):
                m = re.match(r"^(\d{4})\s*(.*)$", cell)
                if not m:
                    raise InputError(
                        path,
                        f"table row {n} (header), column {i + 1}",
                        f"{cell!r} is not a year",
                        expected="Fracción, Descripción, then one year per column",
                    )
                span = fold(m.group(2))
                if span and not span.endswith("diciembre"):
                    notes.append(f"column {cell!r} is year to date: not stored")
                    continue
                years[i] = int(m.group(1))
            return n, years
    raise InputError(
        path,
        "table header",
        "no header row starting with 'Fracción'",
        expected="the SE principal-products table (Fracción, Descripción, years)",
        hint="the page may be truncated: download it again",
    )


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    page = se_sic.read(path)
    if page.kind not in ("products_export", "products_import"):
        raise se_sic.wrong_kind(path, page, "a principal-products page", FORMAT)
    warnings: list[str] = []
    notes: list[str] = []
    partner = se_sic.partner(path, page, ctx.options.get("unknown_codes", "error"), warnings)
    head_n, years = _header(path, page, notes)
    if not years:
        raise InputError(path, f"table row {head_n} (header)", "no full-year column")
    schemes: list[str | None] = []
    codes: list[str | None] = []
    periods: list[dt.date] = []
    values: list[float] = []
    products = 0
    for n, row in page.rows:
        if n <= head_n:
            continue
        place = f"table row {n}"
        code = row[0].replace(" ", "")
        if code.strip(".") == "":
            scheme, product = None, None  # the "Total" row
        elif m := _FRACTION.match(code):
            scheme = "TIGIE8" if m.group(3) else "HS6"
            product = "".join(g for g in m.groups() if g)
            products += 1
        else:
            raise InputError(
                path,
                f"{place}, column Fracción",
                f"{row[0]!r} is not a tariff fraction",
                expected="an 8-digit TIGIE fraction like 8703.23.01 (or a subheading 8708.29.)",
            )
        if len(row) < max(years) + 1:
            raise InputError(path, place, f"{len(row)} cells, expected {max(years) + 1}")
        for i, year in years.items():
            schemes.append(scheme)
            codes.append(product)
            periods.append(dt.date(year, 1, 1))
            values.append(se_sic.number(path, f"{place}, column {year}", row[i]) * 1000.0)
    if not products:
        raise InputError(path, "table", "no product rows", expected="one row per tariff fraction")
    flow = "export" if page.kind == "products_export" else "import"
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": DATASET,
            "flow": flow,
            "reporter": "MEX",
            "partner": partner,
            "product_scheme": schemes,
            "product_code": codes,
            "measure": "value",
            "unit": "USD",
            "period": periods,
            "freq": "A",
            "value": values,
        },
    )
    last = max(years.values())
    notes.insert(0, f"{page.title}: {products} products x {len(years)} years, and the total")
    return StageInfo(
        format=FORMAT,
        vintage=month_end_plus(last, 12, se_sic.LAG_DAYS),
        vintage_from=f"estimated: newest year {last} (December) + {se_sic.LAG_DAYS} days "
        "(the page carries no release date)",
        notes=notes,
        warnings=warnings,
    )
