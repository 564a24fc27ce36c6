"""BTS Socrata rows (data.bts.gov SoQL JSON), as ``norte fetch socrata`` saves them.

The file is ``{"norte_format": "socrata-bts", "norte_request": {"dataset": "keg4-3bc2",
"rowsUpdatedAt": 1740787200, ...}, "rows": [{"port_name": "Jackman", "state": "Maine",
"port_code": "0104", "border": "US-Canada Border", "date": "2024-01-01T00:00:00.000",
"measure": "Trucks", "value": "6556", "latitude": "45.806", "longitude": "-70.397",
"point": {"type": "Point", "coordinates": [-70.396722, 45.805661]}}, ...]}`` (every value a
string, as Socrata sends them).

Datasets read: ``keg4-3bc2`` (Border Crossing Entry Data). Its rows are exactly the rows of the
CSV BTS publishes, under API field names: they are written back in that CSV's layout and read
by :mod:`norte.sources.bts_crossings` (same checks, same observations as a CSV download: port
codes, borders, measures, repeated rows). Vintage: the dataset's ``rowsUpdatedAt``. TransBorder
datasets on Socrata are not read yet (their field layout is not confirmed here): load the
monthly TransBorder zips instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from norte.errors import InputError
from norte.sources import bts_crossings
from norte.sources.common import peek, read_bytes_maybe_gzip
from norte.store.db import StageContext, StageInfo

SOURCE = bts_crossings.SOURCE
FORMAT = "socrata-bts"
DESCRIPTION = "BTS Socrata SoQL rows (border crossings keg4-3bc2), as saved by norte fetch"
CROSSINGS = "keg4-3bc2"
DATASETS = {CROSSINGS: "Border Crossing Entry Data"}
#: API field -> the CSV column of the published file
CROSSINGS_FIELDS = {
    "port_name": "Port Name",
    "state": "State",
    "port_code": "Port Code",
    "border": "Border",
    "date": "Date",
    "measure": "Measure",
    "value": "Value",
}
DATASETS_FIELDS = {CROSSINGS: tuple(CROSSINGS_FIELDS)}


def detect(path: Path) -> bool:
    if not path.name.lower().endswith((".json", ".json.gz")):
        return False
    return f'"norte_format": "{FORMAT}"'.encode() in peek(path, 96)


def _point(p: Any) -> str:
    if (
        isinstance(p, dict)
        and isinstance(p.get("coordinates"), list)
        and len(p["coordinates"]) == 2
    ):
        lon, lat = p["coordinates"]
        return f"POINT ({lon} {lat})"
    return ""


def _month(text: str, path: Path, place: str) -> str:
    try:
        return dt.datetime.fromisoformat(text).strftime("%b %Y")
    except ValueError:
        raise InputError(
            path, place, f"{text!r} is not a date", expected="2024-01-01T00:00:00.000"
        ) from None


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    try:
        body = json.loads(read_bytes_maybe_gzip(path))
    except (ValueError, OSError, EOFError) as e:
        raise InputError(path, "", f"not JSON ({e})", hint="fetch it again") from None
    request = body.get("norte_request") if isinstance(body, dict) else None
    rows = body.get("rows") if isinstance(body, dict) else None
    if not isinstance(request, dict) or not isinstance(rows, list):
        raise InputError(path, "top level", "no norte_request and rows", hint="fetch it again")
    dataset = request.get("dataset")
    if dataset not in DATASETS:
        raise InputError(
            path,
            "norte_request.dataset",
            f"dataset {dataset!r} is not one norte reads",
            expected=", ".join(DATASETS),
        )
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(bts_crossings.COLUMNS)
    for n, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputError(path, f"rows[{n}]", "not an object")
        missing = [f for f in CROSSINGS_FIELDS if f not in row]
        if missing:
            raise InputError(
                path,
                f"rows[{n}]",
                f"field {missing[0]!r} is missing",
                expected=", ".join(CROSSINGS_FIELDS),
                hint="the dataset changed its columns: update norte (report it)",
            )
        cells = [str(row[f]) for f in CROSSINGS_FIELDS]
        cells[4] = _month(cells[4], path, f"rows[{n}].date")
        w.writerow(
            [*cells, row.get("latitude", ""), row.get("longitude", ""), _point(row.get("point"))]
        )
    with tempfile.TemporaryDirectory(prefix="norte-socrata-") as tmp:
        csv_path = Path(tmp) / "border_crossing_entry_data.csv"
        csv_path.write_text(out.getvalue(), encoding="utf-8")
        try:
            info = bts_crossings.stage(con, csv_path, ctx)
        except InputError as e:
            place = e.place
            if place.startswith("line "):
                head, _, rest = place.partition(",")
                num = head.removeprefix("line ").strip()
                if num.isdigit():
                    place = f"rows[{int(num) - 2}]" + ("," + rest if rest else "")
            raise InputError(path, place, e.problem, e.expected, e.hint) from None
    updated = dt.datetime.fromtimestamp(int(request.get("rowsUpdatedAt") or 0), dt.UTC)
    if request.get("rowsUpdatedAt"):
        info.vintage = updated.date()
        info.vintage_from = f"Socrata rowsUpdatedAt {updated:%Y-%m-%d %H:%M} UTC"
    info.format = FORMAT
    info.notes.insert(0, f"Socrata {dataset} ({DATASETS[dataset]}): {len(rows):,} rows")
    return info
