"""The goals data model: shared goals, stakeholder goals, their indicators (with their
assessment), dated targets and commitments — validated by :mod:`norte.goals.catalog`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from norte.goals.assessment import Assessment
from norte.goals.movers import MoversSpec

#: The report's four shared goals (numbers are the report's).
GOAL_NUMBERS = (1, 2, 3, 4)
#: Default tolerance bands, as fractions of |target|: on track within the first, at risk
#: within the second (docs/architecture.md, "Goals").
DEFAULT_TOLERANCE = (0.05, 0.15)
#: Default trend window in years (CAGR from the same period N years before the latest).
DEFAULT_TREND_YEARS = 3


Text = Mapping[str, str]


@dataclass(frozen=True)
class Target:
    """Where an indicator (or a commitment) should be by a date, and why."""

    id: str
    indicator: str | None
    value: float
    date: str | None
    direction: str
    rationale: Text
    citation: str
    select: Mapping[str, str] = field(default_factory=dict)
    baseline: str | None = None
    baseline_value: float | None = None
    tolerance: tuple[float, float] = DEFAULT_TOLERANCE
    trend_years: int = DEFAULT_TREND_YEARS
    unit: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "indicator": self.indicator,
            "select": dict(self.select),
            "value": self.value,
            "date": self.date,
            "direction": self.direction,
            "baseline": self.baseline,
            "baseline_value": self.baseline_value,
            "tolerance": list(self.tolerance),
            "trend_years": self.trend_years,
            "unit": self.unit,
            "rationale": dict(self.rationale),
            "citation": self.citation,
        }


@dataclass(frozen=True)
class Commitment:
    """A target no loaded data measures: status is always "no data"; ``data_needed`` says why."""

    id: str
    title: Text
    unit: str
    target: Target
    data_needed: Text
    baseline_note: Text = field(default_factory=dict)


@dataclass(frozen=True)
class IndicatorRef:
    """An indicator monitored under a goal: its desired direction and why, what it is / why
    it matters / what we want, and its assessment (or the reason it has none)."""

    id: str
    select: Mapping[str, str] = field(default_factory=dict)
    no_target: Text = field(default_factory=dict)
    direction: str | None = None
    rationale: Text = field(default_factory=dict)
    about: Mapping[str, Text] = field(default_factory=dict)
    assess: Assessment | None = None
    key_: str | None = None
    #: the members (e.g. states) that improved or worsened, shown with this light
    movers: MoversSpec | None = None

    @property
    def key(self) -> str:
        """The id of this light (``goal_status.target_id``): ``key`` when given, else the
        indicator id with its ``select`` and method (``real-gdp-yoy-mex~threshold``)."""
        if self.key_:
            return self.key_
        sel = ",".join(f"{k}={v}" for k, v in sorted(self.select.items()))
        return (
            self.id
            + (f"[{sel}]" if sel else "")
            + (f"~{self.assess.method}" if self.assess else "")
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "select": dict(self.select),
            "no_target": dict(self.no_target),
            "direction": self.direction,
            "rationale": dict(self.rationale),
            "about": {k: dict(v) for k, v in self.about.items()},
            "assess": self.assess.as_dict() if self.assess else None,
            "movers": self.movers.as_dict() if self.movers else None,
        }


@dataclass(frozen=True)
class Goal:
    """A shared goal (``owner`` None, ``number`` 1-4) or a stakeholder goal (``parent`` 1-4)."""

    id: str
    title: Text
    description: Text
    citation: str
    indicators: tuple[IndicatorRef, ...]
    targets: tuple[Target, ...]
    commitments: tuple[Commitment, ...] = ()
    data_gaps: Text = field(default_factory=dict)
    number: int | None = None
    owner: str | None = None
    parent: int | None = None
    file: str = ""

    @property
    def shared_number(self) -> int:
        """The shared goal this one belongs to (itself for a shared goal)."""
        n = self.number if self.number is not None else self.parent
        assert n is not None
        return n

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "owner": self.owner,
            "parent": self.parent,
            "title": dict(self.title),
            "description": dict(self.description),
            "citation": self.citation,
            "data_gaps": dict(self.data_gaps),
            "indicators": [r.as_dict() for r in self.indicators],
            "targets": [t.as_dict() for t in self.targets],
            "commitments": [
                {
                    "id": c.id,
                    "title": dict(c.title),
                    "unit": c.unit,
                    "target": c.target.as_dict(),
                    "data_needed": dict(c.data_needed),
                    "baseline_note": dict(c.baseline_note),
                }
                for c in self.commitments
            ],
        }

    def digest(self) -> str:
        """Checksum of the goal's content (not its file name): same content, same digest."""
        body = self.as_dict()
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
