"""FRED / ALFRED API observations, as ``norte fetch fred`` saves them (format ``fred-api``).

The file is FRED's ``series/observations`` JSON body (``{"realtime_start": ..., "count": N,
"observations": [{"date": "1939-01-01", "value": "29923", ...}]}``, pages joined) with three
keys added by the fetch: ``norte_format`` (``"fred-api"``, first: how the file is detected), ``norte_series`` (the ``series`` metadata object: ``id``, ``title``,
``units``, ``frequency_short``, ``seasonal_adjustment_short``, ``last_updated``) and
``norte_request`` (``series_id``, ``realtime``: the ALFRED real-time date asked, or null).

Quirks: values are strings; ``"."`` is FRED's "no value" (stored NULL, status ``missing``).
The series identity (dataset ``fred_<ID>``, measure, unit, scale, ``adj``, detail) is the one
:mod:`norte.sources.fred_csv` gives the same series, so a CSV download and an API fetch of
PAYEMS are the same observations at different vintages. Series norte does not know take
measure ``value`` and the unit and scale FRED states (``Thousands of Persons`` -> unit
``persons`` x 1,000). Vintage: the ALFRED real-time date when asked (the series as known that
day), else the series' ``last_updated`` date.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from norte.errors import InputError
from norte.sources.common import peek, read_bytes_maybe_gzip, stage_columns
from norte.sources.fred_csv import known_series
from norte.sources.series import as_decimal, check_period, merge_detail, parse_period, scaled
from norte.store.db import StageContext, StageInfo

SOURCE = "fred"
FORMAT = "fred-api"
DESCRIPTION = "FRED/ALFRED API observations JSON, as saved by norte fetch fred"
FREQS = {"M": "M", "Q": "Q", "A": "A"}
_SCALES = {"thousands": "1e3", "millions": "1e6", "billions": "1e9", "trillions": "1e12"}


def detect(path: Path) -> bool:
    if not path.name.lower().endswith((".json", ".json.gz")):
        return False
    return f'"norte_format": "{FORMAT}"'.encode() in peek(path, 96)


def _get(obj: Any, key: str, path: Path, place: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise InputError(
            path,
            place,
            f"field {key!r} is missing",
            expected="FRED's observations body as saved by norte fetch fred",
            hint="fetch it again with norte fetch fred",
        )
    return obj[key]


def unit_of(units: str) -> tuple[str, str]:
    """FRED's ``units`` text -> (unit code, scale): ``Thousands of Persons`` -> (persons, 1e3)."""
    words = units.strip().split(" ", 2)
    scale = "1"
    rest = units.strip()
    if len(words) >= 3 and words[0].lower() in _SCALES and words[1].lower() == "of":
        scale, rest = _SCALES[words[0].lower()], words[2]
    code = re.sub(r"[^a-z0-9]+", "_", rest.lower()).strip("_") or "value"
    return code, scale


def _identity(meta: dict[str, Any], path: Path) -> dict[str, Any]:
    sid = str(_get(meta, "id", path, "norte_series"))
    freq_text = str(_get(meta, "frequency_short", path, "norte_series"))
    freq = FREQS.get(freq_text)
    if freq is None:
        raise InputError(
            path,
            "norte_series.frequency_short",
            f"FRED series {sid} is {freq_text!r}; norte stores monthly, quarterly and annual series",
            expected="M, Q or A",
            hint="fetch a monthly aggregate instead (FRED's frequency=m parameter)",
        )
    adj = str(_get(meta, "seasonal_adjustment_short", path, "norte_series")).lower()
    row = known_series().get(sid)
    if row:
        if row["freq"] != freq:
            raise InputError(
                path,
                "norte_series.frequency_short",
                f"{freq} for {sid}, but norte's table of FRED series says {row['freq']}",
                hint="FRED changed the series: update norte/data/codes/fred_series.csv",
            )
        return {
            "sid": sid,
            "freq": freq,
            "measure": row["measure"],
            "unit": row["unit"],
            "scale": row["scale"],
            "detail": merge_detail(row.get("detail"), {"adj": row["adj"]}),
            "reporter": row.get("reporter") or None,
            "partner": row.get("partner") or None,
            "flow": row.get("flow") or None,
        }
    unit, scale = unit_of(str(_get(meta, "units", path, "norte_series")))
    return {
        "sid": sid,
        "freq": freq,
        "measure": "value",
        "unit": unit,
        "scale": scale,
        "detail": merge_detail(None, {"adj": adj}),
        "reporter": None,
        "partner": None,
        "flow": None,
    }


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    try:
        body = json.loads(read_bytes_maybe_gzip(path))
    except (ValueError, OSError, EOFError) as e:
        raise InputError(path, "", f"not JSON ({e})", hint="fetch it again") from None
    meta = _get(body, "norte_series", path, "top level")
    request = body.get("norte_request") or {}
    ident = _identity(meta, path)
    obs = _get(body, "observations", path, "top level")
    scale: Decimal = as_decimal(ident["scale"])
    periods: list[dt.date] = []
    values: list[float | None] = []
    statuses: list[str | None] = []
    seen: set[dt.date] = set()
    for n, o in enumerate(obs):
        place = f"observations[{n}]"
        d = parse_period(str(_get(o, "date", path, place)), path, f"{place}.date")
        check_period(d, ident["freq"], path, f"{place}.date")
        if d in seen:
            raise InputError(path, place, f"the date {d} appears twice", hint="fetch it again")
        seen.add(d)
        raw = str(_get(o, "value", path, place)).strip()
        periods.append(d)
        if raw in (".", ""):
            values.append(None)
            statuses.append("missing")
        else:
            values.append(scaled(raw, scale, path, f"{place}.value"))
            statuses.append(None)
    if not periods:
        raise InputError(path, "observations", "no observations", hint="check the series id")
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": f"fred_{ident['sid']}",
            "flow": ident["flow"],
            "reporter": ident["reporter"],
            "partner": ident["partner"],
            "detail": ident["detail"],
            "measure": ident["measure"],
            "unit": ident["unit"],
            "period": periods,
            "freq": ident["freq"],
            "value": values,
            "status": statuses,
        },
    )
    realtime = request.get("realtime") if isinstance(request, dict) else None
    if realtime:
        vintage = dt.date.fromisoformat(str(realtime))
        how = f"ALFRED real-time date {vintage} (the series as known that day)"
    else:
        updated = str(_get(meta, "last_updated", path, "norte_series"))
        vintage = dt.date.fromisoformat(updated[:10])
        how = f"FRED last_updated {updated}"
    missing = sum(s is not None for s in statuses)
    notes = [
        f"FRED API series {ident['sid']} ({meta.get('title', '')}): {len(periods):,} observations "
        f"{min(periods):%Y-%m}..{max(periods):%Y-%m}, {ident['measure']} in {ident['unit']} "
        f"(x {scale:f}), {ident['detail']}"
    ]
    if missing:
        notes.append(f"{missing:,} missing values ('.') stored as NULL with status missing")
    return StageInfo(format=FORMAT, vintage=vintage, vintage_from=how, notes=notes)
