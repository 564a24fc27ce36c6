"""BEA industry and commodity codes and their 2017 NAICS concordance (one workbook).

Layout: title, a paragraph, then columns ``Sector, Summary, U.Summary, Detail`` (a code in the
column of its level, its title in the next one), ``Notes`` and ``Related 2017 NAICS Codes``.
Only detail rows carry NAICS codes, written as lists and ranges (``11111-2``, ``11113-6,
11119``, ``213112-5``; ``*``: the NAICS industry is in more than one BEA industry; ``n.a.``:
none). Ranges are expanded, every code kept at the level BEA gives it (2 to 6 digits).
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
FORMAT = "bea-naics"
DESCRIPTION = (
    "BEA industry and commodity codes and NAICS concordance workbook "
    "(crosswalk tables, not observations)"
)
LEVELS = ("sector", "summary", "underlying summary", "detail")
_RANGE = re.compile(r"^(\d{2,6})(?:-(\d{1,5}))?\*?$")


def detect(path: Path) -> bool:
    return workbook.head_text(path, nrows=2).startswith("BEA Industry and Commodity Codes")


def naics_list(text: str, path: Path, place: str) -> list[str]:
    """The NAICS codes of one cell: ``'11113-6, 11119'`` -> 11113 ... 11116, 11119."""
    out: list[str] = []
    for token in (t.strip() for t in text.replace(";", ",").split(",")):
        if not token or token.lower() == "n.a.":
            continue
        m = _RANGE.match(token)
        if m is None:
            raise InputError(
                path,
                place,
                f"{token!r} is not a NAICS code or range",
                expected="e.g. 3361 or 11113-6",
            )
        base, end = m.group(1), m.group(2)
        if end is None:
            out.append(base)
            continue
        stem, lo = base[: len(base) - len(end)], int(base[len(base) - len(end) :])
        if int(end) < lo:
            raise InputError(
                path, place, f"range {token!r} runs backwards", expected="a rising range"
            )
        out += [f"{stem}{k:0{len(end)}d}" for k in range(lo, int(end) + 1)]
    return out


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    data = workbook.rows(path)
    header = next((i for i, r in enumerate(data[:12]) if workbook.cell(r[0]) == "Sector"), None)
    if header is None:
        raise InputError(path, "rows 1-12", "no header row", expected="'Sector' in column A")
    cw = Crosswalk()
    for n, r in enumerate(data[header + 1 :], header + 2):
        cells = [workbook.cell(c) for c in [*r, "", "", "", "", "", "", ""]]
        level = next((k for k in range(4) if cells[k]), None)
        if level is None or not re.fullmatch(r"[0-9A-Z]{2,6}", cells[level]):
            continue  # blank lines and the footnotes below the table
        code, title = cells[level], cells[level + 1]
        cw.codes.append(Code("bea", code, label_en=title or None, note=LEVELS[level]))
        if level == 3:
            for naics in naics_list(
                cells[6], path, f"row {n}, column G (Related 2017 NAICS Codes)"
            ):
                cw.pairs.append(Pair("bea", code, "naics2017", naics, note=cells[5] or None))
    notes = [f"BEA industries: {len(cw.codes):,} codes, {len(cw.pairs):,} links to NAICS 2017"]
    return stage_info(
        con, ctx, FORMAT, cw, (dt.date(2017, 1, 1), "the NAICS edition (2017)"), notes
    )
