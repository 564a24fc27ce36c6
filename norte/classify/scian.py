"""INEGI SCIAN México 2023 (``scian_2023_categorias_y_productos.xlsx``).

Sheet ``SCIAN 2023``: every level (sector to clase) with ``Código, Título, Descripción, ...``;
a trailing ``T`` on a title marks a trinational category, the same in SCIAN México, NAICS U.S.
and NAICS Canada 2022. Those categories are also written as 1:1 links to the same NAICS 2022
code (INEGI's own statement of comparability, not an estimate); the others get none.
Sector codes of a range (``31-33``) are kept as written.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb

from norte.classify import workbook
from norte.classify.tables import Code, Crosswalk, Pair, stage_info
from norte.errors import InputError
from norte.store.staging import StageContext, StageInfo

SOURCE = "classification"
FORMAT = "inegi-scian"
DESCRIPTION = "INEGI SCIAN México classification workbook (codes, Spanish titles, trinational mark)"
_TITLE = re.compile(
    r"Sistema de Clasificación Industrial de América del Norte, México SCIAN (\d{4})"
)
_CODE = re.compile(r"^\d{2,6}$|^\d{2}-\d{2}$")


def detect(path: Path) -> bool:
    return bool(_TITLE.search(workbook.head_text(path, nrows=2)))


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    m = _TITLE.search(workbook.head_text(path, nrows=2))
    if m is None:
        raise InputError(path, "row 1", "no SCIAN title", expected="'... México SCIAN YYYY'")
    year = int(m.group(1))
    scheme, naics = f"scian{year}", f"naics{year - 1}"
    cw = Crosswalk()
    for n, r in enumerate(workbook.rows(path, 0)[2:], 3):
        cells = [*r, "", ""]
        code = workbook.cell(cells[0])
        if not code:
            continue  # the product index lines of the class above
        if not _CODE.match(code):
            raise InputError(path, f"row {n}, column A (Código)", f"{code!r} is not a SCIAN code")
        raw = str(cells[1]).rstrip()
        trinational = raw.endswith("T") and not raw.endswith(" T")
        title = raw[:-1].rstrip() if trinational else raw.strip()
        cw.codes.append(Code(scheme, code, label_es=title or None, trinational=trinational))
        if trinational:
            cw.pairs.append(Pair(scheme, code, naics, code, note="trinational (T): same category"))
    notes = [f"SCIAN {year}: {len(cw.codes):,} codes, {len(cw.pairs):,} trinational"]
    return stage_info(
        con, ctx, FORMAT, cw, (dt.date(year, 1, 1), f"the SCIAN edition ({year})"), notes
    )
