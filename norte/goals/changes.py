"""Lights that changed colour between input vintages, read from ``goal_status`` (which
:func:`norte.goals.board.record` fills with every light at every input vintage).

>>> light_changes(store.con)            # doctest: +SKIP
[LightChange(goal_id='goal-3', target_id='us-total-trade-annual.mex[flow=total]~direction',
             from_vintage=2024-08-06, to_vintage=2025-02-06, from_status='at_risk',
             to_status='on_track', ...)]

A change is two consecutive stored vintages of one light (same ``goal_id``, ``target_id``)
whose ``status`` (the colour) differs; ``reason`` (the method's grade) is carried along so a
finding can say "from moderate progress to significant progress". Grey → grey with another
reason is not a change of colour and is not listed. The findings engine turns these into
findings ("goal 3: U.S.–Mexico trade moved from amber to green with the February release").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import duckdb


@dataclass(frozen=True)
class LightChange:
    goal_id: str
    owner: str | None
    target_id: str
    indicator_id: str | None
    method: str | None
    from_vintage: dt.date
    to_vintage: dt.date
    from_status: str
    to_status: str
    from_reason: str
    to_reason: str
    latest_period: dt.date | None
    latest_value: float | None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in d.items()}


def light_changes(con: duckdb.DuckDBPyConnection, goal_id: str | None = None) -> list[LightChange]:
    """Every change of colour between consecutive input vintages stored in ``goal_status``
    (optionally of one goal), ordered by goal, light and vintage. Rows without a vintage
    (commitments, indicators never computed) cannot change and are skipped."""
    sql = (
        "SELECT goal_id, owner, target_id, indicator_id, method, input_vintage, status, reason,"
        " latest_period, latest_value,"
        " lag(input_vintage) OVER w, lag(status) OVER w, lag(reason) OVER w"
        " FROM goal_status WHERE input_vintage IS NOT NULL AND (? IS NULL OR goal_id = ?)"
        " WINDOW w AS (PARTITION BY goal_id, target_id ORDER BY input_vintage)"
        " ORDER BY goal_id, target_id, input_vintage"
    )
    params: list[Any] = [goal_id, goal_id]
    out = []
    for r in con.execute(sql, params).fetchall():
        (gid, owner, tid, ind, method, vin, status, reason, lp, lv, pv, ps, pr) = r
        if pv is None or ps == status:
            continue
        out.append(
            LightChange(gid, owner, tid, ind, method, pv, vin, ps, status, pr, reason, lp, lv)
        )
    return out
