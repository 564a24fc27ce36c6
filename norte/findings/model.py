"""What a finding is: a story a journalist would write, with its numbers, sources and score.

A finding's ``id`` hashes what the story is *about* — its type, subject, period and indicator
ids — never its numbers or its words, so re-running the detectors on the same store (or after a
revision that changes the numbers but not the story) gives the same id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LANGS: tuple[str, ...] = ("en", "es", "fr")

#: Finding types, one per detector (``docs/findings.md`` describes each).
TYPES: tuple[str, ...] = (
    "rank_change",
    "record",
    "yoy_move",
    "streak",
    "target_crossing",
    "revision",
    "lead_months",
    "light_change",
    "mirror_gap",
)

#: A value in ``values``: a number, a date (ISO string), a flag, a code or a label.
Value = float | int | str | bool | None


def finding_id(type_: str, subject: Mapping[str, str], period: str, indicators: list[str]) -> str:
    """Stable id: ``sha256(type | subject | period | indicator ids)``, first 16 hex digits.

    >>> finding_id("rank_change", {"partner": "MEX", "other": "CAN"}, "2023", ["x"])[:4]
    '...'  # doctest: +SKIP
    """
    body = json.dumps(
        [type_, dict(sorted(subject.items())), period, sorted(indicators)],
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()[:16]


@dataclass
class Finding:
    """One detected story (see ``docs/findings.md`` for the JSON schema)."""

    type: str
    subject: dict[str, str]
    period: str  # "2023" (A), "2023-10" (M), "2023-H1" (H)
    period_start: dt.date
    freq: str
    values: dict[str, Value]
    indicators: list[str]
    sources: list[dict[str, str]] = field(default_factory=list)
    score: float = 0.0
    score_parts: dict[str, float] = field(default_factory=dict)
    headline: dict[str, str] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)
    #: the metadata line per language (kind of story, period, news value, sources, releases)
    meta: dict[str, str] = field(default_factory=dict)
    #: what to draw: the indicator's series with the finding's periods highlighted
    chart: dict[str, Any] = field(default_factory=dict)
    #: the newest period of the series the finding is about (for the recency of the score)
    newest: dt.date | None = field(default=None, compare=False)

    @property
    def id_period(self) -> str:
        """The period the id hashes: the finding's period, except for a streak, whose id hashes
        the run's *first* period, so a still-running streak keeps its id as it extends (the
        story is updated, not repeated); a run that breaks and restarts is a new story."""
        start = self.values.get("start")
        fixed = self.values.get("id_period")  # a neck-and-neck story: its year
        if isinstance(fixed, str):
            return fixed
        if self.type == "streak" and isinstance(start, str):
            return period_label(dt.date.fromisoformat(start), self.freq)
        return self.period

    @property
    def id(self) -> str:
        return finding_id(self.type, self.subject, self.id_period, self.indicators)

    @property
    def vintage(self) -> str:
        """The newest vintage among the finding's sources (ISO date)."""
        return max((s["vintage"] for s in self.sources), default="")

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape (``norte/findings/schema.json``)."""
        return {
            "id": self.id,
            "type": self.type,
            "subject": dict(self.subject),
            "period": self.period,
            "period_start": self.period_start.isoformat(),
            "freq": self.freq,
            "headline": {lang: self.headline[lang] for lang in LANGS},
            "text": {lang: self.text[lang] for lang in LANGS},
            "values": dict(self.values),
            "indicators": list(self.indicators),
            "sources": [dict(s) for s in self.sources],
            "vintage": self.vintage,
            "score": self.score,
            "score_parts": dict(self.score_parts),
            "meta": {lang: self.meta.get(lang, "") for lang in LANGS},
            "chart": dict(self.chart),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Finding:
        f = cls(
            type=d["type"],
            subject=dict(d["subject"]),
            period=d["period"],
            period_start=dt.date.fromisoformat(d["period_start"]),
            freq=d["freq"],
            values=dict(d["values"]),
            indicators=list(d["indicators"]),
            sources=[dict(s) for s in d["sources"]],
            score=float(d["score"]),
            score_parts=dict(d.get("score_parts", {})),
            headline=dict(d["headline"]),
            text=dict(d["text"]),
            meta=dict(d.get("meta", {})),
            chart=dict(d.get("chart", {})),
        )
        if f.id != d["id"]:
            raise ValueError(f"finding {d['id']}: id does not match its type/subject/period")
        return f


def period_label(start: dt.date, freq: str) -> str:
    """The period as written in ids and JSON: ``2023``, ``2023-10``, ``2023-H2``, ``2023-Q4``."""
    if freq == "A":
        return f"{start.year}"
    if freq == "H":
        return f"{start.year}-H{1 if start.month <= 6 else 2}"
    if freq == "Q":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start:%Y-%m}"


def period_end(start: dt.date, freq: str) -> dt.date:
    """The first day of the period's last month."""
    months = {"A": 12, "H": 6, "Q": 3}.get(freq, 1)
    m = start.month - 1 + months - 1
    return dt.date(start.year + m // 12, m % 12 + 1, 1)
