"""Which members of a multi-series indicator improved or worsened (the states of the Social
Progress Index): the change of each series over ``window_years`` at the newest input vintage,
judged in the desired direction. Declared on an indicator of a goal::

    movers = { indicator = "spi-mx-state-score", select = { measure = "spi_overall" },
               by = "geo_code", window_years = 5 }

and shown with that indicator's light (``Light.movers``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from norte.goals.assessment import parse_direction
from norte.goals.fields import SELECT_DIMS, _Ctx, _indicator_id, _no_unknown, _require, _select


@dataclass(frozen=True)
class MoversSpec:
    indicator: str
    by: str
    select: Mapping[str, str] = field(default_factory=dict)
    window_years: int = 5
    direction: str = "higher_is_better"

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "by": self.by,
            "select": dict(self.select),
            "window_years": self.window_years,
            "direction": self.direction,
        }


@dataclass(frozen=True)
class Mover:
    member: str
    from_period: dt.date
    from_value: float
    to_period: dt.date
    to_value: float
    change: float
    verdict: str  # 'improved' | 'worsened' | 'unchanged'

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in d.items()}


def parse_movers(c: _Ctx, v: Any, where: str) -> MoversSpec:
    if not isinstance(v, dict):
        raise c.fail(where, "expected a table", 'movers = { indicator = "...", by = "geo_code" }')
    _no_unknown(c, v, where, ("indicator", "by", "select", "window_years", "direction"))
    ind = _indicator_id(
        c, _require(c, v, where, "indicator", '"<indicator id>"'), f"{where}.indicator"
    )
    by = _require(c, v, where, "by", '"geo_code"')
    if by not in SELECT_DIMS:
        raise c.fail(f"{where}.by", f"unknown dimension {by!r}", f"use {', '.join(SELECT_DIMS)}")
    years = v.get("window_years", 5)
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise c.fail(f"{where}.window_years", f"expected a whole number >= 1, got {years!r}", "5")
    direction = parse_direction(c, v, where) if "direction" in v else "higher_is_better"
    return MoversSpec(ind, by, _select(c, v.get("select", {}), f"{where}.select"), years, direction)


def movers(con: duckdb.DuckDBPyConnection, spec: MoversSpec) -> list[Mover]:
    """Each member's change from the same period ``window_years`` before the latest to the
    latest (newest input vintage), best first in the desired direction; members without a
    value that far back are left out."""
    if spec.by not in SELECT_DIMS or any(k not in SELECT_DIMS for k in spec.select):
        raise ValueError("movers: unknown dimension")
    where = ["indicator_id = ?", "value IS NOT NULL", f"{spec.by} IS NOT NULL"]
    params: list[Any] = [spec.indicator]
    for k, val in spec.select.items():
        where.append(f"{k} = ?")
        params.append(val)
    # only fixed column names (checked against SELECT_DIMS) are interpolated
    sql = (
        f"SELECT {spec.by}, period, value FROM indicator_values_latest"  # noqa: S608
        f" WHERE {' AND '.join(where)} ORDER BY 1, 2"
    )
    series: dict[str, dict[dt.date, float]] = {}
    for member, period, value in con.execute(sql, params).fetchall():
        series.setdefault(str(member), {})[period] = float(value)
    sign = 1.0 if spec.direction == "higher_is_better" else -1.0
    out = []
    for member, data in series.items():
        last = max(data)
        start = last.replace(year=last.year - spec.window_years)
        if start not in data:
            continue
        change = data[last] - data[start]
        verdict = "improved" if sign * change > 0 else "worsened" if change else "unchanged"
        out.append(Mover(member, start, data[start], last, data[last], change, verdict))
    return sorted(out, key=lambda m: -sign * m.change)
