"""The input slice of the indicator engine and its change check.

- :func:`prepare_input` materialises, once, the newest vintage (or the vintage known on an
  as-of date) of the observations the definitions read, as the temp table
  :data:`INPUT_TABLE`;
- :func:`fingerprints` is the change check: one grouped scan giving each definition's inputs
  hash — and the guard that a definition never adds two reporters' figures together
  (:class:`MixedReportersError`).

Split out of :mod:`norte.indicators.engine` (which re-exports these names).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from norte.indicators.catalog import SERIES_FIELDS, CatalogError, Definition
from norte.store.db import Store
from norte.store.latest import multi_load_cells
from norte.store.schema import KEY_COLUMNS

INPUT_TABLE = "_norte_ind_input"
#: Columns of the input slice (the filters' columns, the dimensions, period and value).
INPUT_COLUMNS = (*(c for c in SERIES_FIELDS if c != "freq"), "period", "freq", "value")


# -- the input slice --------------------------------------------------------------------------
def _needed(defs: Sequence[Definition]) -> list[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for s in (s for d in defs for s in d.inputs()):
        pairs.update((src, ds) for src in s["source"] for ds in s["dataset"])
    return sorted(pairs)


def series_where(defs: Sequence[Definition], prefix: str = "") -> tuple[str, list[Any]]:
    """A WHERE condition selecting the observations any of ``defs`` reads (their series
    filters, OR-ed; ``partner_kind`` is left to the expressions) and its parameters."""
    ors: list[str] = []
    params: list[Any] = []
    seen: set[str] = set()
    for inp in (s for d in defs for s in d.inputs()):
        ands: list[str] = []
        ps: list[Any] = []
        for k, vals in sorted(inp.items()):
            if k == "partner_kind":
                continue
            ands.append(f"{prefix}{k} IN ({', '.join('?' for _ in vals)})")
            ps.extend(vals)
        clause = "(" + " AND ".join(ands) + ")"
        sig = clause + repr(ps)
        if sig not in seen:
            seen.add(sig)
            ors.append(clause)
            params.extend(ps)
    if not ors:
        return "false", []
    # columns every definition restricts: their values, as plain IN filters DuckDB pushes into
    # the scan ahead of the OR (implied by it: the same rows)
    series = [{k: v for k, v in s.items() if k != "partner_kind"} for d in defs for s in d.inputs()]
    common = sorted(set.intersection(*(set(x) for x in series)))
    pre: list[str] = []
    pre_params: list[Any] = []
    for k in common:
        members = sorted({v for x in series for v in x[k]})
        pre.append(f"{prefix}{k} IN ({', '.join('?' for _ in members)})")
        pre_params.extend(members)
    return " AND ".join([*pre, f"({' OR '.join(ors)})"]), pre_params + params


def prunable(defs: Sequence[Definition]) -> dict[tuple[str, str], tuple[str, ...]]:
    """Per (source, dataset): the dimensions every definition reading it sums away first
    (its first transform is ``sum`` over them) and none filters on. The input slice carries
    those rows pre-summed with the dimensions NULL: the expressions give the same values from
    far fewer rows (TransBorder table 1 summed over states, ports and details)."""
    out: dict[tuple[str, str], set[str]] = {}
    for d in defs:
        first = d.transforms[0] if d.transforms else None
        over = set(first.params["over"]) if first is not None and first.op == "sum" else set()
        for s in d.inputs():
            filtered = {"partner" if k == "partner_kind" else k for k in s}
            for pair in ((src, ds) for src in s["source"] for ds in s["dataset"]):
                out[pair] = (out[pair] if pair in out else over) & over - filtered
    return {k: tuple(sorted(v)) for k, v in sorted(out.items()) if v}


def prepare_input(store: Store, defs: Sequence[Definition], as_of: dt.date | None) -> int:
    """Materialise the input slice in DuckDB (temp table ``_norte_ind_input``); its row count.

    The slice is what ``observations_latest`` (or ``observations_as_of``) holds for the rows the
    definitions' filters select, with ``partner_kind``. Keys are unique within a load (the store
    checks), so only the (source, dataset, period) cells holding rows of more than one load need
    the newest-vintage window; the others are taken as they are, and with no such cell the
    window is left out (:mod:`norte.store.latest`). Dimensions every reader sums
    away first (:func:`prunable`) are summed away here."""
    cond, params = series_where(defs, "o.")
    if as_of is not None:
        cond = f"({cond}) AND o.vintage <= ?"
        params.append(as_of)
    keys = ", ".join(KEY_COLUMNS)
    base = [c for c in INPUT_COLUMNS if c not in ("partner_kind", "value")]
    cols = ", ".join(f"o.{c}" for c in base)
    # f: the selected rows of every vintage (materialised once: DuckDB keeps a CTE read several
    # times); multi: the (source, dataset, period) cells holding rows of more than one load
    selected = f"FROM observations o WHERE {cond}"  # noqa: S608 (the catalog's filters)
    windowed = multi_load_cells(
        store.con, f"SELECT o.source, o.dataset, o.period, o.load_id {selected}", params
    )
    ctes = f"WITH f AS (SELECT {cols}, o.value, o.vintage, o.load_id {selected}) "
    if windowed:
        ctes += (
            ", multi AS (SELECT source, dataset, period FROM f GROUP BY ALL "
            "HAVING count(DISTINCT load_id) > 1) "
        )

    def latest(where: str) -> str:
        """The newest version of each key among the rows of f matching ``where``."""
        if not windowed:  # no cell holds two loads: every row is the newest of its key
            return f"SELECT * FROM f WHERE {where}"  # noqa: S608
        return (
            f"SELECT * FROM f ANTI JOIN multi USING (source, dataset, period) WHERE {where} "  # noqa: S608
            "UNION ALL SELECT * FROM (SELECT * FROM f SEMI JOIN multi "
            f"USING (source, dataset, period) WHERE {where} QUALIFY row_number() OVER "
            f"(PARTITION BY {keys} ORDER BY vintage DESC, load_id DESC) = 1)"
        )

    pruned = prunable(defs)
    parts: list[str] = []
    pruned_pairs: list[str] = []
    for (src, ds), dims in pruned.items():
        sel = ", ".join(f"NULL::VARCHAR AS {c}" if c in dims else c for c in base)
        pair = f"source = '{_q(src)}' AND dataset = '{_q(ds)}'"
        parts.append(
            f"SELECT {sel}, sum(value) AS value FROM ({latest(pair)}) GROUP BY ALL"  # noqa: S608
        )
        pruned_pairs.append(f"('{_q(src)}', '{_q(ds)}')")
    others = f"(source, dataset) NOT IN ({', '.join(pruned_pairs)})" if pruned_pairs else "true"
    parts.append(f"SELECT {', '.join(base)}, value FROM ({latest(others)})")  # noqa: S608
    out_cols = ", ".join(
        "c.kind AS partner_kind" if c == "partner_kind" else f"s.{c}" for c in INPUT_COLUMNS
    )
    store.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {INPUT_TABLE} AS {ctes}"  # noqa: S608
        f"SELECT {out_cols} FROM ({' UNION ALL '.join(parts)}) s "
        "LEFT JOIN codes c ON c.scheme = 'partner' AND c.code = s.partner",
        params,
    )
    rows = store.con.execute(f"SELECT count(*) FROM {INPUT_TABLE}").fetchall()  # noqa: S608
    return int(rows[0][0]) if rows else 0


def _q(text: str) -> str:
    return text.replace("'", "''")


@dataclass(frozen=True)
class Fingerprint:
    inputs_hash: str
    input_vintage: dt.date | None
    input_rows: int
    max_load: int | None


def fingerprints(
    store: Store, defs: Sequence[Definition], as_of: dt.date | None
) -> dict[str, Fingerprint]:
    """Every definition's inputs hash from ONE grouped scan of ``observations``: count, max
    load id and max vintage of the rows its series filters select (every vintage)."""
    keys = sorted(
        {k for d in defs for s in d.inputs() for k in s if k != "partner_kind"} | {"reporter"}
    )
    rep = keys.index("reporter")
    cond, params = series_where(defs)
    if as_of is not None:
        cond = f"({cond}) AND vintage <= ?"
        params.append(as_of)
    groups = store.con.execute(
        f"SELECT {', '.join(keys)}, count(*), max(load_id), max(vintage) "  # noqa: S608
        f"FROM observations WHERE {cond} GROUP BY ALL",
        params,
    ).fetchall()
    # the groups by the value of each key column: an input looks only at the groups of its
    # most selective key's values instead of every group (same sums, one pass per input)
    index: list[dict[Any, list[tuple[Any, ...]]]] = [{} for _ in keys]
    for g in groups:
        for i, by in enumerate(index):
            by.setdefault(g[i], []).append(g)
    out: dict[str, Fingerprint] = {}
    for d in defs:
        n = 0
        max_load: int | None = None
        vintage: dt.date | None = None
        # each input (a mirror indicator has two, one per reporter) reads one reporter
        for inp in d.inputs():
            want = [
                (i, set(vals))
                for i, (k, vals) in enumerate((k, inp.get(k)) for k in keys)
                if vals is not None
            ]
            candidates: list[tuple[Any, ...]] = groups
            for i, vals in want:
                these = [g for v in vals for g in index[i].get(v, ())]
                if len(these) < len(candidates):
                    candidates = these
            reporters: set[str] = set()
            for g in candidates:
                if all(g[i] in vals for i, vals in want):
                    n += int(g[-3])
                    max_load = g[-2] if max_load is None or g[-2] > max_load else max_load
                    vintage = g[-1] if vintage is None or g[-1] > vintage else vintage
                    reporters.add(g[rep])
            if len(reporters) > 1:
                raise MixedReportersError(d, sorted(reporters, key=str))
        h = hashlib.sha256(f"{d.digest()}|{n}|{max_load}|{vintage}".encode()).hexdigest()
        out[d.id] = Fingerprint(h, vintage, n, max_load)
    return out


class MixedReportersError(CatalogError):
    """A definition whose series filter would add two reporters' figures together.

    Mexico-reported exports to the U.S. and U.S.-reported imports from Mexico are two series
    of the same flow: an indicator reads one reporter (``series.reporter``), never their sum.
    """

    def __init__(self, defn: Definition, reporters: list[str]) -> None:
        shown = ", ".join(str(r) for r in reporters)
        super().__init__(
            defn.file or "<catalog>",
            defn.id,
            "series.reporter",
            f"its series matches observations of {len(reporters)} reporters ({shown}) and "
            "would add their figures together — set series.reporter to one of them "
            f'(e.g. reporter = "{reporters[0]}"), or write one indicator per reporter',
        )
