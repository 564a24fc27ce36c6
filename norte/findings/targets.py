"""The interface between goals and findings: targets as ``(indicator_id, value, date)``.

The target-crossing detector receives plain :class:`~norte.findings.detectors.Target` objects
and knows nothing else about goals. :func:`goal_targets` adapts ``norte.goals`` (the shared
goals catalog, issue 6) to that shape; any other provider — a stakeholder file, a test — can
pass its own list to :func:`norte.findings.detect`. When there are no targets the detector is a
no-op and says why (``DetectReport.notes``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from norte.findings.detectors import Target


def parse_target_date(text: str) -> dt.date:
    """``2027`` -> 2027-12-31; ``2027-06`` -> 2027-06-30 (the end of the period); ISO days as is."""
    parts = text.split("-")
    if len(parts) == 1:
        return dt.date(int(parts[0]), 12, 31)
    if len(parts) == 2:
        y, m = int(parts[0]), int(parts[1])
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    return dt.date.fromisoformat(text)


def goal_targets(con: Any = None) -> tuple[list[Target], str]:
    """(targets, note): every dated target on an indicator in the shared goals catalog and,
    given a store connection, in the stakeholder goals stored there (``norte goals add``).

    The note says where the targets came from, or why there are none."""
    try:
        from norte.goals import load_shared, stakeholder_goals
    except ImportError as e:  # pragma: no cover - goals ship with norte
        return [], f"no goals module ({e}); target crossings skipped"
    notes: list[str] = []
    out: list[Target] = []
    try:
        shared = _targets(load_shared())
        out += shared
        notes.append(f"{len(shared)} from the shared goals catalog")
    except Exception as e:  # a broken goals catalog must not stop the findings
        notes.append(f"goals catalog could not be read ({e})")
    if con is not None:
        try:
            own = _targets(stakeholder_goals(con))
            out += own
            notes.append(f"{len(own)} from stakeholder goals in the store")
        except Exception as e:  # a broken stored goal must not stop the findings
            notes.append(f"stakeholder goals could not be read ({e})")
    if not out:
        return (
            [],
            "no dated target on an indicator in the goals ("
            + "; ".join(notes)
            + "); target crossings skipped",
        )
    return out, f"{len(out)} target(s): " + "; ".join(notes)


def _targets(goals: Iterable[Any]) -> list[Target]:
    out: list[Target] = []
    for g in goals:
        for t in g.targets:
            if t.indicator is None or t.date is None:
                continue
            out.append(
                Target(
                    indicator_id=t.indicator,
                    value=float(t.value),
                    date=parse_target_date(t.date),
                    direction="down" if t.direction == "lower_is_better" else "up",
                    goal=g.id,
                    select=tuple(sorted(_select(t.select).items())),
                )
            )
    return out


def _select(sel: Mapping[str, str]) -> dict[str, str]:
    return {str(k): str(v) for k, v in sel.items()}
