"""Breaks and gaps in a series: what a story must not be told across without saying so.

A **break** is a change in what a series measures, not in what happened:

- ``port_split``: a member of a breakdown (a port of all ports, a mode of all modes) first
  appears while another member of the same aggregate drops by a similar amount (BTS counts
  part of El Paso's trucks at Ysleta, port 2401, from March 2020: El Paso's 2020 "collapse" is
  a change of port codes); the reverse (a member stops while another jumps) too;
- ``code_list``: members of the same aggregate stop and others start in the same period
  without matching amounts (a new code list);
- documented breaks (``[[breaks]]`` in ``detectors.toml``): a base-year change, a code-list
  change an agency announces, with its wording in en/es/fr.

A break is stored in the finding data (``values.break_*``): every finding whose comparison
crosses one names it, and its score is multiplied by ``[score] break``.

A **gap** is a run of missing periods inside a series (the TransBorder files of October–December
2020 are missing): unknown, never zero and never a restart (:func:`gaps`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from norte.findings.data import Series
from norte.findings.model import period_end
from norte.findings.util import STEP_MONTHS, add_months, months_between

#: How close the newcomer's amount and the neighbour's drop must be (relative to the larger).
SPLIT_TOLERANCE = 0.35
#: ... and the neighbour's drop (jump) must be at least this share of its earlier level.
MIN_DROP = 0.2


@dataclass(frozen=True)
class Break:
    """A change of definition in one series: comparisons of a period before ``start`` with one
    at or after it (up to ``settled``, the first period fully on the new definition) cross it."""

    kind: str  # port_split | code_list | documented
    start: dt.date  # first month on the new definition
    settled: dt.date  # first period of the series fully on the new definition
    other: str = ""  # the member that took over (port_split)
    other_value: float | None = None
    other_period: dt.date | None = None
    note: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def crosses(self, before: dt.date, after: dt.date, freq: str) -> bool:
        """Whether a comparison of period ``before`` with period ``after`` crosses the break."""
        after_end = add_months(after, STEP_MONTHS.get(freq, 1) - 1)
        return before < self.settled and after_end >= self.start and before < self.start


#: ... and the amount must be at least this share of the aggregate (tiny ports are noise).
MIN_SHARE = 0.01


def _similar(change: float, amount: float, level: float, total: float) -> bool:
    """A drop (jump) ``change`` of a member from ``level`` matches a newcomer's (leaver's)
    ``amount``: both positive, within ``SPLIT_TOLERANCE``, at least ``MIN_DROP`` of the level
    and ``MIN_SHARE`` of the aggregate."""
    if change <= 0 or amount <= 0 or change < MIN_DROP * level or amount < MIN_SHARE * total:
        return False
    return abs(change - amount) <= SPLIT_TOLERANCE * max(change, amount)


def _add(out: dict[tuple[Any, ...], list[Break]], s: Series, brk: Break) -> None:
    have = out.setdefault(series_key(s), [])
    if brk not in have:
        have.append(brk)


def series_key(s: Series) -> tuple[str, tuple[tuple[str, str | None], ...]]:
    return (s.indicator_id, tuple(sorted(s.dims.items())))


def _member_dim(s: Series, breakdown: Iterable[str]) -> str | None:
    return next((d for d in breakdown if s.dims.get(d)), None)


def detect_breaks(
    series: list[Series],
    breakdown: list[str],
    first_months: Mapping[tuple[str, str], dt.date] | None = None,
) -> dict[tuple[Any, ...], list[Break]]:
    """Breaks of the breakdown series (ports, modes, products) by series key.

    ``first_months`` maps (dimension, code) to the first month the code appears in the raw
    observations (a port that starts in March 2020 has no complete year 2020: its first annual
    value is 2021, but the break is in 2020); without it the series' own first period is used."""
    groups: dict[tuple[Any, ...], list[Series]] = {}
    for s in series:
        dim = _member_dim(s, breakdown)
        if dim is None or not s.points:
            continue
        rest = tuple(sorted((k, v) for k, v in s.dims.items() if k != dim))
        groups.setdefault((s.indicator_id, dim, rest), []).append(s)
    out: dict[tuple[Any, ...], list[Break]] = {}
    for (_iid, dim, _rest), members in groups.items():
        if len(members) < 2:
            continue
        first = min(m.points[0][0] for m in members)
        last = max(m.points[-1][0] for m in members)
        starts = [m for m in members if m.points[0][0] > first]
        stops = [m for m in members if m.points[-1][0] < last]
        matched: set[int] = set()
        sums: dict[dt.date, float] = {}
        for m in members:
            for p, v in m.points:
                sums[p] = sums.get(p, 0.0) + v

        def total(p: dt.date, sums: dict[dt.date, float] = sums) -> float:
            return sums.get(p, 0.0)

        for new in starts:
            code = str(new.dims[dim])
            p_new, v_new = new.points[0]
            month = (first_months or {}).get((dim, code), p_new)
            for old in members:
                if old is new:
                    continue
                own = dict(old.points)
                before = [p for p in own if period_end(p, old.freq) < month]
                if not before or p_new not in own:
                    continue
                p0 = max(before)
                drop = own[p0] - own[p_new]
                if not _similar(drop, v_new, own[p0], total(p_new)):
                    continue
                # told on the series that lost the traffic (the newcomer has no earlier figures)
                _add(out, old, Break("port_split", month, p_new, code, v_new, p_new))
                matched |= {id(old), id(new)}
        for gone in stops:
            p_last = gone.points[-1][0]
            step = STEP_MONTHS.get(gone.freq, 1)
            p_next = add_months(p_last, step)
            v_gone = gone.points[-1][1]
            for heir in members:
                own = dict(heir.points)
                if heir is gone or p_last not in own or p_next not in own:
                    continue
                jump = own[p_next] - own[p_last]
                if not _similar(jump, v_gone, own[p_last], total(p_last)):
                    continue
                brk = Break("port_split", p_next, p_next, str(gone.dims[dim]), v_gone, p_last)
                _add(out, heir, brk)
                matched |= {id(heir), id(gone)}
        # members that start and stop in the same period without a match: a new code list
        stop_next = {add_months(m.points[-1][0], STEP_MONTHS.get(m.freq, 1)) for m in stops}
        for new in starts:
            if id(new) in matched or new.points[0][0] not in stop_next:
                continue
            if new.points[0][1] < MIN_SHARE * total(new.points[0][0]):
                continue  # a tiny new code is not a new code list
            brk = Break("code_list", new.points[0][0], new.points[0][0])
            for m in members:
                if m.points[-1][0] < new.points[0][0] and m.points[-1][1] > 0:
                    _add(out, m, brk)
    return out


