"""What the detectors read: indicator values, the ranked values behind ranks, vintages, labels.

Everything comes from the store: ``indicator_values_latest`` (written by
``norte.indicators.compute``), the engine's :func:`norte.indicators.evaluate` for values the
catalog does not store (the numbers behind a rank, and every definition *as of* an earlier
vintage: ``observations_as_of``), ``observations_latest`` for the vintage of each period, and
``codes`` for names in en/es/fr.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from norte.indicators import Definition, evaluate
from norte.indicators.catalog import DIMS
from norte.indicators.inputs import INPUT_TABLE
from norte.store.db import Store

#: (dims except partner) — the group a ranking is computed within.
GroupKey = tuple[str | None, ...]


@dataclass
class Series:
    """One indicator series: an indicator id and its dimensions, values by period."""

    indicator_id: str
    base_id: str
    dims: dict[str, str | None]
    unit: str
    freq: str
    points: list[tuple[dt.date, float]]


def read_series(store: Store, ids: Iterable[str]) -> list[Series]:
    """Every series of the indicator ids, newest input vintage, sorted by period."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    dims = ", ".join(DIMS)
    rows = store.con.execute(
        f"SELECT indicator_id, base_id, {dims}, unit, freq, period, value "  # noqa: S608
        "FROM indicator_values_latest WHERE indicator_id IN (SELECT unnest(?)) "
        f"AND value IS NOT NULL ORDER BY indicator_id, {dims}, period",
        [wanted],
    ).fetchall()
    out: dict[tuple[Any, ...], Series] = {}
    n = len(DIMS)
    for r in rows:
        key = r[: 2 + n]
        s = out.get(key)
        if s is None:
            s = Series(
                r[0], r[1], dict(zip(DIMS, r[2 : 2 + n], strict=True)), r[2 + n], r[3 + n], []
            )
            out[key] = s
        s.points.append((r[4 + n], float(r[5 + n])))
    return list(out.values())


