"""A StatCan series reduced by a third party to ``date,geography,indicator,value``.

Example: ``gdp-36100104-real-gdp-canada-quarterly-derived.csv`` (table 36-10-0104-01, GDP at
market prices, chained 2017 dollars, SAAR, millions of C$, vector v62305752). The agency's
metadata columns are gone, so every load needs a provenance manifest
(:mod:`norte.provenance`) naming the agency, the table id, the URL, measure, unit, scale,
frequency and seasonal adjustment (and the vector when known); without one the load is refused
with a ready-to-fill manifest. Quirks:

- ``date`` is the first month of the period (``1961-01`` = 1961-Q1 for a quarterly series);
- ``geography`` ``Canada`` = the whole country (geo NULL); a province = ``iso3166_2``; else the load
  fails (the manifest describes one series, not a table);
- ``indicator`` is one text repeated on every row: checked against the manifest's
  ``indicator`` when given, and a file with two indicators is refused (two series in one file);
- dataset ``statcan_<8-digit table id>`` (the same as the full table's), reporter ``CAN``,
  ``detail`` ``adj=...;vector=v...``, values times the manifest's ``scale`` (base units);
- vintage: the manifest's ``release_date``; else the newest period's end + 60 days, estimated.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import duckdb

from norte import provenance
from norte.errors import InputError
from norte.sources.common import peek, read_bytes_maybe_gzip, stage_columns
from norte.sources.series import (
    as_decimal,
    check_period,
    detail,
    estimated_release,
    parse_period,
    scaled,
)
from norte.sources.statcan_codes import codes
from norte.store.db import StageContext, StageInfo

SOURCE = "statcan"
FORMAT = "statcan-derived"
DESCRIPTION = "StatCan series reduced to date,geography,indicator,value (needs a manifest)"
HEADER = ["date", "geography", "indicator", "value"]
REQUIRED = ["agency", "id", "url", "measure", "unit", "scale", "freq", "adj"]
LAG_DAYS = 60


def detect(path: Path) -> bool:
    if not path.name.lower().endswith((".csv", ".csv.gz")):
        return False
    line = peek(path, 512).decode("utf-8-sig", "replace").split("\n", 1)[0]
    return [c.strip().lower() for c in line.split(",")] == HEADER


def _prefill(path: Path) -> dict[str, str]:
    pre = {"agency": '"Statistics Canada"'}
    m = re.search(r"(?<!\d)(\d{8})(?!\d)", path.name)
    if m:
        t = m.group(1)
        pre["id"] = f'"{t[:2]}-{t[2:4]}-{t[4:]}-01"'
        pre["url"] = f'"https://www150.statcan.gc.ca/t1/tbl1/en/tv.action?pid={t}01"'
    return pre


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    manifest = provenance.lookup(path, ctx.options, REQUIRED)
    if manifest is None:
        raise provenance.refuse(
            path,
            "a derived copy (date,geography,indicator,value) without StatCan's metadata",
            [*REQUIRED, "vector", "derived"],
            _prefill(path),
        )
    text = read_bytes_maybe_gzip(path).decode("utf-8-sig", "replace")
    reader = csv.reader(io.StringIO(text))
    header = [c.strip().lower() for c in next(reader, [])]
    if header != HEADER:
        raise InputError(path, "line 1 (header)", f"{header}", expected=",".join(HEADER))
    freq, scale = str(manifest.get("freq")), as_decimal(manifest.get("scale"))
    provinces = codes("iso3166_2")
    want = manifest.text("indicator")
    indicators: dict[str, int] = {}
    rows: list[tuple[Any, ...]] = []
    seen: dict[tuple[str | None, Any], int] = {}
    for n, cells in enumerate(reader, start=2):
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != 4:
            raise InputError(path, f"line {n}", f"{len(cells)} fields", expected="4 fields")
        date, geo, ind, raw = (c.strip() for c in cells)
        d = parse_period(date, path, f"line {n}, column date")
        check_period(d, freq, path, f"line {n}, column date")
        if want is not None and ind != want:
            raise InputError(
                path,
                f"line {n}, column indicator",
                f"{ind!r}, the manifest describes {want!r}",
                hint="the manifest belongs to another series: check it",
            )
        indicators.setdefault(ind, n)
        if geo == "Canada":
            gs, gc = None, None
        elif geo in provinces:
            gs, gc = "iso3166_2", provinces[geo]
        else:
            raise InputError(
                path,
                f"line {n}, column geography",
                f"unknown geography {geo!r}",
                expected="Canada or a province or territory",
            )
        if (gc, d) in seen:
            raise InputError(path, f"lines {seen[(gc, d)]} and {n}", f"{geo} {date} appears twice")
        seen[(gc, d)] = n
        value = (
            None if raw in ("", ".", "..") else scaled(raw, scale, path, f"line {n}, column value")
        )
        rows.append((gs, gc, d, value, None if value is not None else "missing"))
    if len(indicators) > 1:
        a, b = list(indicators.items())[:2]
        raise InputError(
            path,
            f"lines {a[1]} and {b[1]}, column indicator",
            f"two indicators ({a[0]!r}, {b[0]!r}): the manifest describes one series",
            hint="split the file by indicator, one manifest each",
        )
    if not rows:
        raise InputError(path, "line 2", "no data rows")
    digits = re.sub(r"\D", "", str(manifest.text("id") or ""))
    dataset = manifest.text("dataset") or f"statcan_{digits[:8]}"
    adj = str(manifest.get("adj"))
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": dataset,
            "reporter": manifest.text("reporter") or "CAN",
            "geo_scheme": [r[0] for r in rows],
            "geo_code": [r[1] for r in rows],
            "detail": detail({"adj": adj, "vector": manifest.text("vector")}),
            "measure": str(manifest.get("measure")),
            "unit": str(manifest.get("unit")),
            "period": [r[2] for r in rows],
            "freq": freq,
            "value": [r[3] for r in rows],
            "status": [r[4] for r in rows],
        },
    )
    last = max(r[2] for r in rows)
    est, how = estimated_release(last, freq, LAG_DAYS)
    vintage, vintage_from, notes = provenance.vintage(manifest, est, how)
    notes.insert(0, f"{dataset}: {len(rows):,} observations, indicator {next(iter(indicators))!r}")
    return StageInfo(format=FORMAT, vintage=vintage, vintage_from=vintage_from, notes=notes)
