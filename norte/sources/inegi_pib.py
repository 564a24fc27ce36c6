"""INEGI tabulados (BIE .xlsx exports): quarterly GDP and the monthly IGAE index.

Reads the workbooks as INEGI's Banco de Información Económica exports them, e.g.
``pibt_cte_valor.xlsx`` (sheet ``desest-valor``) and ``igae_indice.xlsx`` (``IGAE-indice``);
the first sheet is read, whatever its name. Layout and quirks:

- three title rows (Excel rows 2-4: row 1 is blank; the layout is read relative to the first
  non-empty row): the indicator (``PRODUCTO INTERNO BRUTO TRIMESTRAL`` or ``INDICADOR
  GLOBAL DE LA ACTIVIDAD ECONÓMICA``), the adjustment (``Series desestacionalizadas`` ->
  ``adj=sa``; ``Series originales`` -> ``adj=nsa``) and the unit (``Millones de pesos a precios
  de 2018`` -> unit ``MXN_2018``, values x 1e6; ``Índice Base 2018 = 100`` -> unit
  ``index_2018=100``). The base year and the adjustment come from these rows, so two editions
  with other bases or adjustments are other series (unit and ``detail`` differ) and cannot mix;
- next row: ``Denominación``, then the year in the first column of each year's group; next: the
  quarter (``I``..``IV``, freq Q) or month (``ENE``..``DIC``, freq M) of each column;
- then one row per aggregate until a blank row (then ``Nota:`` / ``Fuente:`` lines): all are
  kept. The GDP / IGAE total has ``detail`` ``adj=sa``; the others add ``sector=``: ``taxes``
  (net taxes on products), ``primary`` / ``secondary`` / ``tertiary`` activities, or the
  SCIAN sector code (``21``, ``31-33``, ``48-49``: in column A in the GDP workbook, at the
  start of the label in column B in the IGAE one). Codes and labels:
  ``norte/data/codes/inegi_pib.csv`` (scheme ``scian_sector``);
- GDP values are quarterly levels at annual rates (INEGI's convention: a year is the mean of
  its quarters);
- measures ``gdp_real`` (dataset ``inegi_pibt_<base>``) and ``igae`` (``inegi_igae_<base>``),
  reporter ``MEX``, no partner or flow; the note "Cifras preliminares" covers the whole table:
  status NULL;
- when a header row is not where it should be (rows inserted above it), the load fails
  naming the sheet, the row and what was expected;
- vintage: the workbook's document properties (``dcterms:modified``: 2026-02-20 for the GDP
  table through 2025-Q4, INEGI's release day); without them, the newest period's end + 55 days.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import duckdb

from norte.errors import InputError
from norte.sources.common import fold, month_end_plus, stage_columns, xlsx_modified
from norte.store.db import StageContext, StageInfo

SOURCE = "inegi_pib"
FORMAT = "inegi-tabulado"
DESCRIPTION = "INEGI tabulado .xlsx (BIE): quarterly GDP (PIB trimestral) or the IGAE index"
TITLES = {
    "producto interno bruto trimestral": ("gdp_real", "Q", "inegi_pibt"),
    "indicador global de la actividad economica": ("igae", "M", "inegi_igae"),
}
ADJ = {"series desestacionalizadas": "sa", "series originales": "nsa"}
QUARTERS = ("i", "ii", "iii", "iv")
MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
AGGREGATES = {
    "producto interno bruto, a precios de mercado": None,
    "indicador global de la actividad economica": None,
    "impuestos a los productos, netos": "taxes",
    "actividades primarias": "primary",
    "actividades secundarias": "secondary",
    "actividades terciarias": "tertiary",
}
LAG_DAYS = 55
_SECTOR = re.compile(r"^(\d{2}(?:-\d{2})?)\s+(\S.*)$")


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip() if v is not None else ""


def _first_sheet(path: Path, nrows: int | None = None) -> tuple[str, list[list[Any]]] | None:
    if path.suffix.lower() != ".xlsx":
        return None
    try:
        import python_calamine as calamine

        wb = calamine.CalamineWorkbook.from_path(str(path))
        name = wb.sheet_names[0]
        sheet = wb.get_sheet_by_name(name)
        rows = list(sheet.to_python(nrows=nrows))
        r0, c0 = sheet.start or (0, 0)
    except Exception:
        return None
    # calamine starts at the first used cell: pad so rows[i][j] is Excel row i+1, column j+1
    return name, [[] for _ in range(r0)] + [[""] * c0 + list(r) for r in rows]


def detect(path: Path) -> bool:
    got = _first_sheet(path, nrows=5)
    if got is None:
        return False
    return any(fold(_text(r[0])) in TITLES for r in got[1][:6] if r)


def _expect(path: Path, sheet: str, rows: list[list[Any]], row: int, ok: bool, what: str) -> None:
    if ok:
        return
    found = next(
        (i + 1 for i in range(min(len(rows), 30)) if _cell(rows, i, 0) == "denominacion"), 0
    )
    moved = f" ('Denominación' is in row {found}: the header rows moved)" if found else ""
    got = [_text(c) for c in rows[row - 1][:4]] if len(rows) >= row else []
    raise InputError(
        path,
        f"sheet {sheet!r}, row {row}",
        f"found {got}{moved}",
        expected=what,
        hint="INEGI's tabulado layout: three title rows (indicator, adjustment, unit), then "
        "'Denominación' + years, then the periods; export the table again from INEGI's BIE "
        "unchanged",
    )


def _cell(rows: list[list[Any]], r: int, c: int) -> str:
    """Folded text of the 0-based cell (r, c), '' when outside the sheet."""
    return fold(_text(rows[r][c])) if r < len(rows) and c < len(rows[r]) else ""


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    got = _first_sheet(path)
    if got is None:
        raise InputError(
            path,
            "",
            "not a readable Excel workbook",
            hint="the file may be truncated: download it again",
        )
    sheet, rows = got
    # The layout is read relative to the title, the first non-empty row (Excel row 2 in
    # INEGI's exports, whose row 1 is blank); rows numbers in messages are Excel's.
    t = next((i for i, r in enumerate(rows) if any(_text(c) for c in r)), 0)
    title = [_cell(rows, t + k, 0) for k in range(3)]
    _expect(
        path,
        sheet,
        rows,
        t + 1,
        title[0] in TITLES,
        "the title 'PRODUCTO INTERNO BRUTO TRIMESTRAL' or 'INDICADOR GLOBAL DE LA "
        "ACTIVIDAD ECONÓMICA' in column A",
    )
    measure, freq, prefix = TITLES[title[0]]
    _expect(
        path,
        sheet,
        rows,
        t + 2,
        title[1] in ADJ,
        "'Series desestacionalizadas' or 'Series originales' in column A, below the title",
    )
    adj = ADJ[title[1]]
    unit, scale = _unit(title[2])
    _expect(
        path,
        sheet,
        rows,
        t + 3,
        unit is not None,
        "the unit in column A, below the adjustment: 'Millones de pesos a precios de YYYY' or "
        "'Índice Base YYYY = 100'",
    )
    assert unit is not None
    _expect(
        path,
        sheet,
        rows,
        t + 4,
        _cell(rows, t + 3, 0) == "denominacion",
        "'Denominación' in column A, below the unit, then the years",
    )
    periods = _periods(path, sheet, rows, freq, t + 3)
    details: list[str] = []
    dates: list[dt.date] = []
    values: list[float] = []
    for i, row in enumerate(rows[t + 5 :], start=t + 6):
        a, b = _text(row[0]), _text(row[1]) if len(row) > 1 else ""
        if not a and not b:
            break
        sector = _sector(path, sheet, i, a, b)
        detail = f"adj={adj}" + (f";sector={sector}" if sector else "")
        for col, period in periods.items():
            v = row[col] if col < len(row) else ""
            if v == "" or v is None:
                continue
            if not isinstance(v, int | float) or isinstance(v, bool):
                raise InputError(
                    path,
                    f"sheet {sheet!r}, row {i}, column {_col(col)}",
                    f"{v!r} is not a number",
                    expected=f"a value in {unit}",
                )
            details.append(detail)
            dates.append(period)
            values.append(float(v) * scale)
    if not values:
        raise InputError(
            path,
            f"sheet {sheet!r}, row {t + 6}",
            "no data rows",
            expected="one row per aggregate below the header",
        )
    base = unit.split("_")[-1].split("=")[0]
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": f"{prefix}_{base}",
            "reporter": "MEX",
            "detail": details,
            "measure": measure,
            "unit": unit,
            "period": dates,
            "freq": freq,
            "value": values,
        },
    )
    last = max(dates)
    vintage = xlsx_modified(path)
    if vintage is not None:
        how = "the workbook's document properties (docProps/core.xml)"
    else:
        end_month = last.month + (2 if freq == "Q" else 0)
        vintage = month_end_plus(last.year, end_month, LAG_DAYS)
        how = f"estimated: newest period {last:%Y-%m} + {LAG_DAYS} days after its end"
    return StageInfo(
        format=FORMAT,
        vintage=vintage,
        vintage_from=how,
        notes=[
            f"{rows[t][0]}: {len(set(details))} series, {len(values):,} values, "
            f"newest {last:%Y-%m} ({unit}, adj={adj})"
        ],
    )


def _unit(text: str) -> tuple[str | None, float]:
    if m := re.fullmatch(r"millones de pesos a precios de (\d{4})", text):
        return f"MXN_{m.group(1)}", 1e6
    if m := re.fullmatch(r"indice base (\d{4}) ?= ?100", text):
        return f"index_{m.group(1)}=100", 1.0
    return None, 1.0


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _periods(
    path: Path, sheet: str, rows: list[list[Any]], freq: str, h: int
) -> dict[int, dt.date]:
    """{column: first day of the period} from the 0-based rows ``h`` (years) and ``h + 1``
    (quarters or months)."""
    names = QUARTERS if freq == "Q" else MONTHS
    _expect(
        path,
        sheet,
        rows,
        h + 2,
        _cell(rows, h + 1, 2) == names[0],
        f"the periods below the years, from column C: {', '.join(n.upper() for n in names[:3])}, ...",
    )
    out: dict[int, dt.date] = {}
    year: int | None = None
    for c in range(2, len(rows[h + 1])):
        y = _text(rows[h][c]) if c < len(rows[h]) else ""
        if y:
            if not re.fullmatch(r"\d{4}", y):
                raise InputError(
                    path,
                    f"sheet {sheet!r}, row {h + 1}, column {_col(c)}",
                    f"{y!r} is not a year",
                    expected="a year like 1993",
                )
            year = int(y)
        p = _cell(rows, h + 1, c)
        if not p:
            continue
        if p not in names or year is None:
            raise InputError(
                path,
                f"sheet {sheet!r}, row {h + 2}, column {_col(c)}",
                f"{rows[h + 1][c]!r} is not a period",
                expected=", ".join(n.upper() for n in names),
            )
        k = names.index(p)
        out[c] = dt.date(year, k * 3 + 1 if freq == "Q" else k + 1, 1)
    return out


def _sector(path: Path, sheet: str, row: int, a: str, b: str) -> str | None:
    key = fold(a)
    if key in AGGREGATES:
        return AGGREGATES[key]
    if re.fullmatch(r"\d{2}(-\d{2})?", a):
        return a  # GDP workbook: the code in column A, the name in column B
    if not a and (m := _SECTOR.match(b)):
        return m.group(1)  # IGAE workbook: "21 Minería" in column B
    raise InputError(
        path,
        f"sheet {sheet!r}, row {row}, columns A-B",
        f"{a or b!r} is neither a known aggregate nor a SCIAN sector",
        expected="the total, 'Actividades primarias/secundarias/terciarias', 'Impuestos a los "
        "productos, netos' or a sector code like 21 or 31-33",
    )