def indicator_ids(store: Store) -> list[tuple[str, str, str]]:
    """(indicator_id, base_id, unit) of every indicator with stored values."""
    rows = store.con.execute(
        "SELECT DISTINCT indicator_id, base_id, unit FROM indicator_values_latest ORDER BY 1"
    ).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def _table_ranks(
    t: pa.Table, rank_dim: str, keep: set[str] | None = None
) -> dict[GroupKey, dict[dt.date, dict[str, float]]]:
    if keep is not None:
        t = t.filter(pc.is_in(t[rank_dim], value_set=pa.array(sorted(keep), pa.string())))
    out: dict[GroupKey, dict[dt.date, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    cols = t.to_pydict()
    others = [cols[d] for d in DIMS if d != rank_dim]
    names, periods, values = cols[rank_dim], cols["period"], cols["value"]
    for i in range(t.num_rows):
        g = tuple(c[i] for c in others)
        out[g][periods[i]][names[i]] = float(values[i])
    return out


def top_members(t: pa.Table, top: int, rank_dim: str = "partner") -> set[str]:
    """Members that hold one of the first ``top`` places in some period (the only ones a
    change at the top can involve)."""
    hit = t.filter(pc.less_equal(t["value"], top))
    return {str(x) for x in pc.unique(hit[rank_dim]).to_pylist()}


def stored_ranks(
    store: Store, base_id: str, top: int, rank_dim: str = "partner"
) -> tuple[dict[GroupKey, dict[dt.date, dict[str, float]]], set[str]]:
    """``indicator_values_latest`` of a rank indicator: group -> period -> {partner: rank},
    for the partners ever in the first ``top`` places (and that set)."""
    dims = ", ".join(DIMS)
    t = store.con.sql(
        f"SELECT {dims}, period, value FROM indicator_values_latest "  # noqa: S608
        "WHERE base_id = $base AND value IS NOT NULL",
        params={"base": base_id},
    ).to_arrow_table()
    keep = top_members(t, top, rank_dim)
    return _table_ranks(t, rank_dim, keep), keep


def ranked_values_definition(defn: Definition) -> Definition:
    """The definition without its final ``rank`` step: the numbers the ranking orders."""
    if not defn.transforms or defn.transforms[-1].op != "rank":
        raise ValueError(f"{defn.id}: the last transform is not a rank")
    return replace(defn, id=f"{defn.id}~ranked-values", transforms=defn.transforms[:-1])


RankTables = dict[GroupKey, dict[dt.date, dict[str, float]]]


def evaluate_ranks(
    store: Store,
    defns: list[Definition],
    as_of: dt.date | None,
    keep: dict[str, set[str]],
    with_ranks: bool = True,
    rank_dim: str = "partner",
) -> dict[str, tuple[RankTables, RankTables]]:
    """Per rank definition id: (ranks, ranked values) of the partners in ``keep[id]``, through
    the indicator engine, as of a date (None = latest), in one engine run; ``with_ranks=False``
    evaluates the values only. Nothing is written to ``indicator_values``."""
    vdefs = [ranked_values_definition(d) for d in defns]
    try:
        res = evaluate(store, "duckdb", [*(defns if with_ranks else []), *vdefs], as_of=as_of)
    finally:
        store.con.execute(f"DROP TABLE IF EXISTS {INPUT_TABLE}")
    out: dict[str, tuple[RankTables, RankTables]] = {}
    for d, v in zip(defns, vdefs, strict=True):
        k = keep[d.id]
        ranks = _table_ranks(res[d.id], rank_dim, k) if with_ranks else {}
        out[d.id] = (ranks, _table_ranks(res[v.id], rank_dim, k))
    return out


class Vintages:
    """The vintage each (source, dataset, period) comes from in ``observations_latest``, and
    the vintages the store holds per (source, dataset)."""

    def __init__(self, store: Store) -> None:
        # one scan: every (source, dataset, period, vintage) held, sorted; a period's newest
        # vintage over all rows = over the latest row of every key = its last row here
        rows = store.con.execute(
            "SELECT source, dataset, period, vintage FROM observations "
            "GROUP BY ALL ORDER BY 1, 2, 3, 4"
        ).fetchall()
        self._periods: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        self._vint: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        held: dict[tuple[str, str], set[dt.date]] = defaultdict(set)
        for src, ds, period, vintage in rows:
            key = (src, ds)
            periods = self._periods[key]
            if periods and periods[-1] == period:
                self._vint[key][-1] = vintage
            else:
                periods.append(period)
                self._vint[key].append(vintage)
            held[key].add(vintage)
        self.held: dict[tuple[str, str], list[dt.date]] = defaultdict(
            list, {k: sorted(v) for k, v in held.items()}
        )
        # vintages whose date norte estimated (``loads.vintage_from`` says so): text says so too
        est = store.con.execute(
            "SELECT DISTINCT source, vintage FROM loads WHERE vintage IS NOT NULL "
            "AND vintage_from LIKE 'estimated%'"
        ).fetchall()
        self.estimated: set[tuple[str, dt.date]] = {(str(s), v) for s, v in est}

    def is_estimated(self, sources: Iterable[tuple[str, str]], vintage: dt.date) -> bool:
        """Whether the release date ``vintage`` of any of the sources is an estimate."""
        return any((src, vintage) in self.estimated for src, _ in sources)

    def newest(self, sources: Iterable[tuple[str, str]]) -> dt.date | None:
        """The newest period the sources hold (the freshness of a story is measured on it)."""
        ends = [self._periods[k][-1] for k in sources if self._periods.get(k)]
        return max(ends) if ends else None

    def latest(self, source: str, dataset: str, start: dt.date, end: dt.date) -> dt.date | None:
        """The newest vintage among the latest rows of periods ``start..end``."""
        periods = self._periods.get((source, dataset), [])
        lo = bisect.bisect_left(periods, start)
        hi = bisect.bisect_right(periods, end)
        vs = self._vint[(source, dataset)][lo:hi]
        return max(vs) if vs else None


def partner_labels(store: Store) -> dict[str, dict[str, str]]:
    """Partner code -> {lang: name} from the store's ``codes`` table."""
    rows = store.con.execute(
        "SELECT code, label_en, label_es, label_fr FROM codes WHERE scheme = 'partner'"
    ).fetchall()
    return {
        str(c): {"en": en or c, "es": es or en or c, "fr": fr or en or c} for c, en, es, fr in rows
    }


def code_labels(store: Store, schemes: Iterable[str]) -> dict[tuple[str, str], dict[str, str]]:
    """(scheme, code) -> {lang: label} from the store's ``codes`` table, for the schemes given."""
    rows = store.con.execute(
        "SELECT scheme, code, label_en, label_es, label_fr FROM codes "
        "WHERE scheme IN (SELECT unnest(?))",
        [sorted(set(schemes))],
    ).fetchall()
    return {
        (str(s), str(c)): {"en": en or c, "es": es or en or c, "fr": fr or en or c}
        for s, c, en, es, fr in rows
    }


def port_labels(store: Store) -> dict[str, dict[str, str]]:
    """CBP port code -> {lang: name} for a sentence: the port's name as the store has it (the
    ``us_port`` code label, else ``places``) and its state from ``places`` — "Laredo, Texas"
    in English, "Laredo (Texas)" in Spanish and French. Port names are never translated."""
    rows = store.con.execute(
        "SELECT c.code, coalesce(c.label_en, p.name, c.code), p.region FROM codes c "
        "LEFT JOIN places p ON p.scheme = c.scheme AND p.code = c.code "
        "WHERE c.scheme = 'us_port' "
        "UNION ALL SELECT p.code, p.name, p.region FROM places p WHERE p.scheme = 'us_port' "
        "AND p.code NOT IN (SELECT code FROM codes WHERE scheme = 'us_port')"
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for code, name, region in rows:
        n = str(name)
        if region and str(region) not in n:
            out[str(code)] = {
                "en": f"{n}, {region}",
                "es": f"{n} ({region})",
                "fr": f"{n} ({region})",
            }
        else:
            out[str(code)] = {"en": n, "es": n, "fr": n}
    return out


def first_months(
    store: Store, sources: Iterable[tuple[str, str]], dim: str, codes: Iterable[str]
) -> dict[tuple[str, str], dt.date]:
    """(dim, code) -> the first period the code has a value in the raw observations of the
    sources (a port that starts in March 2020 has no complete year 2020 in an annual series)."""
    if dim not in DIMS:
        raise ValueError(f"not a dimension: {dim!r}")
    wanted = sorted(set(codes))
    out: dict[tuple[str, str], dt.date] = {}
    for src, ds in sorted(set(sources)):
        rows = store.con.execute(
            f"SELECT {dim}, min(period) FROM observations WHERE source = ? AND dataset = ? "  # noqa: S608
            f"AND {dim} IN (SELECT unnest(?)) AND value IS NOT NULL GROUP BY 1",
            [src, ds, wanted],
        ).fetchall()
        for code, first in rows:
            key = (dim, str(code))
            out[key] = min(first, out.get(key, first))
    return out
