"""Run every detector over the store, then word, score and store the findings.

>>> report = detect(store)          # list of findings, best first  # doctest: +SKIP
>>> write(store, report.findings)   # the ``findings`` table          # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from babel.dates import format_date

from norte.findings import detectors as det
from norte.findings.data import (
    Series,
    Vintages,
    evaluate_ranks,
    indicator_ids,
    partner_labels,
    port_labels,
    read_series,
    stored_ranks,
)
from norte.findings.model import LANGS, Finding, period_end
from norte.findings.targets import goal_targets
from norte.findings.text import AGREEMENT, LOCALES, PRONOUNS, name_forms, render
from norte.indicators import Definition, load_catalog
from norte.store.db import Store

PLACE_WORDS = {
    "en": ("largest", "second-largest", "third-largest"),
    "es": ("mayor", "segundo mayor", "tercer mayor"),
    "fr": ("premier", "deuxième", "troisième"),
}
SIDE = {
    "en": ("above", "below"),
    "es": ("por encima de", "por debajo de"),
    "fr": ("au-dessus de", "en dessous de"),
}
PERIOD_UNITS = {
    "en": {"M": "months", "H": "half-years", "Q": "quarters", "A": "years"},
    "es": {"M": "meses", "H": "semestres", "Q": "trimestres", "A": "años"},
    "fr": {"M": "mois", "H": "semestres", "Q": "trimestres", "A": "ans"},
}


@dataclass
class DetectReport:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- context -----------------------------------------------------------------------------------
@dataclass
class _Ctx:
    store: Store
    cfg: Mapping[str, Any]
    defs: dict[str, Definition]
    vint: Vintages
    labels: dict[str, dict[str, str]]
    ports: dict[str, dict[str, str]] = field(default_factory=dict)
    #: (indicator id, dims outside the breakdown) -> period -> sum over the breakdown members
    totals: dict[tuple[Any, ...], dict[dt.date, float]] = field(default_factory=dict)

    def weight(self, partner: str | None) -> float:
        w = self.cfg["score"]["partner"]
        if partner is None:
            return float(self.cfg["score"]["no_partner"])
        return float(w.get(partner, w["*"]))

    def sources_of(self, base_id: str) -> list[tuple[str, str]]:
        d = self.defs.get(base_id)
        if d is None:
            return []
        s = d.resolved_series()
        return [(src, ds) for src in s["source"] for ds in s["dataset"]]

    def name(self, code: str, lang: str) -> str:
        return self.labels.get(code, {}).get(lang, code)


def detect(
    store: Store,
    targets: Iterable[det.Target] | None = None,
    catalog: list[Definition] | None = None,
) -> DetectReport:
    """Every finding the store's indicator values support, worded and scored, best first.

    ``targets``: for the target-crossing detector (default: :func:`goal_targets`)."""
    cfg = det.config()
    defs = {d.id: d for d in (catalog if catalog is not None else load_catalog())}
    ctx = _Ctx(store, cfg, defs, Vintages(store), partner_labels(store), port_labels(store))
    report = DetectReport()
    found: list[tuple[Finding, Mapping[str, Any] | None]] = []

    # rank changes and ranking revisions
    rank_inputs = _rank_inputs(ctx, report)
    for ri in rank_inputs:
        found += [(f, ri.spec) for f in det.rank_changes(ri, ctx.vint, ctx.weight)]
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
    ctx.totals = _breakdown_totals(
        level, list(cfg["score"].get("breakdown", [])), dict(cfg["score"].get("aggregate", {}))
    )
    for s in level:
        recent = int(dcfg["record_recent"].get(s.freq, 2))
        hits = det.records(s, recent, float(dcfg["record_min_gap_years"]))
        hist = int(dcfg["yoy_min_history_annual" if s.freq == "A" else "yoy_min_history"])
        hits += det.yoy_moves(
            s,
            float(dcfg["yoy_z"]),
            hist,
            recent=recent,
            since_min_years=float(dcfg.get("yoy_since_min_years", 3.0)),
            since_min_pct=float(dcfg.get("yoy_since_min_pct", 5.0)),
        )
        hits += det.streaks(s, int(dcfg["streak_min"].get(s.freq, 12)))
        for f in hits:
            _share(ctx, s, f)
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

    seen: set[str] = set()
    for f, spec in found:
        if f.id in seen:
            continue
        seen.add(f.id)
        _sources(ctx, f)
        _score(ctx, f)
        _word(ctx, f, spec)
        report.findings.append(f)
    _demote_repeats(report.findings, float(ctx.cfg["score"].get("repeat", 0.5)))
    report.findings.sort(key=lambda f: (-f.score, f.period_start, f.id))
    return report


#: Flows of one partner that tell the same story; on a tie the first named keeps its score.
_TWIN_FLOWS = ("total", "export", "import")


def _direction(f: Finding) -> str:
    variant = str(f.values.get("variant", ""))
    return (
        f.subject.get("direction")
        or f.subject.get("record")
        or ("up" if "_up" in variant else "down" if "_down" in variant else variant)
    )


def _demote_flow_twins(findings: list[Finding], factor: float) -> None:
    """Records, streaks and year-over-year moves of the same partner (and mode, port, ...),
    period and direction that differ only in the flow are one story told up to three times
    ("U.S. exports to Mexico rose for 26 months in a row through March 2023", imports 25
    months, exports plus imports 26 months; records of exports, imports and total trade with
    Mexico in 2024): the best-scored keeps its score (on a tie: total, then exports), the others
    are multiplied by ``factor`` (``score_parts.repeat``)."""
    twins: dict[tuple[object, ...], list[Finding]] = {}
    for f in findings:
        if f.type in ("record", "streak", "yoy_move") and f.subject.get("flow") in _TWIN_FLOWS:
            rest = tuple(sorted((k, v) for k, v in f.subject.items() if k != "flow"))
            twins.setdefault((f.type, f.period, f.freq, _direction(f), rest), []).append(f)
    for group in twins.values():
        if len({f.subject["flow"] for f in group}) < 2:
            continue
        group.sort(key=lambda f: (-f.score, _TWIN_FLOWS.index(f.subject["flow"]), f.id))
        for f in group[1:]:
            f.score_parts["repeat"] = factor
            f.score = round(f.score * factor, 1)


def _demote_repeats(findings: list[Finding], factor: float) -> None:
    """The same news told twice: a monthly rank change whose month a ``lead_months`` story of
    the same ranking and the same two partners already names (Mexico overtaking Canada as a
    buyer of U.S. goods in October 2023 is the first month of "exceeded those to Canada in
    October 2023, for the first time") keeps its place in the data, but its score is
    multiplied by ``factor`` (``[score] repeat``; ``score_parts.repeat``) when the story that
    tells it scores at least as high, so the top of the list carries each story once."""
    _demote_flow_twins(findings, factor)
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


def _breakdown_totals(
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


def _share(ctx: _Ctx, s: Series, f: Finding) -> None:
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


def _rank_inputs(ctx: _Ctx, report: DetectReport) -> list[det.RankInputs]:
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
    latest = evaluate_ranks(ctx.store, defs, None, keep, with_ranks=False)
    out: list[det.RankInputs] = []
    for spec, d in zip(specs, defs, strict=True):
        ri = det.RankInputs(d, spec, stored[d.id][0], latest[d.id][1])
        ri.sources = ctx.sources_of(d.id)
        out.append(ri)
    # earlier vintages: each period's ranks and values in the first vintage that holds it
    held = sorted({v for ri in out for s in ri.sources for v in ctx.vint.held.get(s, [])})
    for v in held[:-1]:
        earlier = evaluate_ranks(ctx.store, defs, v, keep)
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
            "each period vs latest)"
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


def _sources(ctx: _Ctx, f: Finding) -> None:
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


def _score(ctx: _Ctx, f: Finding) -> None:
    """score = 100 x importance x magnitude x rarity x recency (docs/findings.md)."""
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
        else:
            last = dt.date.fromisoformat(str(f.values["last_ahead"]))
            years = (f.period_start - last).days / 365.25
            parts.setdefault("rarity", min(1.0, 0.6 + years / 10))
    newest = period_end(f.newest or f.period_start, f.freq)
    end = period_end(f.period_start, f.freq)
    age = max(0, (newest.year - end.year) * 12 + newest.month - end.month) / 12
    share = parts.pop("share", None)
    if share is not None:  # a part of an aggregate: weighed by its share (docs/findings.md)
        full = float(sc.get("share_full", 0.25))
        parts["share_weight"] = math.sqrt(min(1.0, share / full))
        importance *= parts["share_weight"]
    parts["importance"] = importance
    parts["recency"] = 0.5 ** (age / float(sc["half_life_years"]))
    score = 100 * importance * parts["magnitude"] * parts["rarity"] * parts["recency"]
    f.score = round(score, 1)
    f.score_parts = {k: round(v, 4) for k, v in parts.items()}


def _phrase(ctx: _Ctx, f: Finding) -> Mapping[str, Any] | None:
    """The ``[phrases]`` entry naming the finding's series (split by flow when it is)."""
    entry = ctx.cfg.get("phrases", {}).get(f.indicators[0].split(".")[0])
    if isinstance(entry, Mapping) and "en" not in entry:
        entry = entry.get(f.subject.get("flow", ""))
    return entry if isinstance(entry, Mapping) and "en" in entry else None


def _fields(ctx: _Ctx, f: Finding, lang: str) -> dict[str, str]:
    """The names a phrase may use: partner (French with its article), port, mode."""
    partner = f.subject.get("partner")
    forms = name_forms(ctx.name(partner, lang), lang, partner) if partner else {}
    port = f.subject.get("geo_code", "")
    mode = f.subject.get("mode", "")
    mode_by = ctx.cfg.get("modes", {}).get(mode, {}).get(lang)
    return {
        "partner": forms.get("", ""),
        "partner_de": forms.get("de", ""),
        "port": ctx.ports.get(port, {}).get(lang, port),
        "mode_by": str(mode_by) if mode_by else ctx.name(mode, lang),
    }


def _es_contract(text: str) -> str:
    return text.replace(" a el ", " al ").replace(" de el ", " del ")


def _what(ctx: _Ctx, f: Finding, lang: str) -> tuple[str, str, str]:
    """(what, whole, gender): the series named in a sentence ("truck crossings into the U.S.
    at Laredo, Texas"), the aggregate it is part of, and its grammatical gender."""
    fields = _fields(ctx, f, lang)
    entry = _phrase(ctx, f)
    if entry is not None:
        text = str(entry[lang]).format(**fields)
        whole_tpl = entry.get("whole", {}).get(lang, "")
        whole = str(whole_tpl).format(**fields)
        if lang == "es":
            text, whole = _es_contract(text), _es_contract(whole)
        return text, whole, str(entry.get("gender", "fp"))
    # no phrase: the catalog title up to the first comma, with every breakdown member named
    base = f.indicators[0].split(".")[0]
    d = ctx.defs.get(base)
    title = d.title.get(lang, d.id) if d else f.indicators[0]
    title = title.replace("{partner_name}", ctx.name(f.subject.get("partner", ""), lang))
    title = title.split(",")[0]
    named = [
        fields["port"] if f.subject.get("geo_code") else "",
        fields["mode_by"] if f.subject.get("mode") else "",
    ]
    extra = ", ".join(n for n in named if n)
    return (f"{title} ({extra})" if extra else title), "", "fp"


_AND = {"en": "and", "es": "y", "fr": "et"}


def _month_list(f: Finding, which: str, lang: str) -> str:
    """The names of the months of a ``lead_months`` finding ("July and August"): every month
    (``which=""``: keys ``month_<k>``) or one group (``both``, ``only_earliest``, ``uncovered``,
    ``gained``: keys ``<group>_month_<k>``)."""
    prefix = f"{which}_month_" if which else "month_"
    chosen = sorted(
        str(v) for k, v in f.values.items() if k.startswith(prefix) and isinstance(v, str)
    )
    names = [
        str(format_date(dt.date.fromisoformat(m), format="LLLL", locale=LOCALES[lang]))
        for m in chosen
    ]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {_AND[lang]} {names[-1]}"


def _word(ctx: _Ctx, f: Finding, spec: Mapping[str, Any] | None) -> None:
    labels: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        lab: dict[str, str] = {}
        for role, key in (("subject", "partner"), ("other", "other")):
            code = f.subject.get(key)
            if code and f.type in ("rank_change", "revision", "lead_months"):
                forms = name_forms(ctx.name(code, lang), lang, code)
                lab[role] = forms[""]
                lab[role.capitalize()] = forms["cap"]
                lab[f"of_{role}"] = forms["de"]
                lab[f"agr_{role}"] = forms["agr"]
        if f.type == "lead_months":
            lab["months_list"] = _month_list(f, "", lang)
            for key in ("both", "only_earliest", "uncovered", "gained"):
                lab[f"months_{key}_list"] = _month_list(f, key, lang)
        if spec is not None:
            place = int(str(f.values.get("place") or 1))
            lab["place"] = f"{PLACE_WORDS[lang][place - 1]} {spec['place'][lang]}"
            lab["valname"] = str(spec["value"][lang])
        else:
            what, whole, gender = _what(ctx, f, lang)
            lab["what"], lab["What"] = what, what[:1].upper() + what[1:]
            lab["whole"] = whole
            lab["agr"] = AGREEMENT[lang].get(gender, "")
            lab["they"] = PRONOUNS[lang].get(gender, "")
            lab["They"] = lab["they"][:1].upper() + lab["they"][1:]
        z = f.values.get("z")
        if isinstance(z, float):
            lab["side"] = SIDE[lang][0 if z > 0 else 1]
        lab["units"] = PERIOD_UNITS[lang].get(f.freq, "")
        labels[lang] = lab
    f.headline, f.text = render(str(f.values["variant"]), f.values, labels)


# -- storage -----------------------------------------------------------------------------------
def write(store: Store, findings: list[Finding]) -> int:
    """Replace the ``findings`` table with ``findings`` in one transaction (the table always
    describes the current store)."""
    rows = [
        [
            f.id,
            f.type,
            f.period,
            f.period_start,
            f.freq,
            f.score,
            dt.date.fromisoformat(f.vintage) if f.vintage else None,
            json.dumps(f.subject, sort_keys=True),
            f.indicators,
            f.headline["en"],
            json.dumps(f.to_json(), ensure_ascii=False, sort_keys=True),
        ]
        for f in findings
    ]
    with store.transaction("findings"):
        store.con.execute("DELETE FROM findings")
        if rows:
            store.con.executemany(
                "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
    return len(rows)


def read(
    con: Any,
    since: dt.date | None = None,
    min_score: float | None = None,
    limit: int | None = None,
    types: Iterable[str] | None = None,
) -> list[Finding]:
    """Stored findings, best first: ``since`` keeps periods starting on or after the date."""
    where: list[str] = ["true"]
    params: list[Any] = []
    if since is not None:
        where.append("period_start >= ?")
        params.append(since)
    if min_score is not None:
        where.append("score >= ?")
        params.append(min_score)
    if types:
        where.append("type IN (SELECT unnest(?))")
        params.append(list(types))
    sql = (
        f"SELECT body FROM findings WHERE {' AND '.join(where)} "  # noqa: S608
        "ORDER BY score DESC, period_start, id"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [Finding.from_json(json.loads(b)) for (b,) in con.execute(sql, params).fetchall()]
