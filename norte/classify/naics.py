"""Census NAICS concordances (``2022 NAICS U.S. Matched to 2017 NAICS U.S.``, full concordance).

Layout: a title row naming both editions, a note, a header row (``2022 NAICS Code``, title,
``2017 NAICS Code``, title), then one row per (new code, old code) pair. Bold and italic marks
in the workbook (split and merged industries) are formatting only: the relations are computed
from the pairs. Edition years come from the title.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb

from norte.classify import workbook
from norte.classify.tables import Code, Crosswalk, Pair, code_text, stage_info
from norte.errors import InputError
from norte.store.staging import StageContext, StageInfo

SOURCE = "classification"
FORMAT = "naics-concordance"
DESCRIPTION = (
    "Census NAICS concordance workbook (e.g. 2022 NAICS U.S. Matched to 2017 NAICS U.S.) "
    "(crosswalk tables, not observations)"
)
_TITLE = re.compile(r"(\d{4}) NAICS U\.S\. Matched to (\d{4}) NAICS")


def detect(path: Path) -> bool:
    return bool(_TITLE.search(workbook.head_text(path, nrows=4)))


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    data = workbook.rows(path)
    title = next((m for r in data[:4] if (m := _TITLE.search(workbook.cell(r[0])))), None)
    if title is None:
        raise InputError(path, "row 1", "no title 'YYYY NAICS U.S. Matched to YYYY NAICS'")
    new, old = f"naics{title.group(1)}", f"naics{title.group(2)}"
    header = next(
        (i for i, r in enumerate(data[:10]) if workbook.cell(r[0]).endswith("NAICS Code")), None
    )
    if header is None:
        raise InputError(
            path, "rows 1-10", "no header row", expected="'YYYY NAICS Code' in column A"
        )
    cw = Crosswalk()
    for n, r in enumerate(data[header + 1 :], header + 2):
        cells = [*r, "", "", "", ""]
        if not any(workbook.cell(c) for c in cells[:4]):
            continue
        a = code_text(cells[0], path, f"row {n}, column A ({new} code)", (6,))
        b = code_text(cells[2], path, f"row {n}, column C ({old} code)", (6,))
        t_new, t_old = workbook.cell(cells[1]), workbook.cell(cells[3])
        cw.codes.append(Code(new, a, label_en=t_new or None))
        cw.codes.append(Code(old, b, label_en=t_old.split(" (")[0] or None))
        cw.pairs.append(Pair(new, a, old, b, note=t_old or None))
    year = int(title.group(1))
    notes = [f"{title.group(0)}: {len(cw.pairs):,} pairs"]
    return stage_info(
        con, ctx, FORMAT, cw, (dt.date(year, 1, 1), f"the NAICS edition ({year})"), notes
    )
