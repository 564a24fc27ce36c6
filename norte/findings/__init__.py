"""Findings: news-style stories detected in the store's indicator values after each load.

Detectors (``detectors.py``, configured in ``detectors.toml``): rank changes, records, large
year-over-year moves, streaks, target crossings (goals) and revisions that change a ranking.
Each finding carries its numbers (``values``), sources with vintages, a score and a headline and
paragraph in English, Spanish and French (``templates.toml``). ``docs/findings.md`` documents
the JSON schema, the score and the CLI.

>>> from norte.findings import detect, write
>>> report = detect(store)                  # doctest: +SKIP
>>> write(store, report.findings)           # doctest: +SKIP
"""

from typing import Any

from norte.findings.model import Finding, finding_id

# The detectors and the run (which load the indicator engine, i.e. Ibis) import on first use.
_LAZY = {
    "Target": "detectors",
    "DetectReport": "run",
    "detect": "run",
    "read": "run",
    "write": "run",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"norte.findings.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'norte.findings' has no attribute {name!r}")


__all__ = ["DetectReport", "Finding", "Target", "detect", "finding_id", "read", "write"]
