"""Statistics Canada WDS vector data, as ``norte fetch statcan --vector`` saves it.

One file per vector and release: ``{"norte_format": "statcan-wds", "norte_series": <getSeriesInfoFromVector object>,
"status": "SUCCESS", "object": {"productId": 36100008, "coordinate": "1.1.1.0.0.0.0.0.0.0",
"vectorId": 7117682, "vectorDataPoint": [{"refPer": "2023-01-01", "value": 1613703.0,
"decimals": 0, "scalarFactorCode": 6, "symbolCode": 0, "statusCode": 0,
"releaseTime": "2024-04-24T08:30", "frequencyCode": 12}, ...]}}``.

Rules: ``value`` is a JSON number (null: stored NULL, status ``missing``) times
10^``scalarFactorCode`` (base units, as the full-table reader stores them); ``frequencyCode``
6 monthly, 9 quarterly, 12 annual (others refused); dataset ``statcan_<productId>``, reporter
``CAN``, detail ``coordinate=...;vector=v...`` (a vector alone does not name its dimensions:
the table's own rows, from ``norte fetch statcan --table``, carry them); unit from the series'
``memberUomCode`` (81 = Dollars -> ``CAD``; codes norte does not know are kept as
``statcan_uom:<code>``); a ``statusCode``/``symbolCode`` other than 0 is kept as status
``wds_status=<n>``/``wds_symbol=<n>``. Vintage: the points' ``releaseTime`` (one per file).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb

from norte.errors import InputError
from norte.sources.api_body import needer, read_json, tagged
from norte.sources.common import stage_columns
from norte.sources.series import detail
from norte.sources.statcan_codes import unit
from norte.store.db import StageContext, StageInfo

SOURCE = "statcan"
FORMAT = "statcan-wds"
DESCRIPTION = "Statistics Canada WDS vector data (one vector, one release), as norte fetch saves it"
FREQS = {6: "M", 9: "Q", 12: "A"}
#: WDS unit-of-measure codes norte knows -> StatCan's UOM text (read by the full-table rules).
UOM_CODES = {81: "Dollars"}


def detect(path: Path) -> bool:
    return tagged(path, FORMAT)


_need = needer("a StatCan WDS vector object", "fetch it again with norte fetch statcan --vector")


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    body = read_json(path)
    info = _need(body, "norte_series", path, "top level")
    obj = _need(body, "object", path, "top level")
    pid = str(_need(obj, "productId", path, "object"))[:8]
    vid = int(_need(obj, "vectorId", path, "object"))
    coord = str(_need(obj, "coordinate", path, "object"))
    warnings: list[str] = []
    uom_code = info.get("memberUomCode") if isinstance(info, dict) else None
    uom = UOM_CODES.get(int(uom_code)) if isinstance(uom_code, int) else None
    norte_unit = (
        unit(uom, path, "norte_series.memberUomCode", "keep", warnings)
        if uom
        else f"statcan_uom:{uom_code}"
    )
    periods: list[dt.date] = []
    values: list[float | None] = []
    statuses: list[str | None] = []
    releases: set[str] = set()
    freqs: set[str] = set()
    for n, p in enumerate(_need(obj, "vectorDataPoint", path, "object")):
        place = f"object.vectorDataPoint[{n}]"
        code = int(_need(p, "frequencyCode", path, place))
        freq = FREQS.get(code)
        if freq is None:
            raise InputError(
                path,
                f"{place}.frequencyCode",
                f"frequency code {code}",
                expected="6 (monthly), 9 (quarterly) or 12 (annual)",
            )
        freqs.add(freq)
        ref = str(_need(p, "refPer", path, place))
        try:
            d = dt.date.fromisoformat(ref)
        except ValueError:
            raise InputError(path, f"{place}.refPer", f"{ref!r} is not a date") from None
        raw = _need(p, "value", path, place)
        power = int(_need(p, "scalarFactorCode", path, place))
        releases.add(str(_need(p, "releaseTime", path, place))[:10])
        periods.append(d)
        if raw is None:
            values.append(None)
            statuses.append("missing")
            continue
        if not isinstance(raw, int | float):
            raise InputError(path, f"{place}.value", f"{raw!r} is not a number")
        values.append(float(Decimal(str(raw)) * Decimal(10) ** power))
        flags = [f"wds_{k}={p.get(k + 'Code')}" for k in ("status", "symbol") if p.get(k + "Code")]
        statuses.append(";".join(flags) or None)
    if not periods:
        raise InputError(path, "object.vectorDataPoint", "no data points")
    if len(releases) != 1 or len(freqs) != 1:
        raise InputError(
            path,
            "object.vectorDataPoint",
            f"{len(releases)} release dates and {len(freqs)} frequencies in one file",
            expected="one release of one vector (as norte fetch saves them)",
        )
    if len(set(periods)) != len(periods):
        raise InputError(path, "object.vectorDataPoint", "a refPer appears twice")
    stage_columns(
        con,
        {
            "source": SOURCE,
            "dataset": f"statcan_{pid}",
            "reporter": "CAN",
            "detail": detail({"coordinate": coord, "vector": f"v{vid}"}),
            "measure": "value",
            "unit": norte_unit,
            "period": periods,
            "freq": freqs.pop(),
            "value": values,
            "status": statuses,
        },
    )
    release = releases.pop()
    title = info.get("SeriesTitleEn", "") if isinstance(info, dict) else ""
    notes = [
        f"StatCan WDS v{vid} ({title}) of table {pid}: {len(periods):,} points "
        f"{min(periods)}..{max(periods)}, {norte_unit}"
    ]
    return StageInfo(
        format=FORMAT,
        vintage=dt.date.fromisoformat(release),
        vintage_from=f"WDS releaseTime {release}",
        notes=notes,
        warnings=warnings,
    )
