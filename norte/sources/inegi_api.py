"""INEGI indicators API (BIE/BISE) bodies, as ``norte fetch inegi`` saves them (``inegi-api``).

The file is INEGI's ``{"Header": ..., "Series": [...]}`` body with ``norte_format`` and
``norte_request`` (indicator, bank, geo, lang) first. Rules:

- ``OBSERVATIONS`` come newest first; ``OBS_VALUE`` is a string (``"109.21013588490848000000"``,
  read as a decimal), ``""`` or null is missing (NULL, status ``missing``);
- ``FREQ`` ``8`` is monthly (``TIME_PERIOD`` ``YYYY/MM``), ``6`` quarterly (``YYYY/0Q``: the
  quarter), ``3`` annual (``YYYY``); other codes are refused naming the code;
- dataset ``inegi_<bank>_<indicator>`` (``inegi_bie_6207136901``), reporter ``MEX``, geo
  ``inegi_geo`` + the area when not ``00`` (national), measure ``value``, unit
  ``inegi_unit:<UNIT>`` (INEGI's unit code; its label is in INEGI's catalogue
  ``CL_UNIT``), status ``inegi_status=<OBS_STATUS>`` when given;
- vintage: ``LASTUPDATE`` (``24/09/2026 12:00:00 a. m.`` -> 2026-09-24).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from norte.errors import InputError
from norte.sources.api_body import needer, read_json, tagged
from norte.sources.common import stage_columns
from norte.store.db import StageContext, StageInfo

SOURCE = "inegi"
FORMAT = "inegi-api"
DESCRIPTION = "INEGI indicators API (BIE/BISE) JSON, as saved by norte fetch inegi"
FREQS = {"8": "M", "6": "Q", "3": "A"}
_PERIOD = {"M": re.compile(r"^(\d{4})/(\d\d)$"), "Q": re.compile(r"^(\d{4})/0?([1-4])$")}


def detect(path: Path) -> bool:
    return tagged(path, FORMAT)


_need = needer("INEGI's indicators API body", "fetch it again with norte fetch inegi")


def period_of(text: str, freq: str, path: Path, place: str) -> dt.date:
    if freq == "A" and re.match(r"^\d{4}$", text):
        return dt.date(int(text), 1, 1)
    m = _PERIOD.get(freq, re.compile("^$")).match(text)
    if m:
        n = int(m.group(2))
        month = n if freq == "M" else (n - 1) * 3 + 1
        if 1 <= month <= 12:
            return dt.date(int(m.group(1)), month, 1)
    want = {"M": "YYYY/MM", "Q": "YYYY/0Q", "A": "YYYY"}[freq]
    raise InputError(path, place, f"{text!r} is not a period of freq {freq}", expected=want)


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    body = read_json(path)
    request = _need(body, "norte_request", path, "top level")
    series = _need(body, "Series", path, "top level")
    if not isinstance(series, list) or not series:
        raise InputError(path, "Series", "empty", hint="fetch it again")
    s0 = series[0]
    ind = str(_need(s0, "INDICADOR", path, "Series[0]"))
    code = str(_need(s0, "FREQ", path, "Series[0]"))
    freq = FREQS.get(code)
    if freq is None:
        raise InputError(
            path,
            "Series[0].FREQ",
            f"frequency code {code!r}",
            expected="8 (monthly), 6 (quarterly) or 3 (annual)",
        )
    unit = f"inegi_unit:{_need(s0, 'UNIT', path, 'Series[0]')}"
    updated = str(_need(s0, "LASTUPDATE", path, "Series[0]"))
    m = re.match(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})", updated)
    if not m:
        raise InputError(path, "Series[0].LASTUPDATE", f"{updated!r} is not dd/mm/yyyy ...")
    vintage = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    periods: list[dt.date] = []
    values: list[float | None] = []
    statuses: list[str | None] = []
    for n, o in enumerate(_need(s0, "OBSERVATIONS", path, "Series[0]")):
        place = f"Series[0].OBSERVATIONS[{n}]"
        d = period_of(str(_need(o, "TIME_PERIOD", path, place)).strip(), freq, path, place)
        raw = _need(o, "OBS_VALUE", path, place)
        periods.append(d)
        if raw in ("", None):
            values.append(None)
            statuses.append("missing")
            continue
        try:
            values.append(float(Decimal(str(raw).strip())))
        except InvalidOperation:
            raise InputError(path, f"{place}.OBS_VALUE", f"{raw!r} is not a number") from None
        st = o.get("OBS_STATUS")
        statuses.append(f"inegi_status={st}" if st not in (None, "") else None)
    if not periods:
        raise InputError(path, "Series[0].OBSERVATIONS", "no observations")
    if len(set(periods)) != len(periods):
        raise InputError(path, "Series[0].OBSERVATIONS", "a TIME_PERIOD appears twice")
    geo = str(request.get("geo") or "00") if isinstance(request, dict) else "00"
    bank = str(request.get("bank") or "BIE").lower() if isinstance(request, dict) else "bie"
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": f"inegi_{bank}_{ind}",
            "reporter": "MEX",
            "geo_scheme": None if geo == "00" else "inegi_geo",
            "geo_code": None if geo == "00" else geo,
            "measure": "value",
            "unit": unit,
            "period": periods,
            "freq": freq,
            "value": values,
            "status": statuses,
        },
    )
    notes = [
        f"INEGI {bank.upper()} indicator {ind}: {len(periods):,} observations "
        f"{min(periods):%Y-%m}..{max(periods):%Y-%m}, freq {freq}, {unit}"
    ]
    return StageInfo(
        format=FORMAT, vintage=vintage, vintage_from=f"INEGI LASTUPDATE {updated}", notes=notes
    )
