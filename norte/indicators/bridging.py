"""An indicator's product series across a classification edition change (issue #18, item 4).

A definition that reads product codes of an edition-bearing scheme (``HS2`` … ``HS10``,
``NAICS``) may find its periods in two editions (HS 2017 before 2022-01, HS 2022 after;
NAICS 2017 / 2022). Its codes are read in the newest edition present. Before the engine runs,
:func:`plan` decides, from the concordance loaded in the store (``crosswalk_pairs``), what to
do with each older edition's periods:

- **convert**: every old code linked to an asked code goes wholly into that one code (a 1:1
  or n:1 link), and every old code at the data's level lies wholly inside it: the old rows are
  relabelled to the asked code (:attr:`Segment.codes`) and added whole — nothing divided;
- **stop**: an old code splits between an asked code and others (1:n, n:n: the agencies give
  no weights, and the catalog chose no allocation), the asked code is not in the concordance,
  or no concordance between the two editions is loaded: that code's periods before the break
  are left out (:class:`Stop`: its codes, the break, the reason naming the code and why) —
  every asked code's when the transforms add or compare the codes together.

The plan becomes part of the definition (``Definition.bridge``): its codes widen the input
filter, its relabelling and its cut are one Ibis expression (:func:`apply`) compiled for DuckDB
and Spark alike, and it is part of the definition's checksum (loading a concordance recomputes).
The same plan is the ``classification`` note of the indicator's JSON and pages (:func:`note`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import duckdb

from norte.classify.editions import HS, NAICS
from norte.classify.mapping import _links
from norte.indicators.catalog import Definition

if TYPE_CHECKING:  # Ibis is imported by apply() only: the site reads plans, never compiles
    import ibis.expr.types as ir


@dataclass(frozen=True)
class Segment:
    """The periods of an older edition, converted into the series' edition."""

    edition: str
    first: dt.date  # first and last period of the edition in the data
    last: dt.date
    until: dt.date  # the break: the next edition starts here
    #: (old code at the data's level, asked code) relabellings
    codes: tuple[tuple[str, str], ...]
    #: old codes of the concordance added whole (1:1 or n:1)
    converted: int
    files: tuple[str, ...]


@dataclass(frozen=True)
class Stop:
    """Asked codes whose series starts at a break, and why."""

    codes: tuple[str, ...]
    at: dt.date  # periods before this are left out for these codes
    reason: str
    refused: int  # old codes that would have to be divided


