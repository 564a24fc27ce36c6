"""Census/BEA FT-900 exhibits (U.S. International Trade in Goods and Services), ``exhN.xlsx``.

Read: exhibit 1 (goods and services, seasonally adjusted: balance, exports, imports; total,
goods on a BOP basis, services) and exhibit 12 (goods, not seasonally adjusted: BOP basis,
net adjustments, Census basis) as published at ``census.gov/foreign-trade/Press-Release/``.
Quirks:

- one sheet; title rows (``Part A: Seasonally Adjusted ...`` / ``Part B: NOT Seasonally
  Adjusted``, ``Exhibit N. ...``, ``In millions of dollars ...``), a group header row
  (``Period, Balance, , , Exports, ...``) and a column header row (``Total``, ``Goods (1)``,
  ``Services`` / ``Total Balance of Payments Basis``, ``Net Adjustments``, ``Total Census
  Basis``). Both header rows are read and every column must be known, so a moved or new
  column fails the load naming the row and column;
- a year row (``2024``) then ``Jan. - Dec.`` (annual total), ``Jan. - ...`` (year to date) and
  the month rows: only months are stored (the totals are sums of them); months not yet
  released are empty and skipped; ``(R)`` marks a revised month (status ``revised``);
- the ``December data as published last month`` row is an earlier release of one month: not
  stored (a note says so); the footnotes after it end the table;
- identity: dataset ``ft900_exh<N>``, reporter ``USA``, partner ``WORLD``, flows ``balance`` /
  ``export`` / ``import``, measure ``value`` (``bop_adjustment`` for net adjustments), unit USD
  (millions x1e6), detail ``adj=sa|nsa;basis=bop|census;scope=goods|services|goods_services``;
- vintage: the manifest's ``release_date`` when one is found; else estimated as for
  ``country.xlsx`` (newest month's end + 37 days).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import duckdb

from norte import provenance
from norte.errors import InputError
from norte.sources.common import estimated_census_release, stage_columns
from norte.sources.series import detail
from norte.store.db import StageContext, StageInfo

SOURCE = "census"
FORMAT = "census-ft900"
DESCRIPTION = "Census FT-900 exhibits 1 and 12 (exhN.xlsx: U.S. trade totals, SA / NSA)"
MONTHS = (
    "january february march april may june july august september october november december"
).split()
GROUPS = {"balance": "balance", "exports": "export", "imports": "import"}
#: column header -> (measure, basis, scope); ``Goods (1)`` is BOP basis (footnote 1).
COLUMNS: dict[str, tuple[str, str | None, str]] = {
    "total": ("value", "bop", "goods_services"),
    "goods (1)": ("value", "bop", "goods"),
    "services": ("value", "bop", "services"),
    "total balance of payments basis": ("value", "bop", "goods"),
    "total census basis": ("value", "census", "goods"),
    "net adjustments": ("bop_adjustment", None, "goods"),
}
_EXHIBIT = re.compile(r"^Exhibit (\d+)\.\s")


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _rows(path: Path, nrows: int | None = None) -> list[list[Any]] | None:
    if path.suffix.lower() != ".xlsx":
        return None
    try:
        import python_calamine as calamine

        wb = calamine.CalamineWorkbook.from_path(str(path))
        sheet = wb.get_sheet_by_index(0)
        return list(sheet.to_python(nrows=nrows) if nrows else sheet.to_python())
    except Exception:
        return None


def detect(path: Path) -> bool:
    rows = _rows(path, nrows=8)
    return rows is not None and any(_EXHIBIT.match(_text(r[0])) for r in rows[:8] if r)


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    rows = _rows(path)
    if rows is None:
        raise InputError(
            path, "", "not a readable Excel workbook", hint="download the exhibit again"
        )
    titles = [(_text(r[0]) if r else "") for r in rows[:8]]
    exhibit = next((m.group(1) for t in titles if (m := _EXHIBIT.match(t))), None)
    part = next((t for t in titles if t.lower().startswith("part ")), "")
    if exhibit is None:
        raise InputError(path, "rows 1-8", "no 'Exhibit N.' title", expected="an FT-900 exhibit")
    adj = "nsa" if "not seasonally adjusted" in part.lower() else None
    if adj is None and "seasonally adjusted" in part.lower():
        adj = "sa"
    if adj is None:
        raise InputError(
            path,
            "title rows",
            f"cannot tell the seasonal adjustment ({part!r})",
            expected="a 'Part A: Seasonally Adjusted' or 'Part B: NOT Seasonally Adjusted' row",
        )
    if not any("in millions of dollars" in t.lower() for t in titles):
        raise InputError(
            path, "title rows", "no 'In millions of dollars' line", expected="US$ millions"
        )
    hdr = next((i for i, r in enumerate(rows[:12]) if r and _text(r[0]) == "Period"), None)
    if hdr is None or hdr + 1 >= len(rows):
        raise InputError(
            path, "rows 1-12", "no 'Period' header row", expected="Period, Balance, ..."
        )
    specs = _columns(path, rows[hdr], rows[hdr + 1], hdr)
    out: dict[str, list[Any]] = {k: [] for k in ("flow", "measure", "detail", "period", "value")}
    out["status"] = []
    year: int | None = None
    notes: list[str] = []
    for r, row in enumerate(rows[hdr + 2 :], start=hdr + 3):
        label = _text(row[0]) if row else ""
        cells = [_text(c) for c in row[1 : 1 + len(specs)]] if row else []
        if label.lower().startswith("december data as published last month"):
            notes.append(f"row {r}: December as published a month earlier: not stored")
            break
        if re.fullmatch(r"\d{4}", label) and not any(cells):
            year = int(label)
            continue
        name = label.replace("(R)", "").strip().lower()
        if name not in MONTHS:
            continue  # annual total, year to date, blank and footnote rows
        if year is None:
            raise InputError(path, f"row {r}", f"month {label!r} before any year row")
        if not any(cells):
            continue  # not released yet
        period = dt.date(year, MONTHS.index(name) + 1, 1)
        for c, (flow, measure, basis, scope) in enumerate(specs):
            raw = cells[c] if c < len(cells) else ""
            try:
                value = float(raw) * 1_000_000
            except ValueError:
                raise InputError(
                    path,
                    f"row {r}, column {c + 2} ({flow}, {scope})",
                    f"{raw!r} is not a number",
                    expected="US$ millions",
                ) from None
            out["flow"].append(flow)
            out["measure"].append(measure)
            out["detail"].append(detail({"adj": adj, "basis": basis, "scope": scope}))
            out["period"].append(period)
            out["value"].append(round(value, 6))
            out["status"].append("revised" if "(R)" in label else None)
    if not out["period"]:
        raise InputError(path, f"rows after {hdr + 2}", "no month rows with values")
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": f"ft900_exh{exhibit}",
            "reporter": "USA",
            "partner": "WORLD",
            "unit": "USD",
            "freq": "M",
            **out,
        },
    )
    last = max(out["period"])
    est = estimated_census_release(last.year, last.month)
    how = f"estimated: newest month {last:%Y-%m} + FT-900 lag"
    vintage, vintage_from, pnotes = provenance.vintage(
        provenance.lookup(path, ctx.options), est, how
    )
    months = len(set(out["period"]))
    notes.insert(0, f"FT-900 exhibit {exhibit} ({part}): {months} months, {len(specs)} columns")
    notes.append("annual totals and year-to-date rows not stored (sums of the months)")
    return StageInfo(
        format=FORMAT, vintage=vintage, vintage_from=vintage_from, notes=pnotes + notes
    )


def _columns(
    path: Path, groups: list[Any], heads: list[Any], hdr: int
) -> list[tuple[str, str, str | None, str]]:
    specs: list[tuple[str, str, str | None, str]] = []
    group = ""
    for c in range(1, max(len(groups), len(heads))):
        g = _text(groups[c]) if c < len(groups) else ""
        h = _text(heads[c]) if c < len(heads) else ""
        if g:
            group = g.lower()
        if not h and not g:
            continue
        flow = GROUPS.get(group)
        spec = COLUMNS.get(h.lower())
        if flow is None or spec is None:
            raise InputError(
                path,
                f"rows {hdr + 1}-{hdr + 2}, column {c + 1}",
                f"unknown column {g or group!r} / {h!r}",
                expected="groups Balance, Exports, Imports with columns "
                + ", ".join(repr(k) for k in COLUMNS),
                hint="the exhibit's layout changed: check the file, then norte's FT-900 reader",
            )
        measure, basis, scope = spec
        specs.append((flow, measure, basis, scope))
    return specs
