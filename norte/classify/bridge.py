"""A product series across a classification edition change: converted with the documented
concordance, or stopped at the break, and always saying which.

The series is asked for in one edition (``to``: e.g. ``hs2022`` codes ``490590``). Periods in
that edition are read as they are. Periods in another edition (``product_observations.
classification``) are converted with the concordance between the two editions loaded in the
store (UN HS correlations, Census NAICS concordance): an old code whose every link falls
inside the asked codes is added whole (a merge, or 1:1: exact); an old code that splits
between asked and other codes would need a weight no agency gives, so the series stops at the
break and says which code and why. Nothing is divided or estimated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from norte.classify.mapping import _links
from norte.classify.schemes import scheme
from norte.errors import UsageError


@dataclass
class Bridged:
    codes: list[str]
    scheme: str
    points: list[tuple[dt.date, float]] = field(default_factory=list)
    #: How each other edition's periods were converted (the file named), one line each.
    method: list[str] = field(default_factory=list)
    #: Why periods of an edition were left out (None: the series is complete).
    stopped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["points"] = [{"period": p.isoformat(), "value": v} for p, v in self.points]
        return d


def _rows(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: dict[str, str | None], family: str
) -> list[tuple[dt.date, str, str, float]]:
    """(period, edition, code, value) of the newest vintage of each key."""
    cond = "".join(f" AND {k} = ?" for k, v in filters.items() if v is not None)
    params: list[Any] = [dataset, f"{family}%"] + [v for v in filters.values() if v is not None]
    sql = f"""SELECT period, classification, product_code, value FROM product_observations
WHERE dataset = ? AND classification LIKE ? AND value IS NOT NULL{cond}
QUALIFY row_number() OVER (PARTITION BY source, dataset, flow, reporter, partner,
  product_scheme, product_code, mode, geo_scheme, geo_code, detail, measure, unit, period, freq
  ORDER BY vintage DESC, load_id DESC) = 1"""  # noqa: S608
    return [(r[0], r[1], r[2], float(r[3])) for r in con.execute(sql, params).fetchall()]


def _inside(code: str, targets: tuple[str, ...]) -> bool:
    return any(code.startswith(t) for t in targets)


def bridge(
    con: duckdb.DuckDBPyConnection,
    codes: list[str],
    to: str,
    dataset: str,
    flow: str | None = None,
    partner: str | None = None,
    measure: str = "value",
) -> Bridged:
    """The sum of ``codes`` (edition ``to``) per period over every edition present."""
    target = scheme(to).name
    family = "".join(c for c in target if c.isalpha())
    wanted = tuple(codes)
    if not wanted:
        raise UsageError("codes bridge: give at least one code")
    out = Bridged(list(wanted), target)
    rows = _rows(con, dataset, {"flow": flow, "partner": partner, "measure": measure}, family)
    by_edition: dict[str, list[tuple[dt.date, str, float]]] = {}
    for period, ed, code, value in rows:
        by_edition.setdefault(ed, []).append((period, code, value))
    totals: dict[dt.date, float] = {}
    length = {len(c) for c in wanted}
    for ed, items in sorted(by_edition.items()):
        if ed == target:
            keep = [(p, v) for p, c, v in items if _inside(c, wanted)]
        else:
            converted = _convert(con, ed, target, wanted, length, items, out)
            if converted is None:
                continue
            keep = converted
        for p, v in keep:
            totals[p] = totals.get(p, 0.0) + v
    out.points = sorted(totals.items())
    return out


def _convert(
    con: duckdb.DuckDBPyConnection,
    ed: str,
    target: str,
    wanted: tuple[str, ...],
    length: set[int],
    items: list[tuple[dt.date, str, float]],
    out: Bridged,
) -> list[tuple[dt.date, float]] | None:
    """The periods of edition ``ed`` in ``target`` codes, or None (and ``out.stopped``)."""
    first, last = min(p for p, _, _ in items), max(p for p, _, _ in items)
    span = f"{first:%Y-%m} to {last:%Y-%m}"
    links = _links(con, ed, target, None)
    if links is None:
        out.stopped = (
            f"the periods {span} are in {ed}, the series in {target}, and no concordance "
            f"between the two is loaded: the series stops at the break (load one to convert)"
        )
        return None
    goes: dict[str, set[str]] = {}
    files: set[str] = set()
    for a, b, _rel, src, _note, _agency in links:
        goes.setdefault(a, set()).add(b)
        files.add(f"{src.file.rsplit('/', 1)[-1]} (load #{src.load_id})")
    used: set[str] = set()
    keep: list[tuple[dt.date, float]] = []
    for period, code, value in items:
        if len(code) not in length:
            continue  # another level of detail (HS2 rows beside HS6 ones)
        ends = {b for a, bs in goes.items() if a.startswith(code) for b in bs}
        inside = {b for b in ends if _inside(b, wanted)}
        if not inside:
            continue  # another product altogether
        if inside != ends:
            others = ", ".join(sorted(ends - inside)[:5])
            out.stopped = (
                f"the periods {span} are in {ed}: {ed} {code} splits between the asked "
                f"{target} code(s) and {others}, and the concordance ({', '.join(sorted(files))}) "
                "gives no weights, so it cannot be divided: the series stops at the break"
            )
            return None
        used.add(code)
        keep.append((period, value))
    out.method.append(
        f"{span}: {ed} code(s) {', '.join(sorted(used)) or '(none present)'} added whole into "
        f"{target} {', '.join(wanted)} with {', '.join(sorted(files))} (each lies wholly "
        "inside the asked codes: nothing divided)"
    )
    return keep
