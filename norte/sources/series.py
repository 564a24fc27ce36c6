"""Helpers shared by the macro-series sources (FRED, StatCan tables and derived copies):
periods, scaled values, ``detail`` strings and release-date estimates."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from norte.errors import InputError

_YMD = re.compile(r"^(\d{4})-(\d\d)(?:-(\d\d))?$")
_Y = re.compile(r"^(\d{4})$")


def parse_period(text: str, path: Path, place: str) -> dt.date:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (the first day of a period) as a date."""
    t = text.strip()
    m = _YMD.match(t)
    y = _Y.match(t)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
        if y:
            return dt.date(int(y.group(1)), 1, 1)
    except ValueError:
        pass
    raise InputError(path, place, f"{text!r} is not a date", expected="YYYY, YYYY-MM or YYYY-MM-DD")


def check_period(d: dt.date, freq: str, path: Path, place: str) -> None:
    """A period of ``freq`` must start on its first day (quarters: Jan, Apr, Jul, Oct)."""
    ok = d.day == 1 and (
        freq == "M" or (freq == "Q" and d.month in (1, 4, 7, 10)) or (freq == "A" and d.month == 1)
    )
    if not ok:
        first = {"M": "the 1st of a month", "Q": "1 Jan, Apr, Jul or Oct", "A": "1 January"}
        raise InputError(
            path,
            place,
            f"{d.isoformat()} is not the start of a {freq} period",
            expected=f"{first.get(freq, 'a period start')} (freq {freq})",
            hint="check the series' frequency (the manifest's freq, or the series table)",
        )


def scaled(text: str, scale: Decimal, path: Path, place: str) -> float:
    """The number ``text`` times ``scale``, computed in decimal (1.5 thousand = 1500 exactly)."""
    try:
        return float(Decimal(text.strip().replace(",", "")) * scale)
    except InvalidOperation:
        raise InputError(path, place, f"{text!r} is not a number", expected="a number") from None


def as_decimal(x: float | int | str) -> Decimal:
    """A scale factor as an exact decimal (``1e9`` -> 1000000000)."""
    return Decimal(str(x)).normalize() if not isinstance(x, Decimal) else x


def detail(pairs: dict[str, str | None]) -> str | None:
    """``key=value`` pairs, keys sorted, empty values left out, joined by ``;``."""
    parts = [f"{k}={v}" for k, v in sorted(pairs.items()) if v not in (None, "")]
    return ";".join(parts) or None


def merge_detail(extra: str | None, pairs: dict[str, str | None]) -> str | None:
    """``pairs`` plus the ``key=value;...`` of ``extra`` (a code table's fixed detail)."""
    out: dict[str, str | None] = dict(pairs)
    for part in (extra or "").split(";"):
        if part:
            k, _, v = part.partition("=")
            out[k] = v
    return detail(out)


def period_end(d: dt.date, freq: str) -> dt.date:
    months = {"M": 1, "Q": 3, "A": 12}[freq]
    m = d.month - 1 + months
    return dt.date(d.year + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)


def estimated_release(last: dt.date, freq: str, lag_days: int) -> tuple[dt.date, str]:
    """(vintage, how): the newest period's end + the agency's usual lag."""
    end = period_end(last, freq)
    label = {"M": f"{last:%Y-%m}", "Q": f"{last.year}-Q{(last.month - 1) // 3 + 1}"}.get(
        freq, str(last.year)
    )
    return end + dt.timedelta(days=lag_days), f"estimated: newest period {label} + {lag_days} days"