def documented_breaks(
    series: list[Series], entries: Iterable[Mapping[str, Any]]
) -> dict[tuple[Any, ...], list[Break]]:
    """Breaks an agency documents (``[[breaks]]`` in ``detectors.toml``): ``indicator`` (an id
    or a base id), ``period`` (ISO date), ``kind`` (``base_year``, ``code_list``, ...) and
    ``note`` (en/es/fr: what changed)."""
    out: dict[tuple[Any, ...], list[Break]] = {}
    for e in entries:
        start = dt.date.fromisoformat(str(e["period"]))
        note = {str(k): str(v) for k, v in dict(e.get("note", {})).items()}
        for s in series:
            if str(e["indicator"]) in (s.indicator_id, s.base_id):
                brk = Break(str(e.get("kind", "documented")), start, start, note=note)
                out.setdefault(series_key(s), []).append(brk)
    return out


def crossing(brks: Iterable[Break], before: dt.date, after: dt.date, freq: str) -> Break | None:
    """The first break a comparison of ``before`` with ``after`` crosses."""
    return next((b for b in brks if b.crosses(before, after, freq)), None)


def inside(brks: Iterable[Break], start: dt.date, end: dt.date) -> Break | None:
    """The first break that starts inside the window ``start..end``."""
    return next((b for b in brks if start < b.start <= end), None)


def gaps(
    s: Series, start: dt.date | None = None, end: dt.date | None = None
) -> list[tuple[dt.date, dt.date]]:
    """(first, last) missing period of every run of missing periods between the series' points
    (within ``start..end`` when given)."""
    step = STEP_MONTHS.get(s.freq, 1)
    out: list[tuple[dt.date, dt.date]] = []
    pts = [p for p, _ in s.points if (start is None or p >= start) and (end is None or p <= end)]
    for a, b in zip(pts, pts[1:], strict=False):
        if months_between(a, b) > step:
            out.append((add_months(a, step), add_months(b, -step)))
    return out


def missing_count(window: list[tuple[dt.date, dt.date]], freq: str) -> int:
    step = STEP_MONTHS.get(freq, 1)
    return sum(months_between(a, b) // step + 1 for a, b in window)
