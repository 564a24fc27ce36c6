"""The detectors: rank changes, records, large year-over-year moves, streaks, target crossings
and revisions that change a ranking. Each returns :class:`~norte.findings.model.Finding` objects
with their numbers in ``values``; wording and scores are added by :mod:`norte.findings.run`.

Which indicators each detector scans, and its thresholds, are data: ``detectors.toml``.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import math
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from norte.findings.data import GroupKey, Series, Vintages
from norte.findings.model import Finding, Value, period_end, period_label
from norte.indicators import Definition

STEP_MONTHS = {"M": 1, "Q": 3, "H": 6, "A": 12}


@cache
def config() -> dict[str, Any]:
    """``detectors.toml``, parsed."""
    text = resources.files(__package__).joinpath("detectors.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def select_series_ids(ids: Iterable[tuple[str, str, str]], cfg: Mapping[str, Any]) -> list[str]:
    """Indicator ids (from ``(indicator_id, base_id, unit)``) matched by the ``[[series]]`` rules."""
    out: list[str] = []
    for iid, _base, unit in ids:
        for rule in cfg.get("series", []):
            if unit not in rule.get("units", [unit]):
                continue
            if not any(fnmatch.fnmatchcase(iid, p) for p in rule["indicators"]):
                continue
            if any(fnmatch.fnmatchcase(iid, p) for p in rule.get("exclude", [])):
                continue
            out.append(iid)
            break
    return out


def _iso(d: dt.date) -> str:
    return d.isoformat()


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


# -- rank changes and ranking revisions ------------------------------------------------------
@dataclass
class RankInputs:
    """A rank definition's ranks and ranked values (latest), and per period the values of the
    earliest vintage that holds the period (when the store holds an earlier vintage)."""

    defn: Definition
    spec: Mapping[str, Any]
    ranks: dict[GroupKey, dict[dt.date, dict[str, float]]]
    values: dict[GroupKey, dict[dt.date, dict[str, float]]]
    #: group -> period -> (vintage, ranks, values) of the earliest vintage holding the period
    earliest: dict[GroupKey, dict[dt.date, tuple[dt.date, dict[str, float], dict[str, float]]]] = (
        field(default_factory=dict)
    )
    sources: list[tuple[str, str]] = field(default_factory=list)


def _holder(ranks: Mapping[str, float], place: int) -> str | None:
    hits = [p for p, r in ranks.items() if r == place]
    return hits[0] if len(hits) == 1 else None


def _latest_vintage(
    vint: Vintages, sources: list[tuple[str, str]], start: dt.date, freq: str
) -> dt.date | None:
    end = period_end(start, freq)
    vs = [v for s, d in sources if (v := vint.latest(s, d, start, end)) is not None]
    return max(vs) if vs else None


def rank_changes(ri: RankInputs, vint: Vintages, weight: Callable[[str], float]) -> list[Finding]:
    """A country taking a place (1..top) from the one that held it in the previous period."""
    out: list[Finding] = []
    top = int(ri.spec.get("top", 2))
    freq = ri.defn.freq
    for group, by_period in ri.ranks.items():
        periods = sorted(by_period)
        vals = ri.values.get(group, {})
        for i in range(1, len(periods)):
            p0, p1 = periods[i - 1], periods[i]
            r0, r1 = by_period[p0], by_period[p1]
            if ri.spec.get("period_kind") == "ytd" and p1.month == 1:
                continue  # January year to date is the monthly ranking: reported there
            for place in range(1, top + 1):
                a, b = _holder(r1, place), _holder(r0, place)
                if a is None or b is None or a == b:
                    continue
                if a not in r0 or b not in r1 or not (r0[a] > r0[b] and r1[a] < r1[b]):
                    continue
                v1, v0 = vals.get(p1, {}), vals.get(p0, {})
                if a not in v1 or b not in v1 or a not in v0 or b not in v0:
                    continue
                last = next(
                    (p for p in reversed(periods[: i - 1]) if _ahead(by_period[p], a, b)), None
                )
                # the subject is the partner a reader cares about more; ties: the riser
                loser_matters = weight(b) > weight(a)
                subj, oth = (b, a) if loser_matters else (a, b)
                values: dict[str, Value] = {
                    "variant": "rank_change_fell_behind"
                    if loser_matters
                    else "rank_change_overtook",
                    "period_start": _iso(p1),
                    "freq": freq,
                    "period_kind": str(ri.spec.get("period_kind", "period")),
                    "unit": _value_unit(ri.defn),
                    "place": place,
                    "leader": a,
                    "rank": r1[subj],
                    "other_rank": r1[oth],
                    "previous_rank": r0[subj],
                    "other_previous_rank": r0[oth],
                    "value": v1[subj],
                    "comparison": v1[oth],
                    "previous_period": _iso(p0),
                    "prev_value": v0[subj],
                    "prev_comparison": v0[oth],
                    "series_start": _iso(periods[0]),
                    "first_in_series": last is None,
                    "last_ahead": _iso(last) if last else None,
                }
                latest_v = _latest_vintage(vint, ri.sources, p1, freq)
                e = ri.earliest.get(group, {}).get(p1)
                if e is not None and latest_v is not None and e[0] < latest_v:
                    ev, er, eval_ = e
                    if subj in eval_ and oth in eval_ and a in er and b in er:
                        values |= {
                            "earliest_vintage": _iso(ev),
                            "latest_vintage": _iso(latest_v),
                            "earliest_value": eval_[subj],
                            "earliest_comparison": eval_[oth],
                            "holds_in_earliest": _ahead(er, a, b),
                        }
                f = Finding(
                    type="rank_change",
                    subject={"partner": subj, "other": oth, "place": str(place)},
                    period=period_label(p1, freq),
                    period_start=p1,
                    freq=freq,
                    values=values,
                    indicators=[ri.defn.id],
                )
                f.newest = periods[-1]
                out.append(f)
    return out


def _ahead(ranks: Mapping[str, float], a: str, b: str) -> bool:
    return a in ranks and b in ranks and ranks[a] < ranks[b]


def _value_unit(defn: Definition) -> str:
    unit = defn.series.get("unit")
    return str(unit) if isinstance(unit, str) else "USD"


def rank_revisions(ri: RankInputs, vint: Vintages) -> list[Finding]:
    """A place (1..top) held by a different country in the earliest vintage than in the latest."""
    out: list[Finding] = []
    top = int(ri.spec.get("top", 2))
    freq = ri.defn.freq
    for group, by_period in ri.earliest.items():
        latest_ranks = ri.ranks.get(group, {})
        latest_vals = ri.values.get(group, {})
        for p, (ev, er, evals) in sorted(by_period.items()):
            lr, lv = latest_ranks.get(p), latest_vals.get(p, {})
            latest_v = _latest_vintage(vint, ri.sources, p, freq)
            if lr is None or latest_v is None or ev >= latest_v:
                continue
            if ri.spec.get("period_kind") == "ytd" and p.month == 1:
                continue  # January year to date is the monthly ranking: reported there
            for place in range(1, top + 1):
                a, b = _holder(er, place), _holder(lr, place)  # a first, b after revision
                if a is None or b is None or a == b:
                    continue
                if not (_ahead(er, a, b) and _ahead(lr, b, a)):
                    continue
                if not all(x in d for x in (a, b) for d in (evals, lv)):
                    continue
                values: dict[str, Value] = {
                    "variant": "revision_rank",
                    "period_start": _iso(p),
                    "freq": freq,
                    "period_kind": str(ri.spec.get("period_kind", "period")),
                    "unit": _value_unit(ri.defn),
                    "place": place,
                    "earliest_vintage": _iso(ev),
                    "latest_vintage": _iso(latest_v),
                    "earliest_rank": er[a],
                    "earliest_other_rank": er[b],
                    "latest_rank": lr[a],
                    "latest_other_rank": lr[b],
                    "earliest_value": evals[a],
                    "earliest_comparison": evals[b],
                    "latest_value": lv[a],
                    "latest_comparison": lv[b],
                }
                f = Finding(
                    type="revision",
                    subject={"partner": a, "other": b, "place": str(place), "kind": "rank"},
                    period=period_label(p, freq),
                    period_start=p,
                    freq=freq,
                    values=values,
                    indicators=[ri.defn.id],
                )
                f.newest = max(latest_ranks)
                out.append(f)
    return out


def lead_months(ri: RankInputs, vint: Vintages, partner: str, other: str) -> list[Finding]:
    """Per calendar year, the months in which ``partner`` ranked ahead of ``other`` in a monthly
    ranking, in the latest figures and in the earliest vintage in the store holding each month:
    which months hold in both, which only in the earliest (reversed by a revision), and which
    the earliest release did not yet cover."""
    out: list[Finding] = []
    for group, by_period in ri.values.items():
        early = ri.earliest.get(group, {})
        periods = sorted(by_period)
        if not periods:
            continue
        years = sorted({p.year for p in periods})
        lead_years: list[int] = []
        for year in years:
            months = [p for p in periods if p.year == year]
            latest = [p for p in months if _leads(by_period[p], partner, other)]
            earliest = [p for p in months if p in early and _leads(early[p][2], partner, other)]
            if not latest:
                if earliest:
                    lead_years.append(year)
                continue
            both = [p for p in latest if p in earliest]
            only_earliest = [p for p in earliest if p not in latest]
            uncovered = [p for p in latest if p not in early]
            gained = [p for p in latest if p in early and p not in earliest]
            latest_v = max(
                (v for p in latest if (v := _latest_vintage(vint, ri.sources, p, "M")) is not None),
                default=None,
            )
            values: dict[str, Value] = {
                "variant": "lead_months" if lead_years else "lead_months_first",
                "period_start": _iso(dt.date(year, 1, 1)),
                "freq": "A",
                "unit": _value_unit(ri.defn),
                "months": len(latest),
                "months_both": len(both),
                "months_only_earliest": len(only_earliest),
                "months_uncovered": len(uncovered),
                "months_gained": len(gained),
                "latest_vintage": _iso(latest_v) if latest_v else None,
                "earliest_vintage": _iso(min(early[p][0] for p in earliest + both))
                if earliest
                else (_iso(min(v for v, _, _ in early.values())) if early else None),
                "first_year": not lead_years,
                "last_lead_year": _iso(dt.date(max(lead_years), 1, 1)) if lead_years else None,
                "series_start": _iso(periods[0]),
            }
            for k, p in enumerate(latest, 1):
                values[f"month_{k}"] = _iso(p)
                values[f"value_{k}"] = by_period[p][partner]
                values[f"comparison_{k}"] = by_period[p][other]
            for prefix, ms in (
                ("both", both),
                ("only_earliest", only_earliest),
                ("uncovered", uncovered),
                ("gained", gained),
            ):
                for k, p in enumerate(ms, 1):
                    values[f"{prefix}_month_{k}"] = _iso(p)
            f = Finding(
                type="lead_months",
                subject={"partner": partner, "other": other},
                period=str(year),
                period_start=dt.date(year, 1, 1),
                freq="A",
                values=values,
                indicators=[ri.defn.id],
            )
            # the first year ever with such a month is the story; later years add months
            f.score_parts["magnitude"] = (
                1.0 if not lead_years else min(1.0, 0.6 + 0.1 * len(latest))
            )
            f.score_parts["rarity"] = (
                1.0 if not lead_years else min(1.0, 0.5 + (year - max(lead_years)) / 10)
            )
            f.newest = dt.date(periods[-1].year, 1, 1)
            out.append(f)
            lead_years.append(year)
    return out


def _leads(values: Mapping[str, float], a: str, b: str) -> bool:
    return a in values and b in values and values[a] > values[b]


# -- level series: records, year-over-year moves, streaks ------------------------------------
def _yoy(s: Series) -> list[tuple[int, float]]:
    """(index, percent change on the same period a year earlier) for every point that has one."""
    lag = 12 // STEP_MONTHS.get(s.freq, 1)
    by_date = {p: i for i, (p, _) in enumerate(s.points)}
    out: list[tuple[int, float]] = []
    for i, (p, v) in enumerate(s.points):
        j = by_date.get(dt.date(p.year - 1, p.month, 1))
        if j is None or lag <= 0:
            continue
        prev = s.points[j][1]
        if prev > 0 and v >= 0:
            out.append((i, (v / prev - 1.0) * 100.0))
    return out


def _base_values(s: Series, i: int) -> dict[str, Value]:
    return {
        "period_start": _iso(s.points[i][0]),
        "freq": s.freq,
        "unit": s.unit,
        "value": s.points[i][1],
        "series_start": _iso(s.points[0][0]),
    }


def _subject(s: Series) -> dict[str, str]:
    return {k: str(v) for k, v in s.dims.items() if v is not None and k != "measure"}


def records(s: Series, recent: int, min_gap_years: float, weight_all: float = 0.6) -> list[Finding]:
    """The highest and lowest value of the newest ``recent`` periods, when it is the highest
    (lowest) for at least ``min_gap_years`` — a series record counts only when the series
    itself is that long (a record in three years of data is not news)."""
    out: list[Finding] = []
    n = len(s.points)
    if n < 3:
        return out
    window = range(max(1, n - recent), n)
    for kind in ("high", "low"):
        pick = max if kind == "high" else min
        i = pick(window, key=lambda k: s.points[k][1])
        v = s.points[i][1]
        j = next(
            (
                k
                for k in range(i - 1, -1, -1)
                if (s.points[k][1] >= v if kind == "high" else s.points[k][1] <= v)
            ),
            None,
        )
        values = _base_values(s, i)
        if j is None:
            gap_years = _months_between(s.points[0][0], s.points[i][0]) / 12
            if gap_years < min_gap_years:
                continue
            prev = pick(range(i), key=lambda k: s.points[k][1])
            variant = f"record_{kind}_all"
            values |= {"record": kind, "all_time": True}
            if kind == "high":
                values |= {
                    "prev_record": s.points[prev][1],
                    "prev_record_period": _iso(s.points[prev][0]),
                }
        else:
            gap_years = _months_between(s.points[j][0], s.points[i][0]) / 12
            if gap_years < min_gap_years:
                continue
            variant = f"record_{kind}"
            values |= {
                "record": kind,
                "all_time": False,
                "since": _iso(s.points[j][0]),
                "since_value": s.points[j][1],
            }
        values["years"] = round(gap_years, 1)
        f = Finding(
            type="record",
            subject=_subject(s) | {"record": kind},
            period=period_label(s.points[i][0], s.freq),
            period_start=s.points[i][0],
            freq=s.freq,
            values=values,
            indicators=[s.indicator_id],
        )
        # a record in a growing nominal series is common: weigh it below a ranking change,
        # and by how many years it reaches back
        f.score_parts["magnitude"] = weight_all * min(1.0, gap_years / 10)
        f.score_parts["rarity"] = 1.0
        f.newest = s.points[-1][0]
        f.values = {"variant": variant, **f.values}
        out.append(f)
    return out


def yoy_moves(
    s: Series,
    z_min: float,
    min_history: int,
    recent: int = 0,
    since_min_years: float = 3.0,
    since_min_pct: float = 5.0,
) -> list[Finding]:
    """Year-over-year changes that stand out, in either of two ways:

    - ``|z| >= z_min`` against the series' earlier changes (mean and sd of ``changes[:k]``);
    - in the newest ``recent`` periods: the largest rise (fall) for at least ``since_min_years``
      (``since`` = the last earlier change at least as large in the same direction), of at
      least ``since_min_pct`` percent — "the steepest drop since November 2021", which a
      volatile history (2020) hides from the z-score."""
    out: list[Finding] = []
    changes = _yoy(s)
    n_points = len(s.points)
    total = sumsq = 0.0
    for k in range(len(changes)):
        i, c = changes[k]
        if k > 0:
            total += changes[k - 1][1]
            sumsq += changes[k - 1][1] ** 2
        z: float | None = None
        if k >= min_history and k > 0:
            mean = total / k
            sd = math.sqrt(max(0.0, sumsq / k - mean * mean))  # population sd of changes[:k]
            if sd > 0:
                z = (c - mean) / sd
        z_hit = z is not None and abs(z) >= z_min
        since_hit = False
        since: tuple[dt.date, float] | None = None
        gap_years = 0.0
        p = s.points[i][0]
        if recent and i >= n_points - recent and abs(c) >= since_min_pct and k > 0:
            prior = next(
                (
                    (s.points[j][0], x)
                    for j, x in reversed(changes[:k])
                    if (x >= c if c > 0 else x <= c)
                ),
                None,
            )
            if prior is None:
                gap_years = _months_between(s.points[changes[0][0]][0], p) / 12
            else:
                since = prior
                gap_years = _months_between(prior[0], p) / 12
            since_hit = gap_years >= since_min_years
        if not (z_hit or since_hit):
            continue
        hist = [x for _, x in changes[:k]]
        prev_p = dt.date(p.year - 1, p.month, 1)
        prev_v = next(v for q, v in s.points if q == prev_p)
        values = _base_values(s, i) | {
            "previous": prev_v,
            "previous_period": _iso(prev_p),
            "change_pct": round(c, 6),
            "history_n": len(hist),
        }
        direction = "up" if c > 0 else "down"
        if z_hit and z is not None:
            mean = total / k
            values |= {
                "z": round(z, 6),
                "mean_pct": round(mean, 6),
                "sd_pct": round(math.sqrt(max(0.0, sumsq / k - mean * mean)), 6),
            }
        if since_hit:
            values["since_years"] = round(gap_years, 1)
            if since is not None:
                values |= {"since": _iso(since[0]), "since_change_pct": round(since[1], 6)}
            else:
                values["largest_in_series"] = True
        suffix = ("_since" if since is not None else "_top") if since_hit else ""
        values["variant"] = f"yoy_move_{direction}{suffix}"
        f = Finding(
            type="yoy_move",
            subject=_subject(s),
            period=period_label(p, s.freq),
            period_start=p,
            freq=s.freq,
            values=values,
            indicators=[s.indicator_id],
        )
        magnitude = rarity = 0.0
        if z_hit and z is not None:
            sd = float(values["sd_pct"])  # type: ignore[arg-type]
            mean = float(values["mean_pct"])  # type: ignore[arg-type]
            bigger = sum(1 for x in hist if abs((x - mean) / sd) >= abs(z))
            magnitude = min(1.0, abs(z) / 4.0)
            rarity = 1.0 - bigger / len(hist)
        if since_hit:  # size of the move (20% = full) and how far back it reaches
            magnitude = max(magnitude, min(1.0, abs(c) / 20.0))
            rarity = max(rarity, min(1.0, 0.5 + gap_years / 10.0))
        f.score_parts["magnitude"] = magnitude
        f.score_parts["rarity"] = rarity
        f.newest = s.points[-1][0]
        out.append(f)
    return out


def _runs(s: Series, changes: list[tuple[int, float]]) -> list[tuple[int, int, int]]:
    """(start k, end k, sign) of the runs of same-sign, adjacent year-over-year changes."""
    step = STEP_MONTHS.get(s.freq, 1)
    runs: list[tuple[int, int, int]] = []
    k0 = 0
    for k in range(1, len(changes) + 1):
        brk = k == len(changes)
        if not brk:
            same = math.copysign(1, changes[k][1]) == math.copysign(1, changes[k0][1])
            adjacent = (
                _months_between(s.points[changes[k - 1][0]][0], s.points[changes[k][0]][0]) == step
            )
            brk = not (same and adjacent and changes[k][1] != 0)
        if brk:
            runs.append((k0, k - 1, 1 if changes[k0][1] > 0 else -1))
            k0 = k
    return runs


def streaks(s: Series, min_len: int) -> list[Finding]:
    """The series' latest run of >= ``min_len`` consecutive year-over-year rises (or falls) —
    one story per series, not one per run: the current run when it is long enough, else the
    most recent one that was; its values say whether it is the longest in the series (and
    if not, which was). The id hashes the run's first period (``Finding.id_period``)."""
    changes = _yoy(s)
    if not changes:
        return []
    runs = _runs(s, changes)
    long_runs = [
        (idx, r)
        for idx, r in enumerate(runs)
        if r[1] - r[0] + 1 >= min_len and changes[r[0]][1] != 0
    ]
    if not long_runs:
        return []
    idx, (a, b, sign) = long_runs[-1]
    length = b - a + 1
    i = changes[b][0]
    direction = "up" if sign > 0 else "down"
    values = _base_values(s, i) | {
        "length": length,
        "start": _iso(s.points[changes[a][0]][0]),
        "direction": direction,
        "ongoing": b == len(changes) - 1,
        "last_change_pct": round(changes[b][1], 6),
        "changes_start": _iso(s.points[changes[0][0]][0]),
    }
    same_dir = [r for r in runs if r[2] == sign and r != runs[idx]]
    longest = max(same_dir, key=lambda r: (r[1] - r[0], r[0]), default=None)
    if longest is None or longest[1] - longest[0] + 1 < length:
        values["is_longest"] = True
    else:
        values |= {
            "is_longest": False,
            "longest_length": longest[1] - longest[0] + 1,
            "longest_start": _iso(s.points[changes[longest[0]][0]][0]),
            "longest_end": _iso(s.points[changes[longest[1]][0]][0]),
        }
    values["variant"] = f"streak_{direction}"
    f = Finding(
        type="streak",
        subject=_subject(s) | {"direction": direction},
        period=period_label(s.points[i][0], s.freq),
        period_start=s.points[i][0],
        freq=s.freq,
        values=values,
        indicators=[s.indicator_id],
    )
    prior = [r for r in runs[:idx] if r[2] == sign]
    longer = sum(1 for r in prior if r[1] - r[0] + 1 >= length)
    f.score_parts["magnitude"] = min(1.0, length / (2 * min_len))
    # rare when few earlier runs were as long — and only as rare as the history before it is
    # long (a streak in the third year of a series is not a long-run record)
    before = _months_between(s.points[changes[0][0]][0], s.points[changes[a][0]][0]) / 12
    rarity = 1.0 - longer / len(prior) if prior else 1.0
    f.score_parts["rarity"] = min(rarity, 0.5 + before / 10)
    f.newest = s.points[-1][0]
    return [f]


