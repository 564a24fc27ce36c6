"""Argument types of the ``norte`` command line: each refuses a bad value with a message that
says what was given and what is expected (argparse turns it into ``norte: error: ...``)."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def iso_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2024-08-06"
        ) from None


def month(text: str) -> str:
    """A month written YYYY-MM (returned as written)."""
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a month: write YYYY-MM with a month 01-12, e.g. 2024-01"
        )
    return text.strip()


def date_or_month(text: str) -> dt.date:
    """A date (YYYY-MM-DD) or a month (YYYY-MM: its first day)."""
    if _MONTH.match(text.strip()):
        return dt.date.fromisoformat(f"{month(text)}-01")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: write YYYY-MM-DD or YYYY-MM, e.g. 2024-08-06 or 2024-08"
        ) from None


def count(text: str) -> int:
    """A whole number, 0 or more."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count: write a whole number >= 0")
    return n


def _finite(text: str, what: str) -> float:
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number: {what}")
    return x


def score(text: str) -> float:
    """A finding score, 0 to 100."""
    x = _finite(text, "write a score from 0 to 100, e.g. 40")
    if not 0 <= x <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range: scores go from 0 to 100")
    return x


def seconds(text: str) -> float:
    """A duration in seconds, 0 or more."""
    x = _finite(text, "write seconds >= 0, e.g. 3600")
    if x < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative: write seconds >= 0")
    return x
