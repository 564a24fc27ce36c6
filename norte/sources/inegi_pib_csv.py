"""INEGI open-data quarterly GDP CSV (``conjunto_de_datos_pibt_pibt_cte*.csv``), wide.

Layout and quirks of INEGI's open-data GDP file (e.g. ``conjunto_de_datos_pibt_pibt_cte2022_t2.csv``,
constant 2013 prices, original series, millions of pesos):

- UTF-8 with a BOM; header ``Descriptores, 1993|T1, 1993|T2, 1993|T3, 1993|T4, 1993|6 Meses,
  1993|9 Meses, 1993|Anual, 1994|T1, ...``; a header may end in a flag ``<P>`` (preliminary)
  or ``<R>`` (revised), stored as ``status`` for that column; no flag -> NULL;
- ``Tn`` columns -> freq Q; ``Anual`` -> freq A (INEGI's own annual figure: the mean of the
  quarters, kept so annual questions need no averaging: the quarterly values are levels at
  annual rates, so a year is never the sum of its quarters); ``6 Meses`` / ``9 Meses`` are
  cumulative half-year and nine-month figures that fit no frequency of the store: skipped
  (a note says so). Empty cells (quarters not yet published) are not observations;
- ``Descriptores`` is the hierarchy joined by ``|``, each level ``<code>---<name>`` with an
  optional footnote mark ``<C1>``: ``B.1bP---Producto interno bruto`` (the total: ``detail``
  ``adj=nsa``), ``D.21-D.31---Impuestos sobre los productos, netos`` (``sector=taxes``),
  ``B.1bV---Valor agregado bruto`` (``sector=gva``), ``Actividades primarias|11---Agricultura...``
  -> ``sector=11``, down to 4-digit SCIAN branches (``sector=3361``). Every row is kept;
  levels overlap (a sector is the sum of its subsectors): filter by ``sector``;
- the file states no base year or adjustment in its cells: both come from INEGI's file
  family (``pibt_cte``: constant prices, base 2013 in the 2022 editions; originals, not
  seasonally adjusted) and are checked against the file name's ``cteYYYY_tN`` edition, which
  must be an edition of 2022 or earlier (base 2013; INEGI moved to base 2018 in 2023); another
  file name fails with
  a message asking for ``--format`` and the base to be confirmed;
- unit ``MXN_2013`` (values x 1e6), measure ``gdp_real``, dataset ``inegi_pibt_2013``,
  ``detail`` ``adj=nsa[;sector=...]``: never the same series as the 2018-base tabulado;
- no release date in the file: vintage estimated as the newest quarter's end + 55 days
  (INEGI publishes quarterly GDP about eight weeks after the quarter).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import duckdb

from norte.errors import InputError
from norte.sources.common import fold, month_end_plus, peek, stage_columns
from norte.store.db import StageContext, StageInfo

SOURCE = "inegi_pib"
FORMAT = "inegi-pib-csv"
DESCRIPTION = "INEGI open-data quarterly GDP CSV (Descriptores, YYYY|Tn columns; base 2013)"
DATASET = "inegi_pibt_2013"
UNIT = "MXN_2013"
LAG_DAYS = 55
_COLUMN = re.compile(r"^(\d{4})\|(T[1-4]|6 Meses|9 Meses|Anual)(?:<([PR])>)?$")
_EDITION = re.compile(r"pibt_cte(\d{4})_t([1-4])", re.IGNORECASE)
FLAGS = {"P": "preliminary", "R": "revised"}
TOP = {
    "b.1bp": None,  # producto interno bruto: the total
    "d.21-d.31": "taxes",
    "b.1bv": "gva",
    "actividades primarias": "primary",
    "actividades secundarias": "secondary",
    "actividades terciarias": "tertiary",
}


def detect(path: Path) -> bool:
    if not path.name.lower().endswith(".csv"):
        return False
    head = peek(path, 256).decode("utf-8", "replace").lstrip("\ufeff")
    return head.startswith("Descriptores,") and bool(re.match(r"Descriptores,\d{4}\|T1", head))


def _sector(path: Path, line: int, descriptor: str) -> str | None:
    last = re.sub(r"<[^>]*>", "", descriptor.split("|")[-1]).strip()
    code = last.split("---", 1)[0].strip() if "---" in last else last
    key = fold(code)
    if key in TOP:
        return TOP[key]
    if re.fullmatch(r"\d{2,4}(-\d{2,4})?", code):
        return code
    raise InputError(
        path,
        f"line {line}, column Descriptores",
        f"{descriptor!r}: {code!r} is neither a known aggregate nor a SCIAN code",
        expected="'B.1bP---Producto interno bruto', an 'Actividades ...' group or "
        "'<code>---<name>' with a SCIAN code like 21, 31-33 or 3361",
    )


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    edition = _EDITION.search(path.name)
    if edition is None or int(edition.group(1)) > 2022:
        raise InputError(
            path,
            "file name",
            "cannot tell the base year: the cells do not state it and the name is not INEGI's "
            "conjunto_de_datos_pibt_pibt_cteYYYY_tN.csv of a 2013-base edition",
            hint="rename it as INEGI published it (e.g. conjunto_de_datos_pibt_pibt_cte2022_t2.csv);"
            " 2018-base GDP is read from the tabulado .xlsx (--format inegi-tabulado)",
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    reader = csv.reader(io.StringIO(text))
    head = next(reader, [])
    columns: dict[int, tuple[dt.date, str, str | None]] = {}
    skipped = 0
    for i, h in enumerate(head[1:], start=1):
        m = _COLUMN.match(h.strip())
        if not m:
            raise InputError(
                path,
                f"line 1 (header), column {i + 1}",
                f"{h!r} is not a period",
                expected="YYYY|T1..T4, YYYY|6 Meses, YYYY|9 Meses or YYYY|Anual "
                "(optionally with <P> or <R>)",
            )
        year, part, flag = int(m.group(1)), m.group(2), m.group(3)
        if part in ("6 Meses", "9 Meses"):
            skipped += 1
            continue
        if part == "Anual":
            columns[i] = (dt.date(year, 1, 1), "A", FLAGS.get(flag or ""))
        else:
            columns[i] = (dt.date(year, (int(part[1]) - 1) * 3 + 1, 1), "Q", FLAGS.get(flag or ""))
    if not head or head[0].strip().lstrip("\ufeff") != "Descriptores" or not columns:
        raise InputError(
            path,
            "line 1 (header)",
            f"starts {head[:3]}",
            expected="Descriptores, 1993|T1, 1993|T2, ...",
        )
    cols: dict[str, list[object]] = {k: [] for k in ("detail", "period", "freq", "value", "status")}
    series: set[str] = set()
    for line, row in enumerate(reader, start=2):
        if not row or not row[0].strip():
            continue
        if len(row) != len(head):
            raise InputError(
                path,
                f"line {line}",
                f"{len(row)} fields, the header has {len(head)}",
                hint="the file is truncated or edited: download it again",
            )
        sector = _sector(path, line, row[0])
        detail = "adj=nsa" + (f";sector={sector}" if sector else "")
        if detail in series:
            raise InputError(
                path,
                f"line {line}",
                f"{row[0]!r} repeats an earlier row's code",
                hint="the file was edited or concatenated: download it again",
            )
        series.add(detail)
        for i, (period, freq, status) in columns.items():
            v = row[i].strip()
            if v == "":
                continue
            try:
                value = float(v) * 1e6
            except ValueError:
                raise InputError(
                    path,
                    f"line {line}, column {head[i]!r}",
                    f"{v!r} is not a number",
                    expected="millions of pesos like 10008894.663",
                ) from None
            for k, x in (
                ("detail", detail),
                ("period", period),
                ("freq", freq),
                ("value", value),
                ("status", status),
            ):
                cols[k].append(x)
    if not cols["period"]:
        raise InputError(path, "", "no data rows", expected="one row per aggregate")
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": DATASET,
            "reporter": "MEX",
            "measure": "gdp_real",
            "unit": UNIT,
            **cols,
        },
    )
    quarters = [p for p, f in zip(cols["period"], cols["freq"], strict=True) if f == "Q"]
    last = max(p for p in quarters if isinstance(p, dt.date))
    return StageInfo(
        format=FORMAT,
        vintage=month_end_plus(last.year, last.month + 2, LAG_DAYS),
        vintage_from=f"estimated: newest quarter {last.year}-Q{(last.month - 1) // 3 + 1} end + "
        f"{LAG_DAYS} days (the file carries no release date)",
        notes=[
            f"{len(series)} series, {len(cols['period']):,} values; {skipped} '6 Meses'/"
            "'9 Meses' columns skipped (cumulative spans, no frequency)"
        ],
    )
