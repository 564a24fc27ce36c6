"""Run every detector over the store, then word, score and store the findings.

>>> report = detect(store)          # list of findings, best first  # doctest: +SKIP
>>> write(store, report.findings)   # the ``findings`` table          # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from norte.findings import detectors as det
from norte.findings.breaks import Break, detect_breaks, documented_breaks, series_key
from norte.findings.ctx import Ctx
from norte.findings.data import (
    Series,
    Vintages,
    first_months,
    indicator_ids,
    partner_labels,
    port_labels,
    read_series,
    stored_ranks,
)
from norte.findings.gaps import gap_findings
from norte.findings.lights import light_findings
from norte.findings.meta import chart_of, meta_line
from norte.findings.model import LANGS, Finding, period_end
from norte.findings.ranks import neck_and_neck
from norte.findings.score import breakdown_totals, demote_repeats, score, share
from norte.findings.storage import read, write
from norte.findings.targets import goal_targets
from norte.findings.twins import merge_flow_twins
from norte.findings.vcache import evaluate_ranks_as_of
from norte.findings.wording import phrase_fields, what, word
from norte.indicators import Definition, load_catalog
from norte.store.db import Store

__all__ = ["DetectReport", "detect", "read", "write"]


@dataclass
class DetectReport:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def detect(
    store: Store,
    targets: Iterable[det.Target] | None = None,
    catalog: list[Definition] | None = None,
) -> DetectReport:
    """Every finding the store's indicator values support, worded and scored, best first.

    ``targets``: for the target-crossing detector (default: :func:`goal_targets`)."""
    cfg = det.config()
    defs = {d.id: d for d in (catalog if catalog is not None else load_catalog())}
    ctx = Ctx(store, cfg, defs, Vintages(store), partner_labels(store), port_labels(store))
    report = DetectReport()
    found: list[tuple[Finding, Mapping[str, Any] | None]] = []

    # rank changes and ranking revisions
    rank_inputs = _rank_inputs(ctx, report)
    for ri in rank_inputs:
        changes = det.rank_changes(ri, ctx.vint, ctx.weight)
        changes = neck_and_neck(ri, changes, float(cfg["detect"].get("neck_pct", 1.0)))
        found += [(f, ri.spec) for f in changes]
        found += [(f, ri.spec) for f in det.rank_revisions(ri, ctx.vint)]
    # months one partner led another in a monthly ranking, per year, in both vintages
    for lm in cfg.get("lead_months", []):
        for ri in rank_inputs:
            if ri.defn.id == lm["indicator"]:
                hits = det.lead_months(ri, ctx.vint, str(lm["partner"]), str(lm["other"]))
                found += [(f, ri.spec) for f in hits]

    # level series
    ids = indicator_ids(store)
    dcfg = cfg["detect"]
    chosen = det.select_series_ids(ids, cfg)
    level = read_series(store, chosen)
    ctx.totals = breakdown_totals(
        level, list(cfg["score"].get("breakdown", [])), dict(cfg["score"].get("aggregate", {}))
    )
    brks = _breaks(ctx, level)
    n_breaks = sum(len(v) for v in brks.values())
    report.notes.append(f"{n_breaks} break(s) in {len(brks)} level series (docs/findings.md)")
    for s in level:
        recent = int(dcfg["record_recent"].get(s.freq, 2))
        sb = brks.get(series_key(s), [])
        hits = det.records(
            s,
            recent,
            float(dcfg["record_min_gap_years"]),
            brks=sb,
            edged_pct=float(dcfg.get("edged_pct", 1.0)),
        )
        hist = int(dcfg["yoy_min_history_annual" if s.freq == "A" else "yoy_min_history"])
        hits += det.yoy_moves(
            s,
            float(dcfg["yoy_z"]),
            hist,
            recent=recent,
            since_min_years=float(dcfg.get("yoy_since_min_years", 3.0)),
            since_min_pct=float(dcfg.get("yoy_since_min_pct", 5.0)),
            brks=sb,
            base=dcfg.get("base_effect"),
        )
        hits += det.streaks(s, int(dcfg["streak_min"].get(s.freq, 12)), brks=sb)
        for f in hits:
            share(ctx, s, f)
        found += [(f, None) for f in hits]
    report.notes.append(f"{len(chosen)} level indicator(s) scanned for records, moves, streaks")

    # target crossings
    if targets is None:
        tlist, note = goal_targets(store.con)
    else:
        tlist = list(targets)
        note = f"{len(tlist)} target(s) given"
    report.notes.append(note)
    if tlist:
        known = {i for i, _, _ in ids} | {b for _, b, _ in ids}
        want = {t.indicator_id for t in tlist if t.indicator_id in known}
        tids = [i for i, b, _ in ids if i in want or b in want]
        for s in read_series(store, tids):
            found += [(f, None) for f in det.target_crossings(s, tlist)]
        missing = sorted({t.indicator_id for t in tlist} - known)
        if missing:
            report.notes.append(f"targets on indicators without values: {', '.join(missing)}")

    # lights that changed colour between releases (goal_status, written first)
    changed, note = light_findings(store)
    report.notes.append(note)
    found += [(f, None) for f in changed]

    # mirror gaps outside their usual band (gaps.py; [mirror_gap] in detectors.toml)
    gcfg = cfg.get("mirror_gap", {})
    gap_ids = det.select_series_ids(ids, {"series": [gcfg]}) if gcfg else []
    sides = {
        d.id: (str(d.series["reporter"]), str(d.mirror["reporter"]))
        for d in defs.values()
        if d.mirror is not None
    }
    gaps = gap_findings(read_series(store, gap_ids), gcfg, sides, ctx.labels)
    report.notes.append(f"{len(gaps)} mirror gap(s) outside their band in {len(gap_ids)} series")
    found += [(f, None) for f in gaps]

    seen: set[str] = set()
    for f, spec in found:
        if f.id in seen:
            continue
        seen.add(f.id)
        _sources(ctx, f)
        _estimated(ctx, f)
        score(ctx, f)
        word(ctx, f, spec)
        report.findings.append(f)
    demote_repeats(report.findings, float(ctx.cfg["score"].get("repeat", 0.5)))
    level_ids = [f for f in report.findings if f.subject.get("flow")]
    names = {f.id: {lang: what(ctx, f, lang)[0] for lang in LANGS} for f in level_ids}
    fields = {f.id: {lang: phrase_fields(ctx, f, lang) for lang in LANGS} for f in level_ids}
    report.findings = merge_flow_twins(
        report.findings, names, fields, ctx.cfg.get("flow_phrases", {})
    )
    for f in report.findings:
        f.meta = meta_line(ctx, f)
        f.chart = chart_of(f)
    report.findings.sort(key=lambda f: (-f.score, f.period_start, f.id))
    return report


def _breaks(ctx: Ctx, level: list[Series]) -> dict[tuple[Any, ...], list[Break]]:
    """Breaks of every level series: detected in the breakdowns (the first month of a new
    code from the raw observations) and documented in ``[[breaks]]``."""
    breakdown = list(ctx.cfg["score"].get("breakdown", []))
    firsts: dict[tuple[str, str], dt.date] = {}
    for dim in breakdown:
        by_base: dict[str, set[str]] = {}
        for s in level:
            code = s.dims.get(dim)
            if code:
                by_base.setdefault(s.base_id, set()).add(str(code))
        for base, codes in by_base.items():
            firsts |= first_months(ctx.store, ctx.sources_of(base), dim, codes)
    out = detect_breaks(level, breakdown, firsts)
    for key, extra in documented_breaks(level, ctx.cfg.get("breaks", [])).items():
        out.setdefault(key, []).extend(extra)
    return out


def _rank_inputs(ctx: Ctx, report: DetectReport) -> list[det.RankInputs]:
    specs = [s for s in ctx.cfg.get("rank_change", []) if s["indicator"] in ctx.defs]
    have = {b for _, b, _ in indicator_ids(ctx.store)}
    for s in specs:
        if s["indicator"] not in have:
            report.notes.append(f"{s['indicator']}: no indicator values (run 'norte build')")
    specs = [s for s in specs if s["indicator"] in have]
    if not specs:
        return []
    defs = [ctx.defs[s["indicator"]] for s in specs]
    stored = {
        d.id: stored_ranks(ctx.store, d.id, int(s.get("top", 2)))
        for s, d in zip(specs, defs, strict=True)
    }
    keep = {k: v[1] for k, v in stored.items()}
    latest, _hit = evaluate_ranks_as_of(ctx.store, defs, None, keep, with_ranks=False)
    out: list[det.RankInputs] = []
    for spec, d in zip(specs, defs, strict=True):
        ri = det.RankInputs(d, spec, stored[d.id][0], latest[d.id][1])
        ri.sources = ctx.sources_of(d.id)
        out.append(ri)
    # earlier vintages: each period's ranks and values in the first vintage that holds it
    held = sorted({v for ri in out for s in ri.sources for v in ctx.vint.held.get(s, [])})
    cached = 0
    for v in held[:-1]:
        earlier, hit = evaluate_ranks_as_of(ctx.store, defs, v, keep)
        cached += hit
        for ri in out:
            e_ranks, e_vals = earlier[ri.defn.id]
            for g, by_p in e_ranks.items():
                slot = ri.earliest.setdefault(g, {})
                for p, r in by_p.items():
                    if p not in slot:
                        slot[p] = (v, r, e_vals.get(g, {}).get(p, {}))
    if len(held) > 1:
        report.notes.append(
            f"rankings compared across vintages {', '.join(map(str, held))} (earliest holding "
            f"each period vs latest; {cached} of {len(held) - 1} earlier evaluation(s) cached)"
        )
    return out


# -- sources, score, words ---------------------------------------------------------------------
def _windows(f: Finding) -> list[tuple[dt.date, dt.date]]:
    out = [(f.period_start, period_end(f.period_start, f.freq))]
    for key in ("previous_period", "start", "since"):
        v = f.values.get(key)
        if isinstance(v, str):
            d = dt.date.fromisoformat(v)
            out.append((d, period_end(d, f.freq)))
    return out


def _estimated(ctx: Ctx, f: Finding) -> None:
    """``<key>_estimated`` for every release date the finding states (``*_vintage``) that norte
    estimated (``loads.vintage_from``): the text then says "estimated date" (kind ``vday``)."""
    srcs = ctx.sources_of(f.indicators[0].split(".")[0])
    for key, v in list(f.values.items()):
        if "_vintage" in key and not key.endswith("_estimated") and isinstance(v, str):
            f.values[f"{key}_estimated"] = ctx.vint.is_estimated(srcs, dt.date.fromisoformat(v))


def _sources(ctx: Ctx, f: Finding) -> None:
    base = ctx.defs.get(f.indicators[0].split(".")[0])
    srcs = ctx.sources_of(base.id) if base else []
    found: set[tuple[str, str, str]] = set()
    for src, ds in srcs:
        for a, b in _windows(f):
            v = ctx.vint.latest(src, ds, a, b)
            if v is not None:
                found.add((src, ds, v.isoformat()))
        ev = f.values.get("earliest_vintage")
        if isinstance(ev, str):
            found.add((src, ds, ev))
    f.sources = [{"source": s, "dataset": d, "vintage": v} for s, d, v in sorted(found)]
