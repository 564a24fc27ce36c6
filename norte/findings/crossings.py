"""The target-crossing detector: the first period a series crosses a goal's target."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from norte.findings.data import Series
from norte.findings.levels import _base_values, _subject
from norte.findings.model import Finding, period_label
from norte.findings.util import iso as _iso


@dataclass(frozen=True)
class Target:
    """A goal's target for one indicator: reach ``value`` by ``date``.

    ``direction`` is ``up`` (reach or exceed) or ``down`` (fall to or below)."""

    indicator_id: str
    value: float
    date: dt.date
    direction: str = "up"
    goal: str = ""
    #: dimension filters (``(("partner", "MEX"),)``): the target applies to matching series only
    select: tuple[tuple[str, str], ...] = ()


def target_crossings(s: Series, targets: Iterable[Target]) -> list[Finding]:
    """The period in which the series first crossed each target (from the wrong side)."""
    out: list[Finding] = []
    for t in targets:
        if t.indicator_id not in (s.indicator_id, s.base_id):
            continue
        if any(s.dims.get(k) != v for k, v in t.select):
            continue
        for i in range(1, len(s.points)):
            (p0, v0), (p1, v1) = s.points[i - 1], s.points[i]
            crossed = (v0 < t.value <= v1) if t.direction == "up" else (v0 > t.value >= v1)
            if not crossed:
                continue
            values = _base_values(s, i) | {
                "previous": v0,
                "previous_period": _iso(p0),
                "target": t.value,
                "target_date": _iso(t.date),
                "target_direction": t.direction,
                "goal": t.goal,
                "variant": "target_crossing",
            }
            f = Finding(
                type="target_crossing",
                subject=_subject(s) | {"target": f"{t.value:g}@{t.date.isoformat()}"},
                period=period_label(p1, s.freq),
                period_start=p1,
                freq=s.freq,
                values=values,
                indicators=[s.indicator_id],
            )
            f.score_parts["magnitude"] = 1.0
            f.score_parts["rarity"] = 1.0
            f.newest = s.points[-1][0]
            out.append(f)
            break
    return out
