"""Secretaría de Economía SIC trade-balance pages: Mexico's trade with one partner.

Reads the monthly (``bcm_e/``) and annual (``bc_e/``) pages "Balanza comercial de México con
<país>" (parsing and partner names: :mod:`norte.sources.se_sic`). Quirks:

- monthly pages: a year row (``1993``) then its twelve month rows (``Enero`` .. ``Diciembre``);
  only the month rows are stored (dataset ``se_balance_monthly``, freq M); the year rows are
  checked instead: each page's twelve months must add up to its year row (SE rounds every cell
  to the thousand, so a difference of up to 12 thousand is rounding; more fails the load). The
  annual pages are another dataset (``se_balance_annual``, freq A): never add the two;
- a year label can carry a footnote (``2020 /1``, "/1 Enero - diciembre"): a year whose
  footnote names a partial span (``Enero - junio``) is a year-to-date figure, not stored on the
  annual pages (a note says so);
- columns Exportaciones, Importaciones, Comercio Total, Balanza Comercial, thousands of US$
  (stored in US$). Only exports and imports are stored (flow ``export`` / ``import``): total
  trade and the balance are exports ± imports, derivable; the load checks that the page's own
  Comercio Total and Balanza columns agree with them (within 1 thousand of rounding);
- reporter ``MEX``; partner from the page title (``el mundo`` -> ``WORLD``);
- the page's note 2: exports 1993-2001 are attributed to the **buyer** country, from 2002 to
  the **destination** country. Export rows carry it as ``status`` (``buyer_country`` /
  ``destination_country``, read from the note's years), so the series stays one key and text
  can say where the criterion changes; imports have status NULL (the page says nothing);
- the pages carry no release date (the source line says "(1993 - 2020)"): the vintage is
  estimated as the newest month's end + 52 days (INEGI's BCMM lag; see ``LAG_DAYS``).
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
FORMAT = "se-sic-balance"
DESCRIPTION = "Secretaría de Economía SIC trade-balance page, monthly (bcm_e) or annual (bc_e)"
DATASET_M = "se_balance_monthly"
DATASET_A = "se_balance_annual"
COLUMNS = ("exportaciones", "importaciones", "comercio total", "balanza comercial")
ROUNDING = 12.0  # thousands: twelve cells rounded to the thousand


def detect(path: Path) -> bool:
    return se_sic.head_kind(path) == "balance"


def _header(path: Path, page: se_sic.Page) -> tuple[int, list[int]]:
    for n, row in page.rows:
        cells = [fold(c) for c in row]
        if all(c in cells for c in COLUMNS):
            return n, [cells.index(c) for c in COLUMNS]
    raise InputError(
        path,
        "table header",
        "no header row with Exportaciones, Importaciones, Comercio Total, Balanza Comercial",
        expected="the SE trade-balance table (Año, Exportaciones, Importaciones, ...)",
        hint="the page may be truncated: download it again",
    )


def _attribution(page: se_sic.Page) -> int | None:
    """The first year exports are by destination country (2002), from the page's note."""
    for t in page.text:
        m = re.search(r"a partir de (\d{4}).*destino", fold(t))
        if m and "comprador" in fold(t):
            return int(m.group(1))
    return None


