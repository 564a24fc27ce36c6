"""The transforms of the catalog, each written once as an Ibis expression.

A transform takes and returns a *frame*: an Ibis table with the dimensions
:data:`norte.indicators.catalog.DIMS`, ``period`` (DATE, first day) and ``value`` (DOUBLE), one
row per dimensions x period. The frequency is tracked statically (:class:`Frame`). The same
expressions compile to DuckDB SQL and to Spark SQL; the rules that keep the two equal:

- divisions are guarded with ``nullif(0)`` (Spark's ANSI mode raises DIVIDE_BY_ZERO);
- windows partition and group on possibly-NULL dimensions (both engines treat NULLs as one
  group) and never join on them;
- lags are RANGE windows on an integer period index, so a gap gives NULL, never a value
  compared with the wrong period.

Formulas are in ``docs/architecture.md`` ("Indicators").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from norte.indicators.catalog import DIMS, base_date

#: Periods per year for each frequency (``H`` is a half-year).
PER_YEAR = {"M": 12, "Q": 4, "H": 2, "A": 1}


@dataclass(frozen=True)
class Frame:
    table: ir.Table
    freq: str


def _others(*drop: str) -> list[str]:
    return [d for d in DIMS if d not in drop]


def _null_str() -> ir.Value:
    return ibis.null().cast("string")


def _normalize(t: ir.Table) -> ir.Table:
    """One row per dimensions x period."""
    return t.group_by([*DIMS, "period"]).aggregate(value=t.value.sum())


def period_index(t: ir.Table, freq: str) -> ir.IntegerValue:
    """Consecutive integers for consecutive periods of ``freq``."""
    y = t.period.year()
    m = t.period.month() - 1
    if freq == "M":
        return y * 12 + m
    if freq == "Q":
        return y * 4 + m // 3
    if freq == "H":
        return y * 2 + m // 6
    return y


def _lag(t: ir.Table, freq: str, n: int) -> tuple[ir.Value, ir.Value]:
    """The value exactly ``n`` periods before (NULL when that period is missing): a RANGE
    window on the period index, so gaps in the series never pair the wrong periods."""
    pi = period_index(t, freq)
    w = ibis.window(group_by=[t[d] for d in DIMS], order_by=pi, range=(-n, -n))
    return t.value.max().over(w), pi


def op_filter(f: Frame, **dims: Any) -> Frame:
    t = f.table
    for d, v in dims.items():
        t = t.filter(t[d] == v) if isinstance(v, str) else t.filter(t[d].isin(list(v)))
    return Frame(t, f.freq)


def op_sum(f: Frame, over: list[str], label: str | None = None) -> Frame:
    value = ibis.literal(label, "string") if label else _null_str()
    t = f.table.mutate(**{d: value for d in over})
    return Frame(_normalize(t), f.freq)


def op_regroup(f: Frame, dim: str, map: Mapping[str, str]) -> Frame:  # noqa: A002
    t = f.table
    col = t[dim]
    expr = ibis.cases(*((col == k, ibis.literal(v, "string")) for k, v in map.items()), else_=col)
    return Frame(_normalize(t.mutate(**{dim: expr})), f.freq)


def _to_year_part(f: Frame, parts: int, how: str, complete: bool, freq: str) -> Frame:
    t = f.table
    months_per_part = 12 // parts
    start_month = ((t.period.month() - 1) // months_per_part) * months_per_part + 1
    start = ibis.date(t.period.year(), start_month, 1)
    t = t.mutate(period=start)
    agg = t.value.sum() if how == "sum" else t.value.mean()
    g = t.group_by([*DIMS, "period"]).aggregate(value=agg, n=t.value.count())
    expected = PER_YEAR[f.freq] // parts
    if complete:
        g = g.filter(g.n == expected)
    return Frame(g.drop("n"), freq)


def op_annual(f: Frame, how: str = "sum", complete: bool = True) -> Frame:
    """Calendar-year aggregate; with ``complete`` only years with every sub-period."""
    return _to_year_part(f, 1, how, complete, "A")


def op_half(f: Frame, how: str = "sum", complete: bool = True) -> Frame:
    """Half-year aggregate (January–June, July–December), period = first day of the half."""
    return _to_year_part(f, 2, how, complete, "H")


def op_ytd(f: Frame) -> Frame:
    """Year-to-date sum; NULL when a month of the year so far is missing."""
    t = f.table
    year = t.period.year()
    w = ibis.window(
        group_by=[*(t[d] for d in DIMS), year], order_by=t.period, preceding=None, following=0
    )
    pos = period_index(t, f.freq) - year * PER_YEAR[f.freq] + 1
    t = t.mutate(_v=t.value.sum().over(w), _n=t.value.count().over(w), _pos=pos)
    t = t.mutate(value=ibis.ifelse(t._n == t._pos, t._v, ibis.null().cast("float64")))
    return Frame(t.drop("_v", "_n", "_pos"), f.freq)


def op_rolling(f: Frame, months: int = 12, how: str = "sum") -> Frame:
    """Sum (or mean) of the last ``months`` periods, only where all of them are present."""
    t = f.table
    pi = period_index(t, f.freq)
    w = ibis.window(
        group_by=[t[d] for d in DIMS], order_by=t.period, preceding=months - 1, following=0
    )
    agg = t.value.sum() if how == "sum" else t.value.mean()
    t = t.mutate(_v=agg.over(w), _n=t.value.count().over(w), _first=pi.min().over(w), _pi=pi)
    ok = (t._n == months) & (t._pi - t._first == months - 1)
    t = t.mutate(value=ibis.ifelse(ok, t._v, ibis.null().cast("float64")))
    return Frame(t.drop("_v", "_n", "_first", "_pi"), f.freq)


def op_yoy(f: Frame, kind: str = "pct") -> Frame:
    """Change on the same period a year earlier: percent (of |previous|) or absolute."""
    t = f.table
    prev, _ = _lag(t, f.freq, PER_YEAR[f.freq])
    t = t.mutate(_prev=prev)
    if kind == "abs":
        value = t.value - t._prev
    else:
        value = (t.value - t._prev) / t._prev.abs().nullif(0) * 100
    return Frame(t.mutate(value=value).drop("_prev"), f.freq)


def op_pop(f: Frame, annualize: bool = False) -> Frame:
    """Change on the previous period, percent; with ``annualize`` compounded to a yearly rate
    as BEA and StatCan publish quarterly GDP growth: ((v / v[-1])^(periods per year) − 1) x 100
    (NULL when the previous period is missing or the ratio is not positive)."""
    t = f.table
    prev, _ = _lag(t, f.freq, 1)
    t = t.mutate(_ratio=t.value / prev.nullif(0))
    if annualize:
        grown = (t._ratio ** float(PER_YEAR[f.freq]) - 1) * 100
    else:
        grown = (t._ratio - 1) * 100
    t = t.mutate(value=ibis.ifelse(t._ratio > 0, grown, ibis.null().cast("float64")))
    return Frame(t.drop("_ratio"), f.freq)


def op_share(f: Frame, dim: str, total: str | None = None) -> Frame:
    """Percent of a total: the row whose ``dim`` is ``total`` (kept out of the result), or the
    sum of all rows of the period."""
    t = f.table
    part = [*(t[d] for d in _others(dim)), t.period]
    w = ibis.window(group_by=part)
    if total is None:
        denom = t.value.sum().over(w)
    else:
        denom = ibis.ifelse(t[dim] == total, t.value, ibis.null().cast("float64")).max().over(w)
    t = t.mutate(value=t.value / denom.nullif(0) * 100)
    if total is not None:
        t = t.filter(t[dim] != total)
    return Frame(t, f.freq)


def op_rank(f: Frame, dim: str, order: str = "desc") -> Frame:
    """Rank (1 = largest with ``desc``) among the rows of the period; ties share the rank."""
    t = f.table.filter(f.table.value.notnull())
    key = t.value.desc() if order == "desc" else t.value.asc()
    w = ibis.window(group_by=[*(t[d] for d in _others(dim)), t.period], order_by=key)
    return Frame(t.mutate(value=(ibis.rank().over(w) + 1).cast("float64")), f.freq)


def op_top(f: Frame, dim: str, n: int) -> Frame:
    """Keep the ``n`` members of ``dim`` with the largest value summed over flows, per period
    (e.g. the top 5 partners by total trade, before ``tdr``)."""
    t = f.table
    t = t.mutate(
        _tot=t.value.sum().over(ibis.window(group_by=[*(t[d] for d in _others("flow")), t.period]))
    )
    w = ibis.window(
        group_by=[*(t[d] for d in _others("flow", dim)), t.period], order_by=t._tot.desc()
    )
    t = t.mutate(_r=ibis.dense_rank().over(w))
    return Frame(t.filter(t._r < n).drop("_tot", "_r"), f.freq)


def _pivot_flows(f: Frame, label: str, formula: Callable[[Any, Any, Any], ir.Value]) -> Frame:
    t = f.table
    g = t.group_by([*_others("flow"), "period"]).aggregate(
        ex=t.value.sum(where=t.flow == "export"),
        im=t.value.sum(where=t.flow == "import"),
        pr=t.value.sum(where=t.flow == "production"),
    )
    g = g.mutate(flow=ibis.literal(label, "string"), value=formula(g.ex, g.im, g.pr))
    return Frame(g.select(*DIMS, "period", "value"), f.freq)


def op_balance(f: Frame) -> Frame:
    """exports − imports."""
    return _pivot_flows(f, "balance", lambda ex, im, pr: ex - im)


def op_total(f: Frame) -> Frame:
    """exports + imports."""
    return _pivot_flows(f, "total", lambda ex, im, pr: ex + im)


def op_tdr(f: Frame) -> Frame:
    """Trade deficit ratio (imports − exports) / exports."""
    return _pivot_flows(f, "tdr", lambda ex, im, pr: (im - ex) / ex.nullif(0))


def op_availability_share(f: Frame) -> Frame:
    """Imports as a percent of availability: imports / (production − exports + imports) x 100."""
    return _pivot_flows(
        f, "availability_share", lambda ex, im, pr: im / (pr - ex + im).nullif(0) * 100
    )


def op_cagr(f: Frame, years: int) -> Frame:
    """Compound annual growth over ``years`` years, percent: ((v / v[-years])^(1/years) − 1) x 100."""
    t = f.table
    prev, _ = _lag(t, f.freq, PER_YEAR[f.freq] * years)
    t = t.mutate(_ratio=t.value / prev.nullif(0))
    grown = (t._ratio ** (1.0 / years) - 1) * 100
    t = t.mutate(value=ibis.ifelse(t._ratio > 0, grown, ibis.null().cast("float64")))
    return Frame(t.drop("_ratio"), f.freq)


def op_index(f: Frame, base: str) -> Frame:
    """Index to a base period = 100: v / v[base] x 100."""
    t = f.table
    day = ibis.date(base_date(base))
    w = ibis.window(group_by=[t[d] for d in DIMS])
    at_base = ibis.ifelse(t.period == day, t.value, ibis.null().cast("float64")).max().over(w)
    return Frame(t.mutate(value=t.value / at_base.nullif(0) * 100), f.freq)


def op_hhi(f: Frame, dim: str) -> Frame:
    """Herfindahl-Hirschman index over ``dim``: sum of squared percent shares (0–10,000)."""
    t = f.table
    w = ibis.window(group_by=[*(t[d] for d in _others(dim)), t.period])
    t = t.mutate(_s=t.value / t.value.sum().over(w).nullif(0) * 100)
    g = t.group_by([*_others(dim), "period"]).aggregate(value=(t._s * t._s).sum())
    return Frame(g.mutate(**{dim: _null_str()}).select(*DIMS, "period", "value"), f.freq)


def op_scale(f: Frame, factor: float) -> Frame:
    return Frame(f.table.mutate(value=f.table.value * factor), f.freq)


def op_gap(f: Frame, dim: str, ref: str) -> Frame:
    """Difference to a reference member of ``dim`` (e.g. each state minus the national value)."""
    t = f.table
    w = ibis.window(group_by=[*(t[d] for d in _others(dim)), t.period])
    ref_v = ibis.ifelse(t[dim] == ref, t.value, ibis.null().cast("float64")).max().over(w)
    t = t.mutate(value=t.value - ref_v)
    return Frame(t.filter(t[dim] != ref), f.freq)


def op_fill(f: Frame, dim: str, value: str) -> Frame:
    """Give the rows whose ``dim`` is NULL ("all of it", e.g. a nation's own row among its
    states) the code ``value``, so ``gap`` can name it as its reference."""
    t = f.table
    return Frame(_normalize(t.mutate(**{dim: t[dim].fill_null(value)})), f.freq)


def op_spread(f: Frame, dim: str, label: str | None = None) -> Frame:
    """Best minus worst: max − min over the members of ``dim``, per period."""
    t = f.table
    g = t.group_by([*_others(dim), "period"]).aggregate(value=t.value.max() - t.value.min())
    value = ibis.literal(label, "string") if label else _null_str()
    return Frame(g.mutate(**{dim: value}).select(*DIMS, "period", "value"), f.freq)


def _national(t: ir.Table) -> ir.Table:
    return t.filter(
        t.product_code.isnull() & t.mode.isnull() & t.geo_code.isnull() & t.detail.isnull()
    )


def op_mirror_gap(a: Frame, b: Frame) -> Frame:
    """The mirror gap of two reporters' figures of one flow, percent of side A:
    (A − B) / A x 100 per period, national totals of each side only (no product, mode,
    customs-office or detail rows); a period missing on either side has none. Joined on
    ``period`` alone (never on a possibly-NULL dimension); the result keeps side A's
    dimensions. Not a catalog op: a definition with a ``mirror`` series ends with it."""
    if a.freq != b.freq:
        raise ValueError(f"mirror sides have frequencies {a.freq} and {b.freq}")
    ta = _national(a.table)
    tb = _national(b.table)
    tb = tb.group_by("period").aggregate(_b=tb.value.sum(), _n=tb.value.count())
    j = ta.inner_join(tb.filter(tb._n == 1), "period")
    value = (j.value - j._b) / j.value.nullif(0) * 100
    return Frame(j.select(*DIMS, "period", value=value), a.freq)


OPS: dict[str, Callable[..., Frame]] = {
    "filter": op_filter,
    "sum": op_sum,
    "regroup": op_regroup,
    "annual": op_annual,
    "half": op_half,
    "ytd": op_ytd,
    "rolling": op_rolling,
    "yoy": op_yoy,
    "pop": op_pop,
    "share": op_share,
    "rank": op_rank,
    "top": op_top,
    "balance": op_balance,
    "total": op_total,
    "tdr": op_tdr,
    "cagr": op_cagr,
    "index": op_index,
    "hhi": op_hhi,
    "availability_share": op_availability_share,
    "scale": op_scale,
    "fill": op_fill,
    "gap": op_gap,
    "spread": op_spread,
}
