"""Statistics Canada tables in the "as displayed" download layout (e.g. 14-10-0287-01, LFS).

What StatCan's "Download as displayed" CSV holds (UTF-8 with BOM, every field quoted):

- metadata lines: the title (with footnote numbers), ``Frequency: Monthly``, ``Table:
  14-10-0287-01 (formerly CANSIM 282-0087)``, ``Release date: 2026-07-10`` (the release the
  numbers are from: **the vintage**), ``Geography: ...``;
- one line per fixed dimension: ``,"Geography 4","Canada",...`` (name with footnote numbers,
  member);
- the header: ``"<row dimension>","<column 2 dimension>","January 1976",...`` (one column per
  period: ``January 1976``, ``Q1 2020`` or ``2020``);
- unit lines ``,,"Persons in thousands"`` that apply to the rows below them, then data rows:
  the row member (empty = the one above), the second member (``Seasonally adjusted  (x
  1,000)``, ``Trend-cycle 9``), the values (``21,139.7``; ``..`` = not available; a trailing
  StatCan symbol such as ``E`` is kept as the status);
- after a blank line: ``Symbol legend:``, the footnotes, ``How to cite``, the table's URL.

Rows go to dataset ``statcan_<8-digit table id>`` (reporter ``CAN``; ``Canada`` = no geo, a
province = ``iso3166_2``), measure = the row member's slug (``employment``,
``unemployment_rate``), ``detail`` = ``adj`` (``sa``/``trend``/``nsa``) plus each fixed
dimension as ``<slug>=<slug of member>``; unit and scale from the unit line (values stored in
base units: persons, not thousands).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from norte.errors import InputError
from norte.sources.common import peek, read_bytes_maybe_gzip, stage_columns
from norte.sources.series import detail, scaled
from norte.sources.statcan_codes import codes, slug
from norte.store.db import StageContext, StageInfo

SOURCE = "statcan"
FORMAT = "statcan-displayed"
DESCRIPTION = (
    "Statistics Canada table in the 'as displayed' download layout (e.g. LFS 14-10-0287-01)"
)
_TABLE = re.compile(r'^"?Table: (\d{2})-(\d{2})-(\d{4})-(\d{2})\b', re.M)
_RELEASE = re.compile(r'^"?Release date: (\d{4}-\d{2}-\d{2})"?\s*$', re.M)
_FOOT = re.compile(r"(\s+\d{1,2})+$")
_VALUE = re.compile(r"^(-?[\d,]*\.?\d+)\s*([A-Za-z]{0,2})$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        1,
    )
}
_SCALES = {"units": 0, "tens": 1, "hundreds": 2, "thousands": 3, "millions": 6, "billions": 9}
_ADJ = {"seasonally adjusted": "sa", "trend-cycle": "trend", "unadjusted": "nsa"}


def detect(path: Path) -> bool:
    if not path.name.lower().endswith((".csv", ".csv.gz")):
        return False
    head = peek(path, 4096).decode("utf-8-sig", "replace")
    return bool(_TABLE.search(head)) and "Release date:" in head


def _bare(text: str) -> str:
    """A label without its footnote numbers and the ``(x 1,000)`` scale note."""
    text = re.sub(r"\(x [\d,]+\)", "", text).strip()
    return _FOOT.sub("", text).strip()


def _period(text: str, path: Path, place: str) -> tuple[dt.date, str]:
    t = text.strip()
    if m := re.fullmatch(r"([A-Za-z]+) (\d{4})", t):
        month = _MONTHS.get(m.group(1).lower())
        if month:
            return dt.date(int(m.group(2)), month, 1), "M"
    if m := re.fullmatch(r"Q([1-4]) (\d{4})", t):
        return dt.date(int(m.group(2)), 3 * int(m.group(1)) - 2, 1), "Q"
    if re.fullmatch(r"\d{4}", t):
        return dt.date(int(t), 1, 1), "A"
    raise InputError(
        path, place, f"period {text!r}", expected="'January 2026', 'Q1 2026' or '2026'"
    )


def _unit(text: str, path: Path, place: str) -> tuple[str, Decimal]:
    """``Persons in thousands`` -> (persons, 1000); ``Percent`` -> (percent, 1)."""
    name, _, scale = text.strip().partition(" in ")
    known = codes("statcan_uom")
    power = _SCALES.get(scale.strip().lower() or "units")
    if name not in known or power is None:
        raise InputError(
            path,
            place,
            f"unit {text!r}",
            expected="a StatCan unit such as 'Persons in thousands' or 'Percent'",
            hint="a new unit needs a statcan_uom row in norte/data/codes/statcan.csv",
        )
    return known[name], Decimal(10) ** power


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    text = read_bytes_maybe_gzip(path).decode("utf-8-sig", "replace")
    table = _TABLE.search(text)
    if table is None:
        raise InputError(path, "metadata lines", "no 'Table: NN-NN-NNNN-NN' line")
    dataset = f"statcan_{''.join(table.groups()[:3])}"
    release = _RELEASE.search(text)
    lines = list(csv.reader(io.StringIO(text)))
    header_at = next(
        (
            i
            for i, r in enumerate(lines)
            if len(r) > 3 and r[0] and r[1] and r[2] and _looks_period(r[2])
        ),
        None,
    )
    if header_at is None:
        raise InputError(
            path, "", "no header line with periods", expected="'...','...','January 1976',..."
        )
    header = lines[header_at]
    periods = [
        _period(c, path, f"line {header_at + 1}, column {k + 1}")
        for k, c in enumerate(header[2:], 2)
        if c.strip()
    ]
    fixed: dict[str, str | None] = {}
    geo: tuple[str | None, str | None] = (None, None)
    for n, r in enumerate(lines[:header_at], 1):
        if len(r) > 2 and not r[0] and r[1] and r[2]:
            name, member = _bare(r[1]), r[2].strip()
            if name.lower() == "geography":
                geo = _geo(member, path, f"line {n}")
            else:
                fixed[slug(name)] = slug(member)
    out: dict[str, list[Any]] = {
        k: [] for k in ("measure", "unit", "detail", "period", "value", "status")
    }
    unit: tuple[str, Decimal] | None = None
    row_member = ""
    for n, r in enumerate(lines[header_at + 1 :], header_at + 2):
        if not r or not any(c.strip() for c in r):
            break  # the blank line before the symbol legend and footnotes
        if not r[0] and not r[1] and len(r) > 2 and r[2].strip():
            unit = _unit(r[2], path, f"line {n}, column 3")
            continue
        if unit is None:
            raise InputError(
                path,
                f"line {n}",
                "a data row before any unit line",
                expected="e.g. ',,\"Persons in thousands\"'",
            )
        row_member = _bare(r[0]) or row_member
        kind = _bare(r[1]).lower()
        adj = _ADJ.get(kind)
        if not row_member or adj is None:
            raise InputError(
                path,
                f"line {n}, column 2",
                f"{r[1]!r}",
                expected="'Seasonally adjusted', 'Trend-cycle' or 'Unadjusted'",
            )
        if len(r) - 2 < len(periods):
            raise InputError(
                path,
                f"line {n}",
                f"{len(r) - 2} values for {len(periods)} periods",
                hint="the file looks cut: download it again",
            )
        key = detail(fixed | {"adj": adj})
        for k, (period, _freq) in enumerate(periods):
            raw = r[2 + k].strip()
            value, status = _value(
                raw, unit[1], path, f"line {n}, column {k + 3} ({header[k + 2]})"
            )
            out["measure"].append(slug(row_member))
            out["unit"].append(unit[0])
            out["detail"].append(key)
            out["period"].append(period)
            out["value"].append(value)
            out["status"].append(status)
    if not out["value"]:
        raise InputError(path, f"line {header_at + 2}", "no data rows below the header")
    freqs = {f for _, f in periods}
    if len(freqs) != 1:
        raise InputError(path, f"line {header_at + 1}", "periods of several frequencies")
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": dataset,
            "reporter": "CAN",
            "geo_scheme": geo[0],
            "geo_code": geo[1],
            "freq": freqs.pop(),
            **out,
        },
    )
    notes = [
        f"{dataset}: {len(out['value']):,} values, {len(set(zip(out['measure'], out['detail'], strict=True)))} series"
    ]
    if release is None:
        raise InputError(
            path,
            "metadata lines",
            "no 'Release date: YYYY-MM-DD' line",
            hint="pass --vintage YYYY-MM-DD (the release date)",
        )
    vintage = dt.date.fromisoformat(release.group(1))
    return StageInfo(
        format=FORMAT, vintage=vintage, vintage_from="the file's release date", notes=notes
    )


def _looks_period(text: str) -> bool:
    t = text.strip()
    return bool(re.fullmatch(r"[A-Za-z]+ \d{4}|Q[1-4] \d{4}|\d{4}", t))


def _geo(member: str, path: Path, place: str) -> tuple[str | None, str | None]:
    if member == "Canada":
        return None, None
    code = codes("iso3166_2").get(member)
    if code is None:
        raise InputError(
            path, place, f"geography {member!r}", expected="Canada or a province or territory"
        )
    return "iso3166_2", code


def _value(raw: str, scale: Decimal, path: Path, place: str) -> tuple[float | None, str | None]:
    legend = codes("statcan_symbol")
    if raw in ("", "..", "...", "x", "F", "."):
        return None, legend.get(raw, "missing") if raw else "missing"
    m = _VALUE.match(raw)
    if m is None:
        raise InputError(path, place, f"{raw!r} is not a number", expected="e.g. 21,139.7 or ..")
    symbol = m.group(2)
    if symbol and symbol not in legend:
        raise InputError(
            path, place, f"unknown StatCan symbol {symbol!r}", expected=" ".join(legend)
        )
    return scaled(m.group(1).replace(",", ""), scale, path, place), legend.get(
        symbol
    ) if symbol else None
