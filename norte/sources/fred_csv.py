"""FRED series CSV (Federal Reserve Bank of St. Louis): one series per file.

Layouts read:

- FRED's own download, header ``observation_date,<SERIES_ID>`` (older downloads: ``DATE,<ID>``):
  the series id comes from the header;
- a plain ``date,value`` copy (e.g. saved from the FRED API by a script): no series id, units or
  frequency in the file, so it needs a provenance manifest (:mod:`norte.provenance`) naming at
  least the agency, the series id, the URL, the unit and the scale. Without one the load is
  refused and the message holds a ready-to-fill manifest.

Quirks:

- ``.`` (and an empty cell) is FRED's "no value for this date": stored as NULL with status
  ``missing``, not an error; anything else that is not a number fails the load with the line;
- dates are the first day of the period (``2026-04-01`` = 2026-Q2 for a quarterly series);
- series metadata (what the number is, unit, scale, seasonal adjustment, frequency) is part of
  the series identity: ``measure``, ``unit`` (base units, scale applied: billions x1e9),
  ``detail`` ``adj=...`` plus e.g. ``sector=manufacturing``. It comes from the manifest or, for
  the series norte knows (``norte/data/codes/fred_series.csv``: GDPC1, A939RX0Q048SBEA, PAYEMS,
  MANEMP, CES3133600101, CES4348400001, BOPGSTB), from that table, so a FRED download of one of
  them needs no manifest. A manifest that contradicts the table is refused;
- dataset ``fred_<SERIES_ID>``; source ``fred`` (the agency behind it is in the table/manifest
  and the load's notes);
- vintage: the manifest's ``release_date`` when given; else estimated as the newest period's
  end + the agency's usual lag (GDP 30 days, payroll jobs 7, trade balance 35; 30 otherwise).
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from norte import provenance
from norte.errors import InputError
from norte.sources.common import peek, read_bytes_maybe_gzip, stage_columns
from norte.sources.series import (
    as_decimal,
    check_period,
    estimated_release,
    merge_detail,
    parse_period,
    scaled,
)
from norte.store.db import StageContext, StageInfo

SOURCE = "fred"
FORMAT = "fred-csv"
DESCRIPTION = "FRED series CSV (observation_date,<ID> download, or date,value copy + manifest)"
SERIES_ID = re.compile(r"^[A-Z0-9][A-Z0-9_.]{1,40}$")
META = ("measure", "unit", "scale", "adj", "freq")
DEFAULT_LAG = 30


@cache
def known_series() -> dict[str, dict[str, str]]:
    """FRED series id -> its row of ``norte/data/codes/fred_series.csv``."""
    path = resources.files("norte") / "data" / "codes" / "fred_series.csv"
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return {r["code"]: r for r in rows if r["scheme"] == "fred_series"}


def _header(path: Path) -> list[str] | None:
    head = peek(path, 512).decode("utf-8-sig", "replace").splitlines()
    if not head:
        return None
    return [c.strip().strip('"') for c in head[0].split(",")]


def _layout(header: list[str] | None) -> str | None:
    """``download`` (id in the header), ``copy`` (``date,value``) or None."""
    if header is None or len(header) != 2:
        return None
    first, second = header[0].lower(), header[1]
    if first == "date" and second.lower() == "value":
        return "copy"
    if first in ("observation_date", "date") and SERIES_ID.match(second):
        return "download"
    return None


def detect(path: Path) -> bool:
    name = path.name.lower()
    if not (name.endswith(".csv") or name.endswith(".csv.gz")):
        return False
    return _layout(_header(path)) is not None


def _prefill(series: str | None) -> dict[str, str]:
    row = known_series().get(series or "")
    pre = {"id": f'"{series}"'} if series else {}
    if row:
        pre |= {
            "agency": f'"{row["agency"]}"',
            "url": f'"https://fred.stlouisfed.org/series/{series}"',
            "measure": f'"{row["measure"]}"',
            "unit": f'"{row["unit"]}"',
            "scale": row["scale"],
            "freq": f'"{row["freq"]}"',
            "adj": f'"{row["adj"]}"',
        }
    return pre


def _meta(
    path: Path, series: str, manifest: provenance.Manifest | None
) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The series' measure, unit, scale, adj and freq (manifest over table; conflicts fail)."""
    row = known_series().get(series)
    meta: dict[str, Any] = {}
    for key in META:
        from_table = row.get(key) if row else None
        from_manifest = manifest.get(key) if manifest else None
        if from_table not in (None, "") and from_manifest is not None:
            same = (
                float(from_table) == float(from_manifest)
                if key == "scale"
                else str(from_table) == str(from_manifest)
            )
            if not same:
                assert manifest is not None
                raise InputError(
                    manifest.path,
                    f"key {key!r}",
                    f"{from_manifest!r} contradicts norte's table of FRED series ({series}: "
                    f"{key} {from_table!r}, norte/data/codes/fred_series.csv)",
                    hint="fix the manifest (or the table, if FRED changed the series)",
                )
        value = from_manifest if from_manifest is not None else from_table
        if value in (None, ""):
            where = manifest.path if manifest else path
            raise InputError(
                where,
                f"key {key!r}",
                f"missing: FRED series {series} is not in norte's table of known series",
                expected=provenance.KEYS[key][1],
                hint="add the key to the manifest",
            )
        meta[key] = value
    return meta, row


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    text = read_bytes_maybe_gzip(path).decode("utf-8-sig", "replace")
    lines = list(csv.reader(io.StringIO(text)))
    header = [c.strip() for c in lines[0]] if lines else None
    layout = _layout(header)
    if layout is None or header is None:
        raise InputError(
            path,
            "line 1 (header)",
            f"not a FRED series header ({','.join(header or [])!r})",
            expected="observation_date,<SERIES_ID> or date,value",
        )
    series_in_file = header[1] if layout == "download" else None
    guess = series_in_file or (path.name.split(".")[0] if SERIES_ID.match(path.stem) else None)
    known = known_series().get(guess or "") is not None
    base_keys = ["agency", "id", "url", "unit", "scale"]
    required = base_keys if known else [*base_keys, "measure", "freq", "adj"]
    manifest = provenance.lookup(path, ctx.options, required if layout == "copy" else ())
    if manifest is None and layout == "copy":
        raise provenance.refuse(
            path,
            "a date,value copy carries no series id, unit or frequency",
            [*base_keys, "measure", "freq", "adj", "publisher"],
            _prefill(guess) | {"publisher": '"FRED, Federal Reserve Bank of St. Louis"'},
        )
    series = series_in_file or (manifest.text("id") if manifest else None)
    if manifest is not None and series_in_file and manifest.text("id") not in (None, series):
        raise InputError(
            manifest.path,
            "key 'id'",
            f"{manifest.text('id')!r}, but {path.name} holds FRED series {series_in_file}",
            hint="the manifest belongs to another file: fix its id or move it",
        )
    assert series is not None
    meta, row = _meta(path, series, manifest)
    freq = str(meta["freq"])
    scale = as_decimal(meta["scale"])
    periods, values, statuses = _rows(path, lines, freq, scale)
    if not periods:
        raise InputError(path, "line 2", "no observations", expected="one line per date")
    missing = sum(s is not None for s in statuses)
    reporter = (manifest.text("reporter") if manifest else None) or (
        row["reporter"] if row else None
    )
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": f"fred_{series}",
            "flow": (row or {}).get("flow") or None,
            "reporter": reporter or None,
            "partner": (row or {}).get("partner") or None,
            "detail": merge_detail((row or {}).get("detail"), {"adj": str(meta["adj"])}),
            "measure": str(meta["measure"]),
            "unit": str(meta["unit"]),
            "period": periods,
            "freq": freq,
            "value": values,
            "status": statuses,
        },
    )
    lag = int(row["lag_days"]) if row and row.get("lag_days") else DEFAULT_LAG
    est, how = estimated_release(max(periods), freq, lag)
    vintage, vintage_from, notes = provenance.vintage(manifest, est, how)
    notes.insert(
        0,
        f"FRED series {series} ({layout} layout): {len(periods):,} observations "
        f"{min(periods):%Y-%m}..{max(periods):%Y-%m}, {meta['measure']} in {meta['unit']} "
        f"(file x {scale:f}), adj {meta['adj']}",
    )
    if missing:
        notes.append(f"{missing:,} missing values ('.') stored as NULL with status missing")
    return StageInfo(format=FORMAT, vintage=vintage, vintage_from=vintage_from, notes=notes)


def _rows(
    path: Path, lines: list[list[str]], freq: str, scale: Decimal
) -> tuple[list[Any], list[float | None], list[str | None]]:
    periods: list[Any] = []
    values: list[float | None] = []
    statuses: list[str | None] = []
    seen: dict[Any, int] = {}
    for n, cells in enumerate(lines[1:], start=2):
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != 2:
            raise InputError(
                path, f"line {n}", f"{len(cells)} fields", expected="2 fields: date,value"
            )
        d = parse_period(cells[0], path, f"line {n}, column 1 (date)")
        check_period(d, freq, path, f"line {n}, column 1 (date)")
        if d in seen:
            raise InputError(
                path,
                f"lines {seen[d]} and {n}",
                f"the date {d.isoformat()} appears twice",
                hint="the file was edited or concatenated: download it again",
            )
        seen[d] = n
        raw = cells[1].strip()
        periods.append(d)
        if raw in (".", ""):
            values.append(None)
            statuses.append("missing")
        else:
            values.append(scaled(raw, scale, path, f"line {n}, column 2 (value)"))
            statuses.append(None)
    return periods, values, statuses
