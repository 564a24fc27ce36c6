"""Mirror-gap findings: the gap between two reporters' figures of one flow left its usual band.

The mirror-gap indicators (``norte/indicators/catalog/mirror.toml``) give, per period, the gap
``(A − B) / A × 100`` between the reporter's figure of a flow (the U.S. says it imported X from
Mexico) and the partner's own figure of it (Mexico says it exported Y to the U.S.). The gap is
never zero — valuation, partner attribution, re-exports and timing keep it at a level of its
own (``docs/architecture.md``, "Mirror reconciliation") — so the story is not the gap but a gap
*unlike the series' own history*.

The band (:func:`band`): over the previous ``years`` years of the series (periods strictly
before the one tested), the median ``m`` and the median absolute deviation ``MAD``; the band is
``m ± k × 1.4826 × MAD`` (1.4826 × MAD estimates a standard deviation for normal data; median
and MAD ignore the outliers a mean and standard deviation would absorb — a single bad year
must not widen the band that judges the next), and never narrower than ``± min_width``
percentage points (a history of near-identical gaps would otherwise call any wobble news). A
period needs ``min_history`` earlier values in the window; only the newest ``recent`` periods
of a series are reported, as for records. Parameters: ``[mirror_gap]`` in ``detectors.toml``.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from norte.findings.data import Series
from norte.findings.model import LANGS, Finding, period_label
from norte.findings.text import fmt

#: 1.4826 × MAD estimates the standard deviation of normally distributed data
MAD_SCALE = 1.4826


@dataclass(frozen=True)
class Band:
    median: float
    mad: float
    low: float
    high: float
    n: int


def band(history: list[float], k: float, min_width: float) -> Band:
    """The usual band of ``history``: median ± max(k × 1.4826 × MAD, min_width)."""
    m = statistics.median(history)
    mad = statistics.median(abs(x - m) for x in history)
    half = max(k * MAD_SCALE * mad, min_width)
    return Band(m, mad, m - half, m + half, len(history))


def _years_before(day: dt.date, years: int) -> dt.date:
    return dt.date(day.year - years, day.month, 1)


def _signed(x: float, lang: str) -> str:
    """A signed percent as people read it: +4.2%, −4.2 % (fr/es with a narrow space)."""
    sign = "−" if x < 0 else "+"
    return sign + fmt({"x": x}, "x", "pct", lang)


_SIDE = {
    "en": ("{a} recorded more", "{b} recorded more"),
    "es": ("{a} registró más", "{b} registró más"),
    "fr": ("chiffre le plus élevé : {a}", "chiffre le plus élevé : {b}"),
}


def gap_findings(
    series: list[Series],
    cfg: Mapping[str, Any],
    sides: Mapping[str, tuple[str, str]],
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Finding]:
    """A ``mirror_gap`` finding for each of the newest ``recent`` periods of each series whose
    gap lies outside the band of the previous ``years`` years. ``sides``: indicator base id ->
    (side A's reporter, side B's reporter), from the definitions; ``names``: code ->
    {lang: name} for the wording (default: the code)."""
    years = int(cfg.get("years", 10))
    k = float(cfg.get("k", 3.0))
    min_width = float(cfg.get("min_width", 1.0))
    recent = dict(cfg.get("recent", {"A": 2, "M": 12}))
    min_hist = dict(cfg.get("min_history", {"A": 5, "M": 36}))
    out: list[Finding] = []
    for s in series:
        if s.base_id not in sides:
            continue
        pts = s.points
        start = max(0, len(pts) - int(recent.get(s.freq, 2)))
        for i in range(start, len(pts)):
            day, value = pts[i]
            hist = [v for p, v in pts[:i] if p >= _years_before(day, years)]
            if len(hist) < int(min_hist.get(s.freq, 5)):
                continue
            b = band(hist, k, min_width)
            if b.low <= value <= b.high:
                continue
            out.append(_finding(s, sides[s.base_id], day, value, b, k, years, names or {}))
    return out


def _finding(
    s: Series,
    side: tuple[str, str],
    day: dt.date,
    value: float,
    b: Band,
    k: float,
    years: int,
    names: Mapping[str, Mapping[str, str]],
) -> Finding:
    reporter, partner = side
    half = (b.high - b.low) / 2
    excess = abs(value - b.median) / half if half else 1.0
    values: dict[str, Any] = {
        "variant": "mirror_gap_above" if value > b.high else "mirror_gap_below",
        "unit": s.unit,
        "freq": s.freq,
        "value": value,
        "median": b.median,
        "mad": b.mad,
        "low": b.low,
        "high": b.high,
        "k": k,
        "window_years": years,
        "history_n": b.n,
        "period_start": day.isoformat(),
    }
    for lang in LANGS:
        a = names.get(reporter, {}).get(lang, reporter)
        other = names.get(partner, {}).get(lang, partner)
        values[f"low_txt_{lang}"] = _signed(b.low, lang)
        values[f"high_txt_{lang}"] = _signed(b.high, lang)
        values[f"median_txt_{lang}"] = _signed(b.median, lang)
        values[f"value_txt_{lang}"] = _signed(value, lang)
        values[f"larger_{lang}"] = _SIDE[lang][0 if value > 0 else 1].format(a=a, b=other)
    f = Finding(
        type="mirror_gap",
        subject={"partner": str(s.dims.get("partner") or partner), "flow": str(s.dims["flow"])},
        period=period_label(day, s.freq),
        period_start=day,
        freq=s.freq,
        values=values,
        indicators=[s.indicator_id],
        newest=s.points[-1][0],
    )
    # magnitude: 0.5 at the band's edge, 1 at twice its half-width from the median or more
    f.score_parts["magnitude"] = min(1.0, 0.5 * excess)
    f.score_parts["rarity"] = 1.0
    return f
