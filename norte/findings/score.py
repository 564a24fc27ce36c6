"""The score of a finding (``docs/findings.md``, "Score") and the demotion of repeated stories."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from norte.findings.ctx import Ctx
from norte.findings.data import Series
from norte.findings.model import Finding, period_end


def demote_repeats(findings: list[Finding], factor: float) -> None:
    """The same news told twice: a monthly rank change whose month a ``lead_months`` story of
    the same ranking and the same two partners already names (Mexico overtaking Canada as a
    buyer of U.S. goods in October 2023 is the first month of "exceeded those to Canada in
    October 2023, for the first time") keeps its place in the data, but its score is
    multiplied by ``factor`` (``[score] repeat``; ``score_parts.repeat``) when the story that
    tells it scores at least as high, so the top of the list carries each story once."""
    tellers: dict[tuple[str, frozenset[str]], list[Finding]] = {}
    for f in findings:
        if f.type == "lead_months":
            pair = frozenset((f.subject["partner"], f.subject["other"]))
            for ind in f.indicators:
                tellers.setdefault((ind, pair), []).append(f)
    for f in findings:
        if f.type != "rank_change" or f.freq != "M":
            continue
        pair = frozenset((f.subject["partner"], f.subject["other"]))
        month = f.values.get("period_start")
        for lead in (t for ind in f.indicators for t in tellers.get((ind, pair), [])):
            months = {v for k, v in lead.values.items() if k.startswith("month_")}
            if month in months and lead.score >= f.score:
                f.score_parts["repeat"] = factor
                f.score = round(f.score * factor, 1)
                break


def _group_key(s: Series, breakdown: list[str]) -> tuple[Any, ...] | None:
    """The aggregate a breakdown series belongs to (None when it breaks nothing down)."""
    if not any(s.dims.get(d) for d in breakdown):
        return None
    rest = tuple(sorted((k, v) for k, v in s.dims.items() if k not in breakdown))
    return (s.indicator_id, rest)


def breakdown_totals(
    series: list[Series], breakdown: list[str], aggregate: Mapping[str, str] | None = None
) -> dict[tuple[Any, ...], dict[dt.date, float]]:
    """Per aggregate (indicator id + the dims outside the breakdown): period -> its total.

    The total is the aggregate's own indicator when ``aggregate`` names one for the base id
    (``truck-crossings-port-annual`` -> ``truck-crossings``, monthly values summed over complete
    years): a port with an incomplete year has no annual value but its trucks are in the total.
    Otherwise it is the sum over the members (all modes, ...). Aggregates of a single member are
    left out."""
    members: dict[tuple[Any, ...], list[Series]] = {}
    for s in series:
        key = _group_key(s, breakdown)
        if key is not None:
            members.setdefault(key, []).append(s)
    by_id: dict[tuple[Any, ...], Series] = {
        (s.indicator_id, tuple(sorted((k, v) for k, v in s.dims.items() if k not in breakdown))): s
        for s in series
    }
    out: dict[tuple[Any, ...], dict[dt.date, float]] = {}
    for key, group in members.items():
        if len(group) < 2:
            continue
        iid, rest = key
        base, _, suffix = str(iid).partition(".")
        agg_base = (aggregate or {}).get(base)
        agg = None
        if agg_base:
            agg_id = f"{agg_base}.{suffix}" if suffix else agg_base
            agg = by_id.get((agg_id, rest))
        if agg is not None:
            out[key] = _as_freq(agg, group[0].freq)
            continue
        tot: dict[dt.date, float] = {}
        for s in group:
            for p, v in s.points:
                tot[p] = tot.get(p, 0.0) + v
        out[key] = tot
    return out


def _as_freq(s: Series, freq: str) -> dict[dt.date, float]:
    """A series' values at ``freq``: as is, or monthly values summed over complete years."""
    if freq == s.freq:
        return dict(s.points)
    if freq != "A" or s.freq != "M":
        return {}
    sums: dict[int, list[float]] = {}
    for p, v in s.points:
        sums.setdefault(p.year, []).append(v)
    return {dt.date(y, 1, 1): sum(vs) for y, vs in sums.items() if len(vs) == 12}


def share(ctx: Ctx, s: Series, f: Finding) -> None:
    """A breakdown series' share of its aggregate in the finding's period (``share_pct``, with
    ``total``), and the share the score weighs by: for a year-over-year move the larger of the
    period's and the year-earlier share (a big port's collapse counts as much as its surge)."""
    key = _group_key(s, list(ctx.cfg["score"].get("breakdown", [])))
    tot = ctx.totals.get(key) if key is not None else None
    if not tot:
        return
    own = dict(s.points)

    def share(p: dt.date) -> float | None:
        t, v = tot.get(p), own.get(p)
        return v / t if t and t > 0 and v is not None and v >= 0 else None

    now = share(f.period_start)
    if now is None:
        return
    f.values["share_pct"] = round(100 * now, 6)
    f.values["total"] = tot[f.period_start]
    weigh = now
    prev = f.values.get("previous_period")
    if f.type == "yoy_move" and isinstance(prev, str):
        weigh = max(weigh, share(dt.date.fromisoformat(prev)) or 0.0)
    f.score_parts["share"] = weigh


def score(ctx: Ctx, f: Finding) -> None:
    """score = 100 x importance x magnitude x rarity x recency (x materiality x break where
    they apply; docs/findings.md, "Score")."""
    sc = ctx.cfg["score"]
    partners = [f.subject.get("partner"), f.subject.get("other")]
    importance = max(ctx.weight(p) for p in partners if p) if any(partners) else ctx.weight(None)
    importance *= float(sc["freq"].get(f.freq, 0.8))
    parts = f.score_parts
    if f.type in ("rank_change", "revision"):
        place = int(str(f.values.get("place") or 1))
        importance *= float(sc["place"][min(place, len(sc["place"])) - 1])
        parts.setdefault("magnitude", 1.0)
        if f.type == "revision" or f.values.get("first_in_series"):
            parts.setdefault("rarity", 1.0)
        elif "rarity" not in parts:
            last = dt.date.fromisoformat(str(f.values["last_ahead"]))
            years = (f.period_start - last).days / 365.25
            parts.setdefault("rarity", min(1.0, 0.6 + years / 10))
    # freshness: how far the story's period is from the newest period of its *source*
    base = f.indicators[0].split(".")[0]
    newest = ctx.vint.newest(ctx.sources_of(base)) or period_end(f.newest or f.period_start, f.freq)
    end = period_end(f.period_start, f.freq)
    age = max(0, (newest.year - end.year) * 12 + newest.month - end.month) / 12
    f.values["source_newest"] = newest.isoformat()
    mat = materiality(f, sc.get("floor", {}))
    if mat is not None:
        parts["materiality"] = mat
    if f.values.get("break_kind") and f.type in ("yoy_move", "record", "streak"):
        parts["break"] = float(sc.get("break", 0.2))
    shr = parts.pop("share", None)
    if shr is not None:  # a part of an aggregate: weighed by its share (docs/findings.md)
        full = float(sc.get("share_full", 0.25))
        # materiality by share: below `share_min` of the total a part weighs its share of it
        small = min(1.0, shr / float(sc.get("share_min", 0.05)))
        parts["share_weight"] = math.sqrt(min(1.0, shr / full)) * small
        importance *= parts["share_weight"]
    parts["importance"] = importance
    parts["recency"] = 0.5 ** (age / float(sc["half_life_years"]))
    score = 100 * importance * parts["magnitude"] * parts["rarity"] * parts["recency"]
    score *= parts.get("materiality", 1.0) * parts.get("break", 1.0)
    f.score = round(score, 1)
    f.score_parts = {k: round(v, 4) for k, v in parts.items()}


def materiality(f: Finding, floors: Mapping[str, Any]) -> float | None:
    """``min(1, level / floor)`` for a level story (record, move, streak): the larger of the
    finding's value and its year-earlier value against the unit's floor per month (x the
    months of the period); None when the unit has no floor or the story has no level."""
    if f.type not in ("record", "yoy_move", "streak"):
        return None
    floor = floors.get(str(f.values.get("unit", "")))
    if floor is None:
        return None
    months = {"A": 12, "H": 6, "Q": 3}.get(f.freq, 1)
    levels = [
        abs(float(v))
        for k in ("value", "previous")
        if isinstance(v := f.values.get(k), (int, float))
    ]
    if not levels:
        return None
    return min(1.0, max(levels) / (float(floor) * months))
