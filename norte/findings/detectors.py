"""The detectors: rank changes, records, large year-over-year moves, streaks, target crossings
and revisions that change a ranking. Each returns :class:`~norte.findings.model.Finding` objects
with their numbers in ``values``; wording and scores are added by :mod:`norte.findings.run`.

The detectors live in :mod:`~norte.findings.ranks` (rank changes, revisions, lead months),
:mod:`~norte.findings.levels` (records, moves, streaks), :mod:`~norte.findings.breaks` (breaks
and gaps in a series) and :mod:`~norte.findings.crossings` (targets); this module reads their
configuration. Which indicators each detector scans, and its thresholds, are data:
``detectors.toml``.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from norte.findings.crossings import Target, target_crossings
from norte.findings.levels import records, streaks
from norte.findings.moves import yoy_moves
from norte.findings.ranks import RankInputs, lead_months, rank_changes, rank_revisions
from norte.findings.util import STEP_MONTHS

__all__ = [
    "STEP_MONTHS",
    "RankInputs",
    "Target",
    "config",
    "lead_months",
    "rank_changes",
    "rank_revisions",
    "records",
    "select_series_ids",
    "streaks",
    "target_crossings",
    "yoy_moves",
]


@cache
def config() -> dict[str, Any]:
    """``detectors.toml``, parsed."""
    text = resources.files(__package__).joinpath("detectors.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def select_series_ids(ids: Iterable[tuple[str, str, str]], cfg: Mapping[str, Any]) -> list[str]:
    """Indicator ids (from ``(indicator_id, base_id, unit)``) matched by the ``[[series]]`` rules."""
    out: list[str] = []
    for iid, _base, unit in ids:
        for rule in cfg.get("series", []):
            if unit not in rule.get("units", [unit]):
                continue
            if not any(fnmatch.fnmatchcase(iid, p) for p in rule["indicators"]):
                continue
            if any(fnmatch.fnmatchcase(iid, p) for p in rule.get("exclude", [])):
                continue
            out.append(iid)
            break
    return out
