"""World Bank Indicators API v2 JSON, as ``norte fetch worldbank`` saves it (``worldbank-api``).

The file is the API's body, pages joined: ``[{"page":1,"pages":1,"total":T,
"lastupdated":"2026-07-13"}, [{"indicator":{"id":"SP.POP.TOTL","value":"Population, total"},
"country":{"id":"US","value":"United States"},"countryiso3code":"USA","date":"2023",
"value":336755052,"unit":"","obs_status":"","decimal":0}, ...]]``.

Quirks: ``value`` is a JSON number or null (no data: stored NULL, status ``missing``);
``date`` is ``YYYY`` (also ``YYYYQn``, ``YYYYMmm`` for the few sub-annual indicators);
aggregates (regions) have an empty ``countryiso3code`` and are skipped with a note. Dataset
``wb_<indicator>``; reporter = the country; the indicators norte knows (GDP in current and
constant US$, FDI net inflows, population) get their measure and unit, others measure ``value``
and the unit named in the indicator's label (``(current US$)`` -> ``current_us``). Vintage:
``lastupdated``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import duckdb

from norte.errors import InputError
from norte.sources.api_body import needer, read_json
from norte.sources.common import peek, stage_columns
from norte.store.db import StageContext, StageInfo

SOURCE = "worldbank"
FORMAT = "worldbank-api"
DESCRIPTION = "World Bank Indicators API v2 JSON ([metadata, rows]), as saved by norte fetch"
#: indicator -> (measure, unit)
KNOWN = {
    "NY.GDP.MKTP.CD": ("gdp_nominal", "USD"),
    "NY.GDP.MKTP.KD": ("gdp_real", "USD_constant_2015"),
    "BX.KLT.DINV.CD.WD": ("fdi_net_inflows", "USD"),
    "SP.POP.TOTL": ("population", "persons"),
}
_Q = re.compile(r"^(\d{4})Q([1-4])$")
_M = re.compile(r"^(\d{4})M(\d\d)$")
_Y = re.compile(r"^(\d{4})$")


def detect(path: Path) -> bool:
    if not path.name.lower().endswith((".json", ".json.gz")):
        return False
    head = peek(path, 4096).lstrip()
    return head.startswith(b"[") and b'"lastupdated"' in head and b'"countryiso3code"' in head


def period_of(text: str, path: Path, place: str) -> tuple[dt.date, str]:
    for rx, freq in ((_Y, "A"), (_Q, "Q"), (_M, "M")):
        m = rx.match(text)
        if m:
            year = int(m.group(1))
            if freq == "A":
                return dt.date(year, 1, 1), "A"
            month = (int(m.group(2)) - 1) * 3 + 1 if freq == "Q" else int(m.group(2))
            if 1 <= month <= 12:
                return dt.date(year, month, 1), freq
    raise InputError(path, place, f"{text!r} is not a period", expected="YYYY, YYYYQn or YYYYMmm")


_need = needer("a World Bank API v2 row", "fetch it again with norte fetch worldbank")


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    body = read_json(path)
    if not isinstance(body, list) or len(body) != 2 or not isinstance(body[1], list):
        raise InputError(path, "top level", "not [metadata, rows]", expected="API v2 JSON")
    updated = str(_need(body[0], "lastupdated", path, "body[0]"))
    cols: dict[str, list[Any]] = {
        k: [] for k in ("dataset", "reporter", "measure", "unit", "period", "freq", "value")
    }
    statuses: list[str | None] = []
    skipped = 0
    seen: set[tuple[str, str, dt.date]] = set()
    for n, row in enumerate(body[1]):
        place = f"rows[{n}]"
        ind = str(_need(_need(row, "indicator", path, place), "id", path, f"{place}.indicator"))
        iso = str(_need(row, "countryiso3code", path, place) or "")
        if not iso:
            skipped += 1
            continue
        d, freq = period_of(str(_need(row, "date", path, place)), path, f"{place}.date")
        if (ind, iso, d) in seen:
            raise InputError(path, place, f"{ind} {iso} {d} appears twice", hint="fetch again")
        seen.add((ind, iso, d))
        raw = _need(row, "value", path, place)
        if raw is not None and not isinstance(raw, int | float):
            raise InputError(path, f"{place}.value", f"{raw!r} is not a number or null")
        label = str(row["indicator"].get("value", ""))
        measure, unit = KNOWN.get(ind) or ("value", _unit_from_label(label))
        cols["dataset"].append(f"wb_{ind}")
        cols["reporter"].append(iso)
        cols["measure"].append(measure)
        cols["unit"].append(unit)
        cols["period"].append(d)
        cols["freq"].append(freq)
        cols["value"].append(None if raw is None else float(raw))
        status = str(row.get("obs_status") or "") or None
        statuses.append("missing" if raw is None else status)
    if not cols["period"]:
        raise InputError(path, "rows", "no country rows", hint="check the indicator id")
    stage_columns(con, {"source": SOURCE, **cols, "status": statuses})
    notes = [
        f"World Bank {', '.join(sorted(set(cols['dataset'])))}: {len(cols['period']):,} rows, "
        f"{', '.join(sorted(set(cols['reporter'])))}, "
        f"{min(cols['period']):%Y}..{max(cols['period']):%Y}"
    ]
    if skipped:
        notes.append(f"{skipped:,} aggregate rows (no ISO3 code) skipped")
    return StageInfo(
        format=FORMAT,
        vintage=dt.date.fromisoformat(updated[:10]),
        vintage_from=f"World Bank lastupdated {updated}",
        notes=notes,
    )


def _unit_from_label(label: str) -> str:
    m = re.search(r"\(([^()]*)\)\s*$", label)
    return re.sub(r"[^a-z0-9]+", "_", (m.group(1) if m else "value").lower()).strip("_")