@dataclass(frozen=True)
class Bridge:
    """What the engine does with the editions of one definition's product series."""

    target: str  # the series' edition (the newest present)
    editions: tuple[str, ...]  # every edition present, oldest first
    segments: tuple[Segment, ...] = ()
    stops: tuple[Stop, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def converted(self) -> int:
        return sum(s.converted for s in self.segments)

    @property
    def refused(self) -> int:
        return sum(s.refused for s in self.stops)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = "stopped" if self.stops else "converted"
        d["converted"], d["refused"] = self.converted, self.refused
        d["note"] = note(self)
        out: dict[str, Any] = json.loads(json.dumps(d, default=str))
        return out

    def digest(self) -> str:
        body = json.dumps(asdict(self), default=str, sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()


def _starts(family: str) -> dict[str, dt.date]:
    table = HS if family == "hs" else NAICS
    return {name: dt.date(year, 1, 1) for year, name in table}


def _where(series: dict[str, tuple[str, ...]]) -> tuple[str, list[Any]]:
    ands: list[str] = []
    params: list[Any] = []
    for k, vals in sorted(series.items()):
        if k in ("partner_kind", "product_code"):
            continue
        ands.append(f"{k} IN ({', '.join('?' for _ in vals)})")
        params.extend(vals)
    return " AND ".join(ands) or "true", params


def family_of(series: dict[str, tuple[str, ...]]) -> str | None:
    """``hs`` or ``naics`` when the series reads product codes of an edition-bearing scheme."""
    schemes = series.get("product_scheme", ())
    if not schemes or "product_code" not in series:
        return None
    kinds = {"hs" if s.upper().startswith("HS") and s[2:].isdigit() else s.lower() for s in schemes}
    return next(iter(kinds)) if len(kinds) == 1 and kinds <= {"hs", "naics"} else None


def plan(
    con: duckdb.DuckDBPyConnection, series: dict[str, tuple[str, ...]], combines: bool = False
) -> Bridge | None:
    """The plan for a series whose periods span several editions (None: one edition, or not
    a product series of an edition-bearing scheme). ``combines``: the transforms add or
    compare the asked codes together, so one code stopping stops them all."""
    family = family_of(series)
    if family is None:
        return None
    cond, params = _where(series)
    spans = con.execute(
        f"SELECT classification, min(period), max(period) FROM product_observations "  # noqa: S608
        f"WHERE {cond} AND value IS NOT NULL GROUP BY 1 ORDER BY 2",
        params,
    ).fetchall()
    if len(spans) < 2:
        return None
    starts = _starts(family)
    editions = tuple(str(r[0]) for r in spans)
    target = editions[-1]
    live = list(series["product_code"])  # asked codes not stopped yet
    segments: list[Segment] = []
    stops: list[Stop] = []
    files: set[str] = set()
    for i in range(len(spans) - 2, -1, -1):  # newest older edition first
        if not live:
            break
        ed, first, last = str(spans[i][0]), spans[i][1], spans[i][2]
        until = starts.get(editions[i + 1], spans[i + 1][1])
        span = f"the periods {first:%Y-%m} to {last:%Y-%m} are in {ed}"
        links = _links(con, ed, target, None)
        if links is None:
            reason = (
                f"{span}, the series in {target}, and no concordance between the two is "
                f"loaded: the series starts at the break ({until:%Y-%m}); load one (the UN HS "
                "correlation tables, the Census NAICS concordance) to convert"
            )
            stops.append(Stop(tuple(live), until, reason, 0))
            break
        goes: dict[str, set[str]] = {}
        here: set[str] = set()
        for a, b, _rel, src, _note, _agency in links:
            goes.setdefault(a, set()).add(b)
            here.add(f"{src.file.rsplit('/', 1)[-1]} (load #{src.load_id})")
        files |= here
        codes, converted, problems, refused = _relabel(goes, tuple(live), ed, target)
        bad = [w for w in live if problems.get(w)]
        if bad:
            gone = live if combines else bad
            texts = [t for w in bad for t in problems[w]]
            reason = (
                f"{span}: "
                + "; ".join(texts[:3])
                + (f" (and {len(texts) - 3} more)" if len(texts) > 3 else "")
                + f". The concordance ({', '.join(sorted(here))}) gives no weights and the "
                "catalog chose no allocation, so nothing is divided: "
                + f"{target} {', '.join(gone)} start(s) at the break ({until:%Y-%m})"
                + (" (the indicator adds the codes together: all of them)" if combines else "")
            )
            stops.append(Stop(tuple(gone), until, reason, refused))
            live = [w for w in live if w not in gone]
        kept = tuple((c, w) for c, w in codes if w in live)
        if live:
            n = sum(converted[w] for w in live)
            segments.append(Segment(ed, first, last, until, kept, n, tuple(sorted(here))))
    return Bridge(target, editions, tuple(segments), tuple(stops), tuple(sorted(files)))


def _relabel(
    goes: dict[str, set[str]], wanted: tuple[str, ...], ed: str, target: str
) -> tuple[list[tuple[str, str]], dict[str, int], dict[str, list[str]], int]:
    """(relabellings, old codes converted per asked code, problems per asked code, old codes
    refused) of an older edition's codes into the asked codes."""
    codes: set[tuple[str, str]] = set()
    problems: dict[str, list[str]] = {}
    converted: dict[str, int] = {}
    refused: set[str] = set()
    for w in wanted:
        level = len(w)
        why = problems.setdefault(w, [])
        sources = sorted(a for a, bs in goes.items() if any(b.startswith(w) for b in bs))
        if not sources:
            why.append(f"{target} {w} is not in the concordance")
        for a in sources:
            outside = sorted(b for b in goes[a] if not b.startswith(w))
            if outside:
                refused.add(a)
                more = f" and {len(outside) - 4} more" if len(outside) > 4 else ""
                why.append(
                    f"{ed} {a} splits between {target} {w} and {', '.join(outside[:4])}{more}"
                )
                continue
            c = a[:level]
            # the old code at the data's level must lie wholly inside w too
            spill = sorted(
                {b for x, bs in goes.items() if x.startswith(c) for b in bs if not b.startswith(w)}
            )
            if spill:
                refused.add(a)
                text = f"{ed} {c} (the data's level) also goes to {target} {', '.join(spill[:4])}"
                if text not in why:
                    why.append(text)
                continue
            converted[w] = converted.get(w, 0) + 1
            codes.add((c, w))
    return sorted(codes), converted, problems, len(refused)


#: Transforms that add or compare rows across a dimension.
_COMBINE = ("sum", "regroup", "share", "rank", "top", "hhi", "spread", "gap")


def attach(con: duckdb.DuckDBPyConnection, defs: Sequence[Definition]) -> list[Definition]:
    """The definitions with their plan (``Definition.bridge``) where their series spans an
    edition change; the others as they are."""
    out = []
    for d in defs:
        series = d.resolved_series()
        combines = any(
            "product_code" in (t.params.get("over") or [t.params.get("dim")])
            for t in d.transforms
            if t.op in _COMBINE
        )
        b = plan(con, series, combines) if family_of(series) is not None else None
        out.append(d if b is None else replace(d, bridge=b))
    return out


def apply(t: ir.Table, b: Bridge) -> ir.Table:
    """The plan as one Ibis expression (the same SQL logic on DuckDB and Spark): old codes
    relabelled to the asked code in their edition's periods; stopped codes' periods before
    their break dropped."""
    import ibis

    code = t.product_code
    relabel = False
    for s in b.segments:
        in_edition = (t.period >= ibis.literal(s.first, "date")) & (
            t.period < ibis.literal(s.until, "date")
        )
        for c, w in s.codes:
            if c != w:
                relabel = True
                code = ibis.ifelse(in_edition & (t.product_code == c), w, code)
    if relabel:
        t = t.mutate(product_code=code)
    for stop in b.stops:
        t = t.filter(
            (t.period >= ibis.literal(stop.at, "date")) | ~t.product_code.isin(list(stop.codes))
        )
    return t


def note(b: Bridge | None) -> str | None:
    """One sentence for the indicator's JSON (English): which editions, which files, how many
    codes converted and refused, and where the series stops. The goal page words it in its
    language from the same plan (``norte.publish.pages.goal_products``)."""
    if b is None:
        return None
    eds = " → ".join(b.editions)
    parts = [
        f"{s.edition} periods {s.first:%Y-%m} to {s.last:%Y-%m}: {s.converted} code(s) added "
        f"whole into {b.target} (1:1 and n:1 links only, nothing divided) with "
        f"{', '.join(s.files)}"
        for s in b.segments
        if s.codes
    ]
    parts += [f"stopped: {s.reason}" for s in b.stops]
    return f"Classification {eds}: " + "; ".join(parts) + "."
