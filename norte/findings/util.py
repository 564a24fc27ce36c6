"""Small helpers the detectors share: period steps, ISO dates, month distances."""

from __future__ import annotations

import datetime as dt

STEP_MONTHS = {"M": 1, "Q": 3, "H": 6, "A": 12}


def iso(d: dt.date) -> str:
    return d.isoformat()


def months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    return dt.date(d.year + m // 12, m % 12 + 1, 1)
