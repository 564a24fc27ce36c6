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

from norte.findings.detectors import Target
from norte.findings.model import Finding, finding_id
from norte.findings.run import DetectReport, detect, read, write

__all__ = ["DetectReport", "Finding", "Target", "detect", "finding_id", "read", "write"]