def _year_span(page: se_sic.Page, label: str) -> str | None:
    """The footnote text of a year label like ``2020 /1`` ('Enero - diciembre'), if any."""
    m = re.search(r"/(\d+)", label)
    if not m:
        return None
    for t in page.text:
        if t.startswith(f"/{m.group(1)} "):
            return t[len(m.group(0)) :].strip()
    return ""


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    page = se_sic.read(path)
    if page.kind not in ("balance_monthly", "balance_annual"):
        raise se_sic.wrong_kind(path, page, "a trade-balance page", FORMAT)
    monthly = page.kind == "balance_monthly"
    warnings: list[str] = []
    notes: list[str] = []
    partner = se_sic.partner(path, page, ctx.options.get("unknown_codes", "error"), warnings)
    head_n, ix = _header(path, page)
    switch = _attribution(page)
    # (period, row number, exports, imports) per month (monthly) or year (annual); year rows
    # of monthly pages kept apart for the check.
    points: list[tuple[dt.date, int, float, float]] = []
    years: dict[int, tuple[int, float, float]] = {}
    year: int | None = None
    for n, row in page.rows:
        if n <= head_n or not row:
            continue
        label = fold(row[0])
        place = f"table row {n} ({row[0]!r})"
        if len(row) <= max(ix):
            raise InputError(path, place, f"{len(row)} cells, expected 5", hint="download again")
        vals = [
            se_sic.number(path, f"{place}, column {COLUMNS[i]}", row[j]) for i, j in enumerate(ix)
        ]
        exp, imp, tot, bal = vals
        if abs(exp + imp - tot) > 1 or abs(exp - imp - bal) > 1:
            raise InputError(
                path,
                place,
                f"exports {exp:,.0f} and imports {imp:,.0f} do not give the page's total "
                f"{tot:,.0f} and balance {bal:,.0f}",
                hint="the page is damaged or edited: download it again",
            )
        if m := re.match(r"^(\d{4})\b", label):
            year = int(m.group(1))
            span = _year_span(page, label)
            if monthly:
                years[year] = (n, exp, imp)
            elif span and not fold(span).endswith("diciembre"):
                notes.append(f"{year} is {span!r} (year to date): not stored")
            else:
                points.append((dt.date(year, 1, 1), n, exp, imp))
        elif monthly and label in se_sic.MONTHS and year is not None:
            points.append((dt.date(year, se_sic.MONTHS.index(label) + 1, 1), n, exp, imp))
        else:
            raise InputError(
                path,
                place,
                f"unexpected row label {row[0]!r}",
                expected="a year (1993) or a month name (Enero .. Diciembre)"
                if monthly
                else "a year (1993)",
            )
    if not points:
        raise InputError(path, "table", "no data rows", expected="one row per year or month")
    if monthly:
        _check_months(path, points, years, notes)
    flows: list[str] = []
    periods: list[dt.date] = []
    values: list[float] = []
    status: list[str | None] = []
    for period, _, exp, imp in points:
        for flow, v in (("export", exp), ("import", imp)):
            flows.append(flow)
            periods.append(period)
            values.append(v * 1000.0)
            if flow == "import" or switch is None:
                status.append(None)
            else:
                status.append("destination_country" if period.year >= switch else "buyer_country")
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": DATASET_M if monthly else DATASET_A,
            "flow": flows,
            "reporter": "MEX",
            "partner": partner,
            "measure": "value",
            "unit": "USD",
            "period": periods,
            "freq": "M" if monthly else "A",
            "value": values,
            "status": status,
        },
    )
    last = max(p[0] for p in points)
    last_month = last.month if monthly else 12
    notes.insert(0, f"{page.title} ({se_sic.KINDS[page.kind]}): {len(points)} periods")
    if switch is None:
        notes.append("no buyer/destination note on the page: export status NULL")
    return StageInfo(
        format=FORMAT,
        vintage=month_end_plus(last.year, last_month, se_sic.LAG_DAYS),
        vintage_from=f"estimated: newest month {last.year}-{last_month:02d} + "
        f"{se_sic.LAG_DAYS} days (the page carries no release date)",
        notes=notes,
        warnings=warnings,
    )


def _check_months(
    path: Path,
    points: list[tuple[dt.date, int, float, float]],
    years: dict[int, tuple[int, float, float]],
    notes: list[str],
) -> None:
    worst = 0.0
    for year, (n, exp, imp) in years.items():
        months = [p for p in points if p[0].year == year]
        for name, total, got in (
            ("exports", exp, sum(p[2] for p in months)),
            ("imports", imp, sum(p[3] for p in months)),
        ):
            worst = max(worst, abs(total - got))
            if len(months) == 12 and abs(total - got) > ROUNDING:
                raise InputError(
                    path,
                    f"table row {n} (year {year})",
                    f"the twelve months' {name} add up to {got:,.0f}, the year row says "
                    f"{total:,.0f}",
                    hint="the page is damaged or edited: download it again",
                )
    notes.append(f"months add up to the year rows (largest rounding gap {worst:,.0f} thousand)")
