"""How an indicator without a dated target is assessed: the method, its parameters and its
source, as written on an indicator of a goal (``[[goal.indicators]]`` in the catalog,
``[[goals.indicators]]`` tables in a stakeholder file)::

    [[goal.indicators]]
    id = "real-gdp-yoy-mex"
    direction = "higher_is_better"           # the desired direction ...
    rationale = { en = ..., es = ..., fr = ... }   # ... and why, from the report
    about = { what = {...}, why = {...}, want = {...} }   # ¿Qué es? ¿Por qué importa? ¿Qué queremos?
    method = "threshold"                     # threshold | direction | benchmark
    value = 4.5                              # threshold: the meta (goal value)
    thresholds = [4.5, 3.4]                  # threshold: green at or beyond the first, amber the second
    negative_distinct = true                 # threshold: a negative value has its own light
    citation = "who set the bands, where"

- ``direction``: ``window_years`` (default 5) and ``thresholds`` in percent a year (default
  ``[1.0, 0.0, -1.0]``): the compound annual growth rate over the window, signed so that
  positive is the desired direction, is significant progress at or above the first, moderate
  progress at or above the second, moderate movement away at or above the third, significant
  movement away below it.
- ``benchmark``: either ``benchmark = "<indicator id>"`` (with ``benchmark_select``) — ahead of
  the other series at the latest common period *and* on average over ``window_years`` — or
  ``base_period = "2020-07"`` — the latest value against the value of the base period, with
  ``tolerance = [on, risk]`` as fractions of |base| (default ``[0.0, 0.05]``).

Every method also knows when a series has stopped: its latest period ended more than
``max_age_years`` (default 2) before the input vintage → "no data" (``series_stopped``).
Methods and sources: docs/architecture.md, "Goals".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from norte.goals.fields import (
    DIRECTIONS,
    _Ctx,
    _date,
    _indicator_id,
    _no_unknown,
    _number,
    _require,
    _select,
    _text,
)

METHODS = ("threshold", "direction", "benchmark")
#: Eurostat's thresholds for indicators without a quantitative target, % a year (see docs).
EUROSTAT_THRESHOLDS = (1.0, 0.0, -1.0)
DEFAULT_WINDOW_YEARS = 5
DEFAULT_BASE_TOLERANCE = (0.0, 0.05)
DEFAULT_MAX_AGE_YEARS = 2.0
ABOUT_KEYS = ("what", "why", "want")

Text = Mapping[str, str]


@dataclass(frozen=True)
class Assessment:
    """A method and its parameters (the fields a method does not use keep their defaults)."""

    method: str
    direction: str
    citation: str
    value: float | None = None
    thresholds: tuple[float, ...] = ()
    negative_distinct: bool = False
    window_years: int = DEFAULT_WINDOW_YEARS
    benchmark: str | None = None
    benchmark_select: Mapping[str, str] = field(default_factory=dict)
    base_period: str | None = None
    tolerance: tuple[float, float] = DEFAULT_BASE_TOLERANCE
    max_age_years: float = DEFAULT_MAX_AGE_YEARS

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "direction": self.direction,
            "citation": self.citation,
            "value": self.value,
            "thresholds": list(self.thresholds),
            "negative_distinct": self.negative_distinct,
            "window_years": self.window_years,
            "benchmark": self.benchmark,
            "benchmark_select": dict(self.benchmark_select),
            "base_period": self.base_period,
            "tolerance": list(self.tolerance),
            "max_age_years": self.max_age_years,
        }


REF_FIELDS = (
    "id",
    "select",
    "no_target",
    "direction",
    "rationale",
    "about",
    "method",
    "value",
    "thresholds",
    "negative_distinct",
    "window_years",
    "benchmark",
    "benchmark_select",
    "base_period",
    "tolerance",
    "max_age_years",
    "citation",
    "key",
    "movers",
)


#: method parameters and the methods that use them
_PARAMS = {
    "value": ("threshold",),
    "thresholds": ("threshold", "direction"),
    "negative_distinct": ("threshold",),
    "window_years": ("direction", "benchmark"),
    "benchmark": ("benchmark",),
    "benchmark_select": ("benchmark",),
    "base_period": ("benchmark",),
    "tolerance": ("benchmark",),
}


def _numbers(c: _Ctx, v: Any, where: str, n: int, fix: str) -> tuple[float, ...]:
    if (
        not isinstance(v, list)
        or len(v) != n
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
    ):
        raise c.fail(where, f"expected {n} numbers, got {v!r}", fix)
    return tuple(float(x) for x in v)


def parse_about(c: _Ctx, v: Any, where: str, langs: bool) -> dict[str, dict[str, str]]:
    """``{what, why, want}``, each a text in en/es/fr."""
    if not isinstance(v, dict):
        raise c.fail(
            where, "expected a table", "write about = { what = ..., why = ..., want = ... }"
        )
    _no_unknown(c, v, where, ABOUT_KEYS)
    return {
        k: _text(
            c, _require(c, v, where, k, "{ en = ..., es = ..., fr = ... }"), f"{where}.{k}", langs
        )
        for k in ABOUT_KEYS
    }


def parse_direction(c: _Ctx, raw: Mapping[str, Any], where: str) -> str:
    d = _require(c, raw, where, "direction", '"higher_is_better"')
    if d not in DIRECTIONS:
        raise c.fail(
            f"{where}.direction",
            f"unknown direction {d!r}",
            f"use {' or '.join(repr(x) for x in DIRECTIONS)}",
        )
    return str(d)


def parse_assessment(c: _Ctx, raw: Mapping[str, Any], where: str) -> Assessment | None:
    """The assessment of an indicator reference (None when it names no ``method``)."""
    if "method" not in raw:
        for k in ("thresholds", "benchmark", "base_period", "window_years", "value"):
            if k in raw:
                raise c.fail(f"{where}.{k}", "given without a method", 'add method = "..."')
        return None
    method = raw["method"]
    if method not in METHODS:
        raise c.fail(
            f"{where}.method", f"unknown method {method!r}", f"use one of: {', '.join(METHODS)}"
        )
    for k, used_by in _PARAMS.items():
        if k in raw and method not in used_by:
            raise c.fail(
                f"{where}.{k}",
                f"not a parameter of method {method!r}",
                f"remove it, or use method {' or '.join(repr(m) for m in used_by)}",
            )
    direction = parse_direction(c, raw, where)
    citation = _require(c, raw, where, "citation", '"who set the method or bands, and where"')
    if not isinstance(citation, str) or not citation.strip():
        raise c.fail(f"{where}.citation", "expected text", "name the source of the method")
    window = raw.get("window_years", DEFAULT_WINDOW_YEARS)
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise c.fail(
            f"{where}.window_years", f"expected a whole number >= 1, got {window!r}", "e.g. 5"
        )
    age = raw.get("max_age_years", DEFAULT_MAX_AGE_YEARS)
    if isinstance(age, bool) or not isinstance(age, int | float) or age <= 0:
        raise c.fail(f"{where}.max_age_years", f"expected a number > 0, got {age!r}", "e.g. 2")
    kw: dict[str, Any] = {"window_years": window, "max_age_years": float(age)}
    if method == "threshold":
        kw["value"] = _number(c, _require(c, raw, where, "value", "<the meta>"), f"{where}.value")
        t = _numbers(
            c,
            _require(c, raw, where, "thresholds", "[green, amber]"),
            f"{where}.thresholds",
            2,
            "thresholds = [green_from, amber_from], e.g. [4.5, 3.4]",
        )
        ordered = t[0] >= t[1] if direction == "higher_is_better" else t[0] <= t[1]
        if not ordered:
            raise c.fail(
                f"{where}.thresholds",
                f"bands out of order for {direction}: {list(t)}",
                "the green bound comes first (the larger one when higher is better)",
            )
        kw["thresholds"] = t
        neg = raw.get("negative_distinct", False)
        if not isinstance(neg, bool):
            raise c.fail(f"{where}.negative_distinct", f"expected true or false, got {neg!r}", "")
        kw["negative_distinct"] = neg
    elif method == "direction":
        t = _numbers(
            c,
            raw.get("thresholds", list(EUROSTAT_THRESHOLDS)),
            f"{where}.thresholds",
            3,
            "thresholds = [significant, moderate, away] in % a year, e.g. [1.0, 0.0, -1.0]",
        )
        if not t[0] >= t[1] >= t[2]:
            raise c.fail(
                f"{where}.thresholds", f"not decreasing: {list(t)}", "e.g. [1.0, 0.0, -1.0]"
            )
        kw["thresholds"] = t
    else:
        has_b, has_p = "benchmark" in raw, "base_period" in raw
        if has_b == has_p:
            raise c.fail(
                where,
                "a benchmark needs exactly one of benchmark or base_period",
                'add benchmark = "<indicator id>" or base_period = "2020-07"',
            )
        if has_b:
            kw["benchmark"] = _indicator_id(c, raw["benchmark"], f"{where}.benchmark")
            kw["benchmark_select"] = _select(
                c, raw.get("benchmark_select", {}), f"{where}.benchmark_select"
            )
        else:
            kw["base_period"] = _date(c, raw["base_period"], f"{where}.base_period")
            tol = _numbers(
                c,
                raw.get("tolerance", list(DEFAULT_BASE_TOLERANCE)),
                f"{where}.tolerance",
                2,
                "tolerance = [on, risk] fractions of |base|, e.g. [0.0, 0.05]",
            )
            if tol[0] < 0 or tol[1] < 0:
                raise c.fail(f"{where}.tolerance", f"expected 0 <= on, risk: {list(tol)}", "")
            kw["tolerance"] = (tol[0], tol[1])
    return Assessment(method=method, direction=direction, citation=citation, **kw)
