"""Rank detectors: rank changes, ranking revisions and the months one partner led another."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from norte.findings.data import GroupKey, Vintages
from norte.findings.model import Finding, Value, period_end, period_label
from norte.findings.util import iso as _iso
from norte.indicators import Definition


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
            both_v = [early[p][0] for p in both]
            covered = [early[p][0] for p in months if p in early]
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
                # the vintage the "already showed" sentence names is each month's own
                # earliest vintage: one date when the months share it, else one per month
                "earliest_vintage": _iso(both_v[0])
                if len(set(both_v)) == 1
                else (_iso(min(covered)) if covered else None),
                "both_one_vintage": len(set(both_v)) <= 1,
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
            if len(set(both_v)) > 1:
                for k, v in enumerate(both_v, 1):
                    values[f"both_vintage_{k}"] = _iso(v)
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


def usual_revision(ri: RankInputs, a: str, b: str, recent: int = 12) -> float | None:
    """The usual revision of the margin between ``a`` and ``b`` in a ranking: the median
    absolute change of ``value(a) - value(b)`` between the earliest vintage holding a period and
    the latest, over the newest ``recent`` periods an earlier vintage holds (the ones still
    being revised) that the revision changed; None without an earlier vintage."""
    diffs: list[tuple[dt.date, float]] = []
    for group, by_period in ri.earliest.items():
        latest = ri.values.get(group, {})
        for p, (_v, _ranks, ev) in by_period.items():
            lv = latest.get(p, {})
            if all(x in ev and x in lv for x in (a, b)):
                d = abs((lv[a] - lv[b]) - (ev[a] - ev[b]))
                if d > 0:
                    diffs.append((p, d))
    if not diffs:
        return None
    diffs.sort()
    vals = sorted(d for _, d in diffs[-recent:])
    mid = len(vals) // 2
    return vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2


def neck_and_neck(ri: RankInputs, found: list[Finding], neck_pct: float) -> list[Finding]:
    """Rank changes on a margin below the ranking's usual revision (:func:`usual_revision`;
    else ``neck_pct`` percent of the larger value) are not overtakings a revision could not
    undo: per pair, place and calendar year they become one ``rank_change_neck`` story ("neck
    and neck … the lead changed hands 4 times"), dated by the last change; its id hashes the
    year, so more flips in the same year update the story instead of adding one."""
    keep: list[Finding] = []
    close: dict[tuple[frozenset[str], str, int], list[Finding]] = {}
    revisions: dict[frozenset[str], float | None] = {}
    for f in found:
        v, c = float(f.values["value"]), float(f.values["comparison"])  # type: ignore[arg-type]
        pair = frozenset((f.subject["partner"], f.subject["other"]))
        if pair not in revisions:
            revisions[pair] = usual_revision(ri, f.subject["partner"], f.subject["other"])
        revision = revisions[pair]
        limit = revision if revision is not None else neck_pct / 100 * max(abs(v), abs(c))
        if f.freq == "A" or abs(v - c) >= limit:
            keep.append(f)
            continue
        close.setdefault((pair, f.subject["place"], f.period_start.year), []).append(f)
    for (pair, place, year), group in sorted(close.items(), key=lambda kv: kv[0][2]):
        group.sort(key=lambda f: f.period_start)
        revision = revisions[pair]
        last = group[-1]
        leader = str(last.values["leader"])
        other = next(p for p in (last.subject["partner"], last.subject["other"]) if p != leader)
        value, comparison = (
            (last.values["value"], last.values["comparison"])
            if last.subject["partner"] == leader
            else (last.values["comparison"], last.values["value"])
        )
        margins = [
            abs(float(g.values["value"]) - float(g.values["comparison"]))  # type: ignore[arg-type]
            for g in group
        ]
        values: dict[str, Value] = {
            "variant": "rank_change_neck" if len(group) > 1 else "rank_change_neck_one",
            "period_start": last.values["period_start"],
            "freq": last.freq,
            "period_kind": last.values.get("period_kind", "period"),
            "unit": last.values.get("unit", "USD"),
            "place": int(place),
            "leader": leader,
            "value": value,
            "comparison": comparison,
            "changes": len(group),
            "first_change": _iso(group[0].period_start),
            "max_margin": max(margins),
            "revision": revision if revision is not None else max(margins),
            "revision_measured": revision is not None,
            "neck_pct": neck_pct,
            "id_period": str(year),
        }
        for k, g in enumerate(group, 1):
            values[f"month_{k}"] = _iso(g.period_start)
        f = Finding(
            type="rank_change",
            subject={"partner": leader, "other": other, "place": place, "kind": "neck"},
            period=last.period,
            period_start=last.period_start,
            freq=last.freq,
            values=values,
            indicators=list(last.indicators),
        )
        f.score_parts["magnitude"] = 0.5  # close calls are news once, below a clear overtaking
        f.score_parts["rarity"] = 1.0
        f.newest = last.newest
        keep.append(f)
    return keep
