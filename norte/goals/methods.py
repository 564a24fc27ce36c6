"""The lights of indicators assessed without a dated target (threshold, direction of travel,
benchmark): pure functions of stored values, one input vintage at a time.

Each returns a :class:`~norte.goals.status.Status` whose ``status`` is one of the five colours
the pages know (on track = green, at risk = amber, off track = red, no data = grey) and whose
``reason`` names the method's own grade (``threshold_negative``, ``significant_progress``,
``benchmark_ahead`` …, :data:`GRADES`). ``baseline_*`` is where the comparison starts and
``latest_*`` where it ends: "from X to Y (period to period)". Sources of the methods:
docs/architecture.md, "Goals".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from norte.goals.assessment import Assessment
from norte.goals.status import (
    AT_RISK,
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    Status,
    period_end,
    period_of,
)

Rows = Sequence[tuple[dt.date, float]]

#: grade (``Status.reason``) → colour (``Status.status``)
GRADES = {
    "threshold_green": ON_TRACK,
    "threshold_amber": AT_RISK,
    "threshold_red": OFF_TRACK,
    "threshold_negative": OFF_TRACK,
    "significant_progress": ON_TRACK,
    "moderate_progress": AT_RISK,
    "moderate_away": OFF_TRACK,
    "significant_away": OFF_TRACK,
    "benchmark_ahead": ON_TRACK,
    "benchmark_mixed": AT_RISK,
    "benchmark_behind": OFF_TRACK,
    "base_better": ON_TRACK,
    "base_near": AT_RISK,
    "base_worse": OFF_TRACK,
}
#: reasons a method gives no colour
NO_LIGHT = ("no_values", "insufficient_trend", "series_stopped", "negative_base", "no_overlap")


def _back(period: dt.date, years: int) -> dt.date:
    return period.replace(year=period.year - years)


def _sign(direction: str) -> float:
    return 1.0 if direction == "higher_is_better" else -1.0


def _start(
    a: Assessment, rows: Rows, freq: str, vintage: dt.date | None, as_of: dt.date | None
) -> Status:
    """The common first steps: no values → no data; a series that stopped (its latest period
    ended more than ``max_age_years`` before ``as_of``, default the vintage) → no data.
    Returns the status filled with the latest value (``reason`` says when there is no light)."""
    data = dict(sorted(rows))
    st = Status(
        NO_DATA,
        "no_values",
        method=a.method,
        input_vintage=vintage,
        freq=freq,
        direction=a.direction,
        target_value=a.value,
    )
    if not data:
        return st
    latest = max(data)
    st.latest_period, st.latest_value = latest, data[latest]
    ref = as_of or vintage
    if ref is not None:
        age = (ref - period_end(latest, freq)).days / 365.25
        if age > a.max_age_years:
            st.reason = "series_stopped"
            return st
    return st


def _grade(st: Status, reason: str) -> Status:
    st.reason, st.status = reason, GRADES[reason]
    return st


def threshold(
    a: Assessment,
    rows: Rows,
    freq: str,
    vintage: dt.date | None = None,
    as_of: dt.date | None = None,
) -> Status:
    """México, ¿cómo vamos? semáforo: the latest value against the bands (green at or beyond
    ``thresholds[0]``, amber at or beyond ``thresholds[1]``, red beyond; a negative value its
    own grade when ``negative_distinct``). ``baseline`` = the same period a year earlier."""
    st = _start(a, rows, freq, vintage, as_of)
    if st.latest_value is None or st.reason == "series_stopped":
        return st
    data = dict(rows)
    assert st.latest_period is not None
    prev = _back(st.latest_period, 1)
    if prev in data:
        st.baseline_period, st.baseline_value = prev, data[prev]
    v, (green, amber) = st.latest_value, a.thresholds
    st.tolerance_on, st.tolerance_risk = green, amber
    st.periods_used = 1
    s = _sign(a.direction)
    if a.negative_distinct and v < 0:
        return _grade(st, "threshold_negative")
    if s * v >= s * green:
        return _grade(st, "threshold_green")
    if s * v >= s * amber:
        return _grade(st, "threshold_amber")
    return _grade(st, "threshold_red")


def direction(
    a: Assessment,
    rows: Rows,
    freq: str,
    vintage: dt.date | None = None,
    as_of: dt.date | None = None,
) -> Status:
    """Eurostat's direction of travel for indicators without a target: the compound annual
    growth rate from the same period ``window_years`` before the latest to the latest, in %
    a year, signed so that positive is the desired direction, against the thresholds. No
    value that far back → no data (``insufficient_trend``); a base or latest value ≤ 0 → no
    data (``negative_base``: a growth rate of a negative or zero value means nothing)."""
    st = _start(a, rows, freq, vintage, as_of)
    if st.latest_value is None or st.reason == "series_stopped":
        return st
    assert st.latest_period is not None
    data = dict(rows)
    start = _back(st.latest_period, a.window_years)
    if start not in data:
        st.reason = "insufficient_trend"
        return st
    v0, v1 = data[start], st.latest_value
    st.baseline_period, st.baseline_value = start, v0
    st.trend_from_period, st.trend_from_value = start, v0
    st.periods_used = sum(1 for p in data if start <= p <= st.latest_period)
    sig, mod, away = a.thresholds
    st.tolerance_on, st.tolerance_risk = sig, mod
    if v0 <= 0 or v1 <= 0:
        st.reason = "negative_base"
        return st
    st.growth = (v1 / v0) ** (1 / a.window_years) - 1
    progress = _sign(a.direction) * st.growth * 100
    if progress >= sig:
        return _grade(st, "significant_progress")
    if progress >= mod:
        return _grade(st, "moderate_progress")
    if progress >= away:
        return _grade(st, "moderate_away")
    return _grade(st, "significant_away")


def benchmark(
    a: Assessment,
    rows: Rows,
    freq: str,
    vintage: dt.date | None = None,
    bench: Rows = (),
    as_of: dt.date | None = None,
) -> Status:
    """Against another series (``bench``): ahead at the latest common period and ahead on
    average over the ``window_years`` up to it → ahead; one of the two → mixed; neither →
    behind. Against a base period: the latest value vs the base period's, as a fraction of
    |base| in the desired direction: ≥ ``tolerance[0]`` better, ≥ −``tolerance[1]`` near,
    else worse."""
    st = _start(a, rows, freq, vintage, as_of)
    if st.latest_value is None or st.reason == "series_stopped":
        return st
    assert st.latest_period is not None
    data = dict(rows)
    s = _sign(a.direction)
    if a.base_period is not None:
        bp = period_of(a.base_period, freq)
        if bp not in data:
            st.reason = "insufficient_trend"
            return st
        base = data[bp]
        st.baseline_period, st.baseline_value = bp, base
        st.target_value = base
        st.tolerance_on, st.tolerance_risk = a.tolerance
        if base == 0:
            st.reason = "negative_base"
            return st
        st.growth = s * (st.latest_value - base) / abs(base)
        st.periods_used = sum(1 for p in data if bp <= p <= st.latest_period)
        if st.growth >= a.tolerance[0]:
            return _grade(st, "base_better")
        if st.growth >= -a.tolerance[1]:
            return _grade(st, "base_near")
        return _grade(st, "base_worse")
    other = dict(bench)
    common = sorted(set(data) & set(other))
    if not common:
        st.reason = "no_overlap"
        return st
    last = common[-1]
    start = _back(last, a.window_years)
    window = [p for p in common if p > start]
    if start < min(common) or len(window) < 2:
        st.reason = "insufficient_trend"
        return st
    st.latest_period, st.latest_value = last, data[last]
    st.target_value = other[last]
    st.baseline_period, st.baseline_value = window[0], data[window[0]]
    st.trend_from_period, st.trend_from_value = window[0], other[window[0]]
    own_avg = sum(data[p] for p in window) / len(window)
    other_avg = sum(other[p] for p in window) / len(window)
    st.projected_value, st.path_at_latest = own_avg, other_avg
    st.periods_used = len(window)
    ahead_now = s * (data[last] - other[last]) > 0
    ahead_avg = s * (own_avg - other_avg) > 0
    if ahead_now and ahead_avg:
        return _grade(st, "benchmark_ahead")
    if ahead_now or ahead_avg:
        return _grade(st, "benchmark_mixed")
    return _grade(st, "benchmark_behind")


def assess(
    a: Assessment,
    rows: Rows,
    freq: str,
    vintage: dt.date | None = None,
    bench: Rows = (),
    as_of: dt.date | None = None,
) -> Status:
    """The status of ``rows`` (known at ``vintage``; judged for staleness at ``as_of``,
    default the vintage) under the method ``a``."""
    if a.method == "threshold":
        return threshold(a, rows, freq, vintage, as_of)
    if a.method == "direction":
        return direction(a, rows, freq, vintage, as_of)
    return benchmark(a, rows, freq, vintage, bench, as_of)
