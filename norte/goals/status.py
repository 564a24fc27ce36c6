"""Traffic lights: the status of each target from the indicator's trend against the target.

The method (``docs/architecture.md``, "Goals"), in short:

1. The series is the indicator's values (``indicator_values``, one input vintage; a target's
   ``select`` pins one series of a multi-series indicator).
2. No value → **no data**. Target date passed (the latest period reaches the target period,
   or the vintage is after the target period) → judge the latest value: met → **on track**,
   not met → **off track**. Target already met before its date → **on track**.
3. Trend: from the value ``trend_years`` years before the latest period (same month) to the
   latest, compound annual growth (CAGR) when both are positive, else the linear slope per
   year. No value that many years back → **no data** (reason ``insufficient_trend``).
4. Projection to the target period; on track if it reaches the target within the first
   tolerance band (a fraction of |target|), at risk within the second, off track beyond;
   mirrored for lower-is-better.

Every status carries its numbers (:class:`Status`), so a page or the CLI can show why.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from norte.goals.catalog import SELECT_DIMS, Target, parse_date

ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
NO_DATA = "no_data"
NO_TARGET = "no_target"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA, NO_TARGET)

#: Why a status is what it is (``Status.reason``).
REASONS = {
    "projection": "the trend projected to the target date, compared with the target",
    "target_met": "the latest value already meets the target",
    "date_passed_met": "the target date has passed and the latest value meets the target",
    "date_passed_missed": "the target date has passed and the latest value misses the target",
    "no_values": "the indicator has no values in the store",
    "insufficient_trend": "no value trend_years before the latest period: too short for a trend",
    "ambiguous_series": "the indicator has several series; pin one with select",
    "not_measured": "no loaded dataset measures this (see data needed)",
    "no_target": "the catalog sets no target for this indicator",
    "series_stopped": "the series has stopped: its latest period is too old to judge",
    "negative_base": "a growth rate of a zero or negative value means nothing",
    "no_overlap": "the series and its benchmark share no period",
    "threshold_green": "at or beyond the green band (México, ¿cómo vamos? semáforo)",
    "threshold_amber": "in the amber band: short of the meta",
    "threshold_red": "below the amber band",
    "threshold_negative": "negative: the semáforo's own colour for a contraction",
    "significant_progress": "CAGR ≥ 1% a year in the desired direction (Eurostat)",
    "moderate_progress": "CAGR between 0% and 1% a year in the desired direction (Eurostat)",
    "moderate_away": "CAGR up to 1% a year against the desired direction (Eurostat)",
    "significant_away": "CAGR more than 1% a year against the desired direction (Eurostat)",
    "benchmark_ahead": "ahead of the benchmark now and on average over the window",
    "benchmark_mixed": "ahead of the benchmark now or on average over the window, not both",
    "benchmark_behind": "behind the benchmark now and on average over the window",
    "base_better": "at or beyond its value in the base period",
    "base_near": "slightly short of its value in the base period",
    "base_worse": "well short of its value in the base period",
}


@dataclass
class Status:
    """A light and the numbers behind it (every field is a column of ``goal_status``)."""

    status: str
    reason: str
    method: str | None = None
    indicator_id: str | None = None
    input_vintage: dt.date | None = None
    freq: str | None = None
    baseline_period: dt.date | None = None
    baseline_value: float | None = None
    latest_period: dt.date | None = None
    latest_value: float | None = None
    trend_from_period: dt.date | None = None
    trend_from_value: float | None = None
    growth: float | None = None
    projected_value: float | None = None
    target_value: float | None = None
    target_period: dt.date | None = None
    path_at_latest: float | None = None
    periods_used: int | None = None
    tolerance_on: float | None = None
    tolerance_risk: float | None = None
    direction: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in d.items()}


# -- time ---------------------------------------------------------------------------------------
_FREQ_MONTHS = {"M": 1, "Q": 3, "H": 6, "A": 12}


def period_of(date_text: str, freq: str) -> dt.date:
    """The period (first day) a target date falls in at ``freq``: ``"2030"`` is the last
    period of 2030 (``A``: 2030-01-01, ``M``: 2030-12-01); ``"2030-05"`` is the period
    holding May 2030."""
    y, m, _ = parse_date(date_text)
    step = _FREQ_MONTHS.get(freq, 1)
    month = 12 if m is None else m
    start = (month - 1) // step * step + 1
    return dt.date(y, start, 1)


def period_end(period: dt.date, freq: str) -> dt.date:
    months = _FREQ_MONTHS.get(freq, 1)
    y, m = divmod(period.month - 1 + months, 12)
    return dt.date(period.year + y, m + 1, 1) - dt.timedelta(days=1)


def years(period: dt.date) -> float:
    """A period as fractional years (``2024-07-01`` → 2024.5): the time axis of trends."""
    return period.year + (period.month - 1) / 12


def _shift_years(period: dt.date, n: int) -> dt.date:
    return period.replace(year=period.year - n)


# -- the method ---------------------------------------------------------------------------------
def _meets(value: float, target: float, direction: str) -> bool:
    return value >= target if direction == "higher_is_better" else value <= target


def _path(b_t: float, b_v: float, t_t: float, t_v: float, at: float) -> float:
    """The target path at time ``at``: compound from the baseline to the target when both
    are positive, straight otherwise."""
    if t_t == b_t:
        return t_v
    f = (at - b_t) / (t_t - b_t)
    if b_v > 0 and t_v > 0:
        return float(b_v * (t_v / b_v) ** f)
    return b_v + (t_v - b_v) * f


def evaluate(
    rows: Sequence[tuple[dt.date, float]],
    freq: str,
    target: Target,
    vintage: dt.date | None = None,
) -> Status:
    """The status of ``target`` given an indicator series ``rows`` ((period, value), any
    order; NULL values already dropped) of frequency ``freq`` known at ``vintage``."""
    assert target.date is not None, "a target on an indicator has a date"
    tp = period_of(target.date, freq)
    tv = target.value
    on, risk = target.tolerance
    st = Status(
        status=NO_DATA,
        reason="no_values",
        indicator_id=target.indicator,
        input_vintage=vintage,
        freq=freq,
        target_value=tv,
        target_period=tp,
        tolerance_on=on,
        tolerance_risk=risk,
        direction=target.direction,
    )
    data = dict(sorted(rows))
    if not data:
        return st
    latest_p = max(data)
    latest_v = data[latest_p]
    st.latest_period, st.latest_value = latest_p, latest_v
    # baseline (informational: the start of the target path)
    if target.baseline is not None:
        st.baseline_period = period_of(target.baseline, freq)
        st.baseline_value = (
            target.baseline_value
            if target.baseline_value is not None
            else data.get(st.baseline_period)
        )
    if st.baseline_value is not None and st.baseline_period is not None:
        st.path_at_latest = _path(
            years(st.baseline_period), st.baseline_value, years(tp), tv, years(latest_p)
        )
    met = _meets(latest_v, tv, target.direction)
    passed = latest_p >= tp or (vintage is not None and vintage > period_end(tp, freq))
    if passed:
        st.method = "latest_vs_target"
        st.periods_used = 1
        st.status, st.reason = (
            (ON_TRACK, "date_passed_met") if met else (OFF_TRACK, "date_passed_missed")
        )
        return st
    # the trend
    from_p = _shift_years(latest_p, target.trend_years)
    from_v = data.get(from_p)
    if from_v is not None:
        st.trend_from_period, st.trend_from_value = from_p, from_v
        st.periods_used = sum(1 for p in data if from_p <= p <= latest_p)
        horizon = years(tp) - years(latest_p)
        if latest_v > 0 and from_v > 0:
            st.method = "cagr"
            st.growth = (latest_v / from_v) ** (1 / target.trend_years) - 1
            st.projected_value = latest_v * (1 + st.growth) ** horizon
        else:
            st.method = "linear"
            st.growth = (latest_v - from_v) / target.trend_years
            st.projected_value = latest_v + st.growth * horizon
    if met:
        st.status, st.reason = ON_TRACK, "target_met"
        st.method = st.method or "latest_vs_target"
        return st
    if st.projected_value is None:
        st.status, st.reason = NO_DATA, "insufficient_trend"
        return st
    scale = abs(tv) or abs(st.baseline_value or 0.0) or 1.0
    gap = (
        st.projected_value - tv
        if target.direction == "higher_is_better"
        else tv - st.projected_value
    )
    st.reason = "projection"
    if gap >= -on * scale:
        st.status = ON_TRACK
    elif gap >= -risk * scale:
        st.status = AT_RISK
    else:
        st.status = OFF_TRACK
    if not math.isfinite(st.projected_value):
        st.status, st.reason = NO_DATA, "insufficient_trend"
    return st


# -- reading the store --------------------------------------------------------------------------
#: (connection id, what was asked) -> the answer, while :func:`reads_once` is active
_MEMO: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("norte_status_memo", default=None)


@contextmanager
def reads_once() -> Iterator[None]:
    """Within the block, :func:`vintages` and :func:`series` answer a question asked before
    from memory (per connection): for readers that do not write ``indicator_values``
    meanwhile, such as the site (the goal pages, the board and the home page ask the same
    series in three languages, a light's history once per stored vintage)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _memo(key: tuple[Any, ...]) -> tuple[dict[tuple[Any, ...], Any] | None, Any]:
    memo = _MEMO.get()
    return memo, (None if memo is None else memo.get(key))


def vintages(con: duckdb.DuckDBPyConnection, indicator_id: str) -> list[dt.date]:
    """The input vintages stored for an indicator, oldest first."""
    memo, hit = _memo(("vintages", id(con), indicator_id))
    if hit is not None:
        return list(hit)
    if memo is not None:  # every indicator's, in one scan (the site asks about a hundred)
        every: dict[str, list[dt.date]] = {}
        for ind, v in con.execute(
            "SELECT DISTINCT indicator_id, input_vintage FROM indicator_values ORDER BY 1, 2"
        ).fetchall():
            every.setdefault(str(ind), []).append(v)
        for ind, vs in every.items():
            memo[("vintages", id(con), ind)] = tuple(vs)
        memo[("vintages", id(con), indicator_id)] = tuple(every.get(indicator_id, ()))
        return list(every.get(indicator_id, []))
    rows = con.execute(
        "SELECT DISTINCT input_vintage FROM indicator_values WHERE indicator_id = ? ORDER BY 1",
        [indicator_id],
    ).fetchall()
    return [r[0] for r in rows]


def series(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    select: dict[str, str] | None,
    vintage: dt.date,
) -> tuple[list[tuple[dt.date, float]], str | None, list[str]]:
    """(rows, freq, varying dims) of one indicator at one input vintage; ``varying`` lists the
    dimensions that still take several values after ``select`` (an ambiguous series)."""
    key = ("series", id(con), indicator_id, tuple(sorted((select or {}).items())), vintage)
    memo, hit = _memo(key)
    if hit is not None:
        return list(hit[0]), hit[1], list(hit[2])
    where = ["indicator_id = ?", "input_vintage = ?", "value IS NOT NULL"]
    params: list[Any] = [indicator_id, vintage]
    for k, v in (select or {}).items():
        if k not in SELECT_DIMS:
            raise ValueError(f"select: unknown dimension {k!r}")
        where.append(f"{k} IS NOT DISTINCT FROM ?")
        params.append(v)
    cols = "period, value, freq, flow, partner, product_code, mode, geo_code, detail, measure"
    # only fixed column names are interpolated (select keys are checked against SELECT_DIMS)
    sql = f"SELECT {cols} FROM indicator_values WHERE {' AND '.join(where)} ORDER BY period"  # noqa: S608
    got = con.execute(sql, params).fetchall()
    out: tuple[list[tuple[dt.date, float]], str | None, list[str]] = ([], None, [])
    if got:
        dims = ("flow", "partner", "product_code", "mode", "geo_code", "detail", "measure")
        varying = [d for i, d in enumerate(dims) if len({r[3 + i] for r in got}) > 1]
        out = ([(r[0], float(r[1])) for r in got], str(got[0][2]), varying)
    if memo is not None:
        memo[key] = (tuple(out[0]), out[1], tuple(out[2]))
    return out


def status_at(
    con: duckdb.DuckDBPyConnection, target: Target, vintage: dt.date | None = None
) -> Status:
    """The status of an indicator target at ``vintage`` (default: the newest stored)."""
    assert target.indicator is not None
    if vintage is None:
        vs = vintages(con, target.indicator)
        vintage = vs[-1] if vs else None
    if vintage is None:
        return Status(
            NO_DATA,
            "no_values",
            indicator_id=target.indicator,
            target_value=target.value,
            tolerance_on=target.tolerance[0],
            tolerance_risk=target.tolerance[1],
            direction=target.direction,
        )
    rows, freq, varying = series(con, target.indicator, dict(target.select), vintage)
    if varying:
        return Status(
            NO_DATA,
            "ambiguous_series",
            method=f"select one of the varying dimensions: {', '.join(varying)}",
            indicator_id=target.indicator,
            input_vintage=vintage,
            target_value=target.value,
            direction=target.direction,
        )
    return evaluate(rows, freq or "A", target, vintage)


def history(con: duckdb.DuckDBPyConnection, target: Target) -> list[Status]:
    """The light at every stored input vintage of the target's indicator, oldest first."""
    assert target.indicator is not None
    return [status_at(con, target, v) for v in vintages(con, target.indicator)]


def commitment_status(target: Target) -> Status:
    """A commitment is measured by no loaded data: always "no data", with its numbers."""
    tp = None
    if target.date is not None:
        y, m, _ = parse_date(target.date)
        tp = dt.date(y, m or 1, 1)
    bp = None
    if target.baseline is not None:
        y, m, _ = parse_date(target.baseline)
        bp = dt.date(y, m or 1, 1)
    return Status(
        NO_DATA,
        "not_measured",
        baseline_period=bp,
        baseline_value=target.baseline_value,
        target_value=target.value,
        target_period=tp,
        direction=target.direction,
    )
