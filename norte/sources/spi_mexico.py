"""Social Progress Index for Mexico's states (IPS México, by México, ¿cómo vamos?).

Reads the workbooks ``00_IPS_COMPLETE_LONG.xlsx`` and ``00_IPS_COMPLETE_WIDE.xlsx``. Quirks:

- two sheets: ``01_IPS_DIM`` (overall index and the 3 dimensions) and ``02_IPS_COMP`` (the 12
  components). LONG layout: ``cve_ent, anio, entidad_abr_m, id_dim, dim_value`` (and ``id_comp,
  comp_value``); WIDE layout: ``cve_ent, anio, entidad_abr_m`` then one column per dimension
  (``01 02 03 00``) or component (``01_01comp`` .. ``03_12comp``). Both layouts are read.
- ``id_dim`` ``00`` is the overall index (not a dimension); ``01`` basic human needs, ``02``
  foundations of wellbeing, ``03`` opportunity. ``id_comp`` ``DD_NNcomp`` is component NN of
  dimension DD (1-4 in 01, 5-8 in 02, 9-12 in 03). Stored as measures ``spi_overall``,
  ``spi_dim_1``..``spi_dim_3``, ``spi_component_1``..``spi_component_12`` (labels in en/es/fr in
  ``norte/data/codes/spi_mexico.csv``; the workbook carries numbers only, the component names
  are those of the standard SPI framework the IPS México follows, in its order). The order is
  checked against what México, ¿cómo vamos? says of its 2025 edition: "Acceso a conocimientos
  básicos" fell to the lowest level of the 2015-2024 series, and national component 05 has
  its minimum (56.3) in 2024; component 07 (health and wellness) drops from 55.5 to 35.0 in
  2020, the pandemic year (``test_component_order_matches_the_published_story``).
- ``cve_ent`` is the INEGI state code as text (``01``..``32``), mapped to ISO 3166-2 (``MX-JAL``)
  through ``norte/data/codes/mx_states.csv``; ``00`` (``Nacional``) is Mexico as a whole: stored
  with ``geo_scheme``/``geo_code`` NULL ("all of the reporter"), ``reporter`` is ``MEX`` for
  every row. An unknown ``cve_ent`` fails the load.
- ``98`` ``Utopía`` and ``99`` ``Distopía`` rows (no year) are the fixed end points of the
  0-100 scale (100 and 0), not observations: they are skipped and a note says so.
- ``anio`` comes as a float (``2015.0``); scores are floats on 0-100; anything else fails.
- the workbook has no release date inside its data; its document properties
  (``docProps/core.xml``, ``dcterms:modified`` or else ``dcterms:created``) date the edition
  (2025-11-11 for the 2025 edition, data 2015-2024). Without them the vintage is estimated as
  1 November of the year after the newest year (the editions come out late in the year).
  ``--vintage`` overrides.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from norte.errors import InputError, UnknownCodeError
from norte.sources.common import stage_columns, xlsx_first_row, xlsx_modified
from norte.store.db import StageContext, StageInfo

SOURCE = "spi"
FORMAT = "spi-mexico"
DATASET = "spi_mexico_states"
DESCRIPTION = "Social Progress Index for Mexico's states (IPS México workbook, LONG or WIDE)"
SHEET_DIM = "01_IPS_DIM"
SHEET_COMP = "02_IPS_COMP"
UNIT = "index_0_100"
NATIONAL = "00"
SCALE_ENDS = {"98": ("Utopía", 100.0), "99": ("Distopía", 0.0)}
DIMENSIONS = {"00": "spi_overall", "01": "spi_dim_1", "02": "spi_dim_2", "03": "spi_dim_3"}
_COMP = re.compile(r"^(0[1-3])_(\d\d)comp$")
ID_COLUMNS = ("cve_ent", "anio")


@cache
def mx_states() -> dict[str, str]:
    """INEGI state code (``01``..``32``) -> ISO 3166-2 code (``MX-AGU``..``MX-ZAC``)."""
    out: dict[str, str] = {}
    path = resources.files("norte") / "data" / "codes" / "mx_states.csv"
    for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
        out[row["inegi_cve_ent"]] = row["code"]
    return out


def component_measure(code: str) -> str | None:
    """``01_03comp`` -> ``spi_component_3``; None when the code is not a valid component id."""
    m = _COMP.match(code)
    if not m:
        return None
    dim, n = int(m.group(1)), int(m.group(2))
    if not 1 <= n <= 12 or (n - 1) // 4 + 1 != dim:
        return None
    return f"spi_component_{n}"


def detect(path: Path) -> bool:
    head = xlsx_first_row(path, SHEET_DIM)
    return head is not None and head[:2] == list(ID_COLUMNS)


def _sheet(path: Path, wb: Any, name: str) -> list[list[Any]]:
    if name not in wb.sheet_names:
        raise InputError(
            path,
            "workbook",
            f"no sheet {name!r} (sheets: {', '.join(wb.sheet_names)})",
            expected=f"sheets {SHEET_DIM!r} and {SHEET_COMP!r}",
            hint="pass the IPS México workbook 00_IPS_COMPLETE_LONG.xlsx (or _WIDE)",
        )
    try:
        return list(wb.get_sheet_by_name(name).to_python())
    except Exception as e:
        raise InputError(
            path, f"sheet {name!r}", f"cannot be read ({e})", hint="download the workbook again"
        ) from e


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip() if v is not None else ""


class _Reader:
    """Turns sheet rows into (cve_ent, year, measure, value) with precise error places."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.states = mx_states()
        self.rows: list[tuple[str, int, str, float]] = []
        self.scale_rows: dict[str, int] = {}

    def read(self, sheet: str, rows: list[list[Any]]) -> str:
        if not rows:
            raise InputError(self.path, f"sheet {sheet!r}", "the sheet is empty")
        header = [_text(c) for c in rows[0]]
        if list(header[:2]) != list(ID_COLUMNS):
            raise InputError(
                self.path,
                f"sheet {sheet!r}, row 1 (header)",
                f"starts with {', '.join(header[:3])!r}",
                expected="cve_ent, anio, entidad_abr_m, ...",
            )
        long_cols = ("id_dim", "dim_value") if sheet == SHEET_DIM else ("id_comp", "comp_value")
        if all(c in header for c in long_cols):
            self._long(sheet, rows, header, long_cols)
            return "long"
        measures = {
            i: (DIMENSIONS.get(h) if sheet == SHEET_DIM else component_measure(h))
            for i, h in enumerate(header)
            if i >= 3
        }
        bad = [header[i] for i, m in measures.items() if m is None and header[i]]
        if bad or not measures:
            what = (
                "dimension columns 01 02 03 00" if sheet == SHEET_DIM else "01_01comp .. 03_12comp"
            )
            raise InputError(
                self.path,
                f"sheet {sheet!r}, row 1 (header)",
                f"unexpected column(s) {', '.join(bad) or '(none)'} — neither LONG "
                f"({', '.join(long_cols)}) nor WIDE",
                expected=f"columns {', '.join(long_cols)} (LONG) or {what} (WIDE)",
            )
        for r, row in enumerate(rows[1:], start=2):
            key = self._key(sheet, r, row)
            if key is None:
                continue
            for i, measure in measures.items():
                if measure is not None:
                    v = row[i] if i < len(row) else None
                    self._add(sheet, r, header[i], key, measure, v, i)
        return "wide"

    def _long(
        self, sheet: str, rows: list[list[Any]], header: list[str], cols: tuple[str, str]
    ) -> None:
        ic, vc = header.index(cols[0]), header.index(cols[1])
        for r, row in enumerate(rows[1:], start=2):
            key = self._key(sheet, r, row)
            if key is None:
                continue
            code = _text(row[ic]) if ic < len(row) else ""
            measure = DIMENSIONS.get(code) if sheet == SHEET_DIM else component_measure(code)
            if measure is None:
                raise InputError(
                    self.path,
                    f"sheet {sheet!r}, row {r}, column {cols[0]} ({_col_letter(ic)})",
                    f"unknown code {code!r}",
                    expected="00, 01, 02 or 03" if sheet == SHEET_DIM else "01_01comp .. 03_12comp",
                )
            self._add(sheet, r, cols[1], key, measure, row[vc] if vc < len(row) else None, vc)

    def _key(self, sheet: str, r: int, row: list[Any]) -> tuple[str, int] | None:
        if not any(c not in (None, "") for c in row):
            return None
        cve = _text(row[0]).zfill(2)
        if cve in SCALE_ENDS:
            self.scale_rows[cve] = self.scale_rows.get(cve, 0) + 1
            return None
        if cve != NATIONAL and cve not in self.states:
            raise UnknownCodeError(
                self.path,
                f"sheet {sheet!r}, row {r}, column cve_ent (A)",
                "INEGI state (cve_ent)",
                cve,
                hint="states are 01..32 and 00 is the national total; "
                "see norte/data/codes/mx_states.csv",
            )
        year_raw = row[1] if len(row) > 1 else None
        if isinstance(year_raw, float) and year_raw.is_integer():
            year = int(year_raw)
        elif isinstance(year_raw, int) and not isinstance(year_raw, bool):
            year = year_raw
        elif isinstance(year_raw, str) and year_raw.strip().isdigit():
            year = int(year_raw)
        else:
            raise InputError(
                self.path,
                f"sheet {sheet!r}, row {r}, column anio (B)",
                f"{year_raw!r} is not a year",
                expected="a year like 2015",
            )
        return cve, year

    def _add(
        self,
        sheet: str,
        r: int,
        col: str,
        key: tuple[str, int],
        measure: str,
        v: Any,
        ci: int,
    ) -> None:
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 100:
            raise InputError(
                self.path,
                f"sheet {sheet!r}, row {r}, column {col} ({_col_letter(ci)})",
                f"{v!r} is not a score",
                expected="a number from 0 to 100",
                hint="fix the cell or download the workbook again",
            )
        self.rows.append((key[0], key[1], measure, float(v)))


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    try:
        import python_calamine as calamine  # imported on use

        wb = calamine.CalamineWorkbook.from_path(str(path))
    except Exception as e:
        raise InputError(
            path,
            "",
            f"not a readable Excel workbook ({type(e).__name__}: {e})",
            expected="00_IPS_COMPLETE_LONG.xlsx (or _WIDE) as published by México, ¿cómo vamos?",
            hint="the file may be truncated or corrupt: download it again",
        ) from e
    reader = _Reader(path)
    layouts = {reader.read(s, _sheet(path, wb, s)) for s in (SHEET_DIM, SHEET_COMP)}
    if not reader.rows:
        raise InputError(path, f"sheet {SHEET_DIM!r}", "no data rows", expected="one row per state")
    states = reader.states
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": DATASET,
            "reporter": "MEX",
            "geo_scheme": [None if c == NATIONAL else "iso3166_2" for c, *_ in reader.rows],
            "geo_code": [None if c == NATIONAL else states[c] for c, *_ in reader.rows],
            "measure": [m for _, _, m, _ in reader.rows],
            "unit": UNIT,
            "period": [dt.date(y, 1, 1) for _, y, _, _ in reader.rows],
            "freq": "A",
            "value": [v for *_, v in reader.rows],
        },
    )
    years = sorted({y for _, y, _, _ in reader.rows})
    notes = [
        f"{'/'.join(sorted(layouts))} layout, {len(reader.rows)} scores, "
        f"years {years[0]}-{years[-1]}"
    ]
    if reader.scale_rows:
        ends = ", ".join(f"{c} {SCALE_ENDS[c][0]} ({n} rows)" for c, n in reader.scale_rows.items())
        notes.append(f"skipped the scale's end points {ends}: not observations")
    vintage = xlsx_modified(path)
    if vintage is not None:
        how = f"workbook properties (docProps/core.xml): edition {vintage.year}"
    else:
        vintage = dt.date(years[-1] + 1, 11, 1)
        how = f"estimated: newest year {years[-1]} + 1, 1 November"
    return StageInfo(format=FORMAT, vintage=vintage, vintage_from=how, notes=notes)
