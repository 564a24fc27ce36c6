"""UN Statistics Division HS correlation tables (``HS2022-HS2017 Correlations``).

Sheet ``HSyyyy-HSzzzz Correlations``: two title rows, then (new HS6, old HS6, relationship).
The agency's relationship (1:1, n:1, 1:n, n:n) is kept beside the relation computed from the
pairs (``agency_relation``); the conversion sheet (a subset, for one-way conversion) is not
loaded.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb

from norte.classify import workbook
from norte.classify.relation import RELATIONS
from norte.classify.tables import Crosswalk, Pair, code_text, stage_info
from norte.errors import InputError
from norte.store.staging import StageContext, StageInfo

SOURCE = "classification"
FORMAT = "hs-correlation"
DESCRIPTION = (
    "UN Statistics Division HS conversion and correlation tables (e.g. HS 2022 - HS 2017) "
    "(crosswalk tables, not observations)"
)
_SHEET = re.compile(r"^HS ?(\d{4})\s*-\s*HS ?(\d{4}) Correlations?$", re.IGNORECASE)


def _sheet(path: Path) -> tuple[str, re.Match[str]] | None:
    for name in workbook.sheets(path):
        if m := _SHEET.match(name.strip()):
            return name, m
    return None


def detect(path: Path) -> bool:
    return _sheet(path) is not None


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    found = _sheet(path)
    if found is None:
        raise InputError(path, "", "no 'HSyyyy-HSzzzz Correlations' sheet")
    name, m = found
    new, old = f"hs{m.group(1)}", f"hs{m.group(2)}"
    cw = Crosswalk()
    for n, r in enumerate(workbook.rows(path, name), 1):
        cells = [workbook.cell(c) for c in [*r, "", "", ""]]
        if not cells[0].isdigit():
            continue  # the title rows
        place = f"sheet {name!r}, row {n}"
        a = code_text(cells[0], path, f"{place}, column A", (6,))
        b = code_text(cells[1], path, f"{place}, column B", (6,))
        rel = cells[2].replace(" ", "").lower()
        if rel not in RELATIONS:
            raise InputError(
                path,
                f"{place}, column C",
                f"relationship {cells[2]!r}",
                expected="1:1, 1:n, n:1 or n:n",
            )
        cw.pairs.append(Pair(new, a, old, b, agency_relation=rel))
    if not cw.pairs:
        raise InputError(
            path, f"sheet {name!r}", "no HS6 pairs", expected="rows of two 6-digit codes"
        )
    year = int(m.group(1))
    notes = [f"HS {m.group(1)} -> HS {m.group(2)} correlations: {len(cw.pairs):,} rows"]
    return stage_info(
        con, ctx, FORMAT, cw, (dt.date(year, 1, 1), f"the HS edition ({year})"), notes
    )