# -- target crossings --------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A goal's target for one indicator: reach ``value`` by ``date``.

    ``direction`` is ``up`` (reach or exceed) or ``down`` (fall to or below)."""

    indicator_id: str
    value: float
    date: dt.date
    direction: str = "up"
    goal: str = ""
    #: dimension filters (``(("partner", "MEX"),)``): the target applies to matching series only
    select: tuple[tuple[str, str], ...] = ()


def target_crossings(s: Series, targets: Iterable[Target]) -> list[Finding]:
    """The period in which the series first crossed each target (from the wrong side)."""
    out: list[Finding] = []
    for t in targets:
        if t.indicator_id not in (s.indicator_id, s.base_id):
            continue
        if any(s.dims.get(k) != v for k, v in t.select):
            continue
        for i in range(1, len(s.points)):
            (p0, v0), (p1, v1) = s.points[i - 1], s.points[i]
            crossed = (v0 < t.value <= v1) if t.direction == "up" else (v0 > t.value >= v1)
            if not crossed:
                continue
            values = _base_values(s, i) | {
                "previous": v0,
                "previous_period": _iso(p0),
                "target": t.value,
                "target_date": _iso(t.date),
                "target_direction": t.direction,
                "goal": t.goal,
                "variant": "target_crossing",
            }
            f = Finding(
                type="target_crossing",
                subject=_subject(s) | {"target": f"{t.value:g}@{t.date.isoformat()}"},
                period=period_label(p1, s.freq),
                period_start=p1,
                freq=s.freq,
                values=values,
                indicators=[s.indicator_id],
            )
            f.score_parts["magnitude"] = 1.0
            f.score_parts["rarity"] = 1.0
            f.newest = s.points[-1][0]
            out.append(f)
            break
    return out
