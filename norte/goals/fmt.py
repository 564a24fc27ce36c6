"""Numbers, periods and "from X to Y" as people read them (English; the pages have their own
translator): ``US$839.6 bn``, ``2.1%``, ``12.6 million jobs``, ``2026 Q2``, ``2024-12``."""

from __future__ import annotations

import datetime as dt
from functools import cache

from norte.goals.status import Status


def value_text(v: float | None, unit: str | None) -> str:
    """``839_555_104_875, "USD"`` → ``US$839.6 bn``; ``2.102, "percent"`` → ``2.1%``."""
    if v is None:
        return "–"
    if unit in ("USD", "CAD"):
        a = abs(v)
        sign = "−" if v < 0 else ""
        cur = "US$" if unit == "USD" else "C$"
        for div, suffix in ((1e12, " tn"), (1e9, " bn"), (1e6, " mn")):
            if a >= div:
                return f"{sign}{cur}{a / div:,.1f}{suffix}"
        return f"{sign}{cur}{a:,.0f}"
    if unit == "percent":
        return f"{v:,.1f}%".replace("-", "−")
    if unit in ("jobs", "vehicles", "persons"):
        if abs(v) >= 1e6:
            return f"{v / 1e6:,.1f} million {unit}"
        return f"{v:,.0f} {unit}"
    if unit == "ratio":
        return f"{v:,.3f}"
    if unit in ("score_0_100", "points", "index"):
        return f"{v:,.1f}" + (" points" if unit == "points" else "")
    if abs(v) >= 1e5:
        return f"{v:,.0f}" + (f" {unit}" if unit else "")
    return f"{v:,.4g}" + (f" {unit}" if unit else "")


def period_text(p: dt.date | None, freq: str | None) -> str:
    """``2026-04-01, "Q"`` → ``2026 Q2``; annual → ``2024``; half → ``2024 H2``; monthly →
    ``2024-12``."""
    if p is None:
        return "–"
    if freq == "A":
        return str(p.year)
    if freq == "Q":
        return f"{p.year} Q{(p.month - 1) // 3 + 1}"
    if freq == "H":
        return f"{p.year} H{(p.month - 1) // 6 + 1}"
    return p.isoformat()[:7]


def latest_text(s: Status, unit: str | None) -> str:
    """``US$839.6 bn, 2024``."""
    if s.latest_value is None:
        return "–"
    return f"{value_text(s.latest_value, unit)}, {period_text(s.latest_period, s.freq)}"


def from_to(s: Status, unit: str | None) -> str:
    """``from US$612.8 bn to US$839.6 bn (2019 to 2024)``, or "" without a start value."""
    if s.baseline_value is None or s.latest_value is None:
        return ""
    a, b = period_text(s.baseline_period, s.freq), period_text(s.latest_period, s.freq)
    return (
        f"from {value_text(s.baseline_value, unit)} to {value_text(s.latest_value, unit)}"
        f" ({a} to {b})"
    )


@cache
def units() -> dict[str, str]:
    """Indicator id → its unit (the indicator catalog)."""
    from norte.indicators import indicators, load_catalog

    return {i.id: i.definition.unit for i in indicators(load_catalog())}
