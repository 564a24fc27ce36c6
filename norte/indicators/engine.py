"""One engine for the whole catalog: Ibis expressions run on DuckDB (default) or Spark.

1. The *input slice* — the newest vintage (or the vintage known on an as-of date) of every
   observation a catalog definition reads, with the partner's ``codes.kind`` — is materialised
   once in DuckDB as ``_norte_ind_input``. For Spark it is exported to Parquet and registered
   in the Spark session under the same name.
2. Each definition is compiled ONCE into an Ibis expression over that table
   (:func:`expression`); the same expression object is executed by either backend.
3. Results go to ``indicator_values`` with the input vintage (the newest vintage among the
   definition's input rows) and an inputs hash (definition checksum + count, max load id and
   max vintage of the input rows in ``observations``). A definition whose hash is unchanged is
   skipped: recomputation is incremental.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from norte.errors import NorteError
from norte.indicators.catalog import DIMS, Definition, load_catalog
from norte.indicators.transforms import OPS, Frame
from norte.store.db import Store, first

INPUT_TABLE = "_norte_ind_input"
ENGINES = ("duckdb", "spark")

#: Columns of the input slice (the filters' columns, the dimensions, period and value).
INPUT_COLUMNS = (
    "source",
    "dataset",
    "flow",
    "reporter",
    "partner",
    "partner_kind",
    "product_scheme",
    "product_code",
    "mode",
    "geo_scheme",
    "geo_code",
    "detail",
    "measure",
    "unit",
    "period",
    "freq",
    "value",
)


@dataclass
class RunInfo:
    base_id: str
    status: str  # 'computed' | 'unchanged' | 'no-input'
    rows: int
    seconds: float
    input_vintage: dt.date | None


@dataclass
class ComputeReport:
    engine: str
    runs: list[RunInfo] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def computed(self) -> int:
        return sum(r.status == "computed" for r in self.runs)

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.runs if r.status == "computed")


def expression(defn: Definition, table: ir.Table) -> ir.Table:
    """The Ibis expression computing ``defn`` over the input slice ``table``.

    Returns the dimensions, ``period``, ``freq`` and ``value`` (NULL values dropped)."""
    t = table
    for k, vals in defn.resolved_series().items():
        t = t.filter(t[k] == vals[0]) if len(vals) == 1 else t.filter(t[k].isin(list(vals)))
    t = t.group_by([*DIMS, "period"]).aggregate(value=t.value.sum())
    frame = Frame(t, str(defn.series["freq"]))
    for step in defn.transforms:
        frame = OPS[step.op](frame, **dict(step.params))
    out = frame.table
    if defn.partners:
        out = out.filter(out.partner.isin(list(defn.partners)))
    out = out.filter(out.value.notnull())
    return out.select(*DIMS, "period", freq=ibis.literal(frame.freq, "string"), value=out.value)


# -- the input slice --------------------------------------------------------------------------
def _needed(defs: Sequence[Definition]) -> list[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for d in defs:
        s = d.resolved_series()
        pairs.update((src, ds) for src in s["source"] for ds in s["dataset"])
    return sorted(pairs)


def prepare_input(store: Store, defs: Sequence[Definition], as_of: dt.date | None) -> int:
    """Materialise the input slice in DuckDB (temp table ``_norte_ind_input``); its row count."""
    source = "observations_latest" if as_of is None else "observations_as_of(?)"
    pairs = _needed(defs)
    cols = ", ".join(
        "c.kind AS partner_kind" if c == "partner_kind" else f"o.{c}" for c in INPUT_COLUMNS
    )
    cond = " OR ".join("(o.source = ? AND o.dataset = ?)" for _ in pairs) or "false"
    params: list[Any] = [as_of] if as_of is not None else []
    params += [x for p in pairs for x in p]
    store.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {INPUT_TABLE} AS SELECT {cols} "  # noqa: S608
        f"FROM {source} o LEFT JOIN codes c ON c.scheme = 'partner' AND c.code = o.partner "
        f"WHERE {cond}",
        params,
    )
    row = first(store.con.execute(f"SELECT count(*) FROM {INPUT_TABLE}"))  # noqa: S608
    return int(row[0]) if row else 0


def _fingerprint(
    store: Store, defn: Definition, as_of: dt.date | None
) -> tuple[str, dt.date | None, int, int | None]:
    """(inputs hash, input vintage, input rows, max load id) of a definition's inputs."""
    where: list[str] = []
    params: list[Any] = []
    for k, vals in defn.resolved_series().items():
        if k == "partner_kind":
            continue  # a superset of the rows is fine for change detection
        where.append(f"{k} IN ({', '.join('?' for _ in vals)})")
        params.extend(vals)
    if as_of is not None:
        where.append("vintage <= ?")
        params.append(as_of)
    row = first(
        store.con.execute(
            "SELECT count(*), max(load_id), max(vintage) FROM observations "  # noqa: S608
            f"WHERE {' AND '.join(where)}",
            params,
        )
    )
    n, max_load, vintage = (row or (0, None, None))[:3]
    h = hashlib.sha256(f"{defn.digest()}|{n}|{max_load}|{vintage}".encode()).hexdigest()
    return h, vintage, int(n), max_load


# -- backends ---------------------------------------------------------------------------------
class Backend:
    """An Ibis backend holding the input slice as ``_norte_ind_input``."""

    def __init__(self, name: str, con: Any, tmp: tempfile.TemporaryDirectory[str] | None = None):
        self.name = name
        self.con = con
        self._tmp = tmp

    def table(self) -> ir.Table:
        t: ir.Table = self.con.table(INPUT_TABLE)
        return t

    def run(self, expr: ir.Table) -> pa.Table:
        result: pa.Table = self.con.to_pyarrow(expr)
        return result

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def open_backend(store: Store, engine: str, spark: Any = None) -> Backend:
    """The backend for ``engine`` over the prepared input slice (see :func:`prepare_input`)."""
    if engine == "duckdb":
        return Backend("duckdb", ibis.duckdb.from_connection(store.con))
    if engine == "spark":
        from norte.indicators.spark import session

        sess = spark if spark is not None else session()
        tmp = tempfile.TemporaryDirectory(prefix="norte-spark-")
        path = Path(tmp.name) / "input.parquet"
        store.con.execute(f"COPY {INPUT_TABLE} TO '{path}' (FORMAT parquet)")
        df = sess.read.parquet(str(path)).cache()
        df.count()
        df.createOrReplaceTempView(INPUT_TABLE)
        return Backend("spark", ibis.pyspark.connect(sess), tmp)
    raise NorteError(f"unknown engine {engine!r} — use one of {', '.join(ENGINES)}")


# -- compute ----------------------------------------------------------------------------------
def _select(defs: Sequence[Definition], only: Iterable[str] | None) -> list[Definition]:
    if not only:
        return list(defs)
    wanted = set(only)
    out = [d for d in defs if d.id in wanted or any(i.id in wanted for i in d.instances())]
    known = {d.id for d in defs} | {i.id for d in defs for i in d.instances()}
    missing = sorted(wanted - known)
    if missing:
        raise NorteError(
            f"unknown indicator(s): {', '.join(missing)} — see 'norte indicators list'"
        )
    return out


def evaluate(
    store: Store,
    engine: str = "duckdb",
    catalog: Sequence[Definition] | None = None,
    as_of: dt.date | None = None,
    spark: Any = None,
) -> dict[str, pa.Table]:
    """Every definition's result as an Arrow table (nothing written): for tests and benchmarks."""
    defs = list(catalog if catalog is not None else load_catalog())
    prepare_input(store, defs, as_of)
    backend = open_backend(store, engine, spark)
    try:
        return {d.id: backend.run(expression(d, backend.table())) for d in defs}
    finally:
        backend.close()


def compute(
    store: Store,
    engine: str = "duckdb",
    catalog: Sequence[Definition] | None = None,
    only: Iterable[str] | None = None,
    as_of: dt.date | None = None,
    force: bool = False,
    spark: Any = None,
) -> ComputeReport:
    """Compute the catalog (or ``only`` some ids) into ``indicator_values``.

    A definition whose inputs hash matches its stored run is skipped unless ``force``. With
    ``as_of`` the inputs are what was known on that date (``observations_as_of``).

    >>> compute(Store("norte.duckdb"))  # doctest: +SKIP
    """
    t0 = time.perf_counter()
    defs = _select(list(catalog if catalog is not None else load_catalog()), only)
    report = ComputeReport(engine)
    todo: list[tuple[Definition, str, dt.date, int, int | None]] = []
    for d in defs:
        h, vintage, n, max_load = _fingerprint(store, d, as_of)
        if vintage is None:
            report.runs.append(RunInfo(d.id, "no-input", 0, 0.0, None))
            continue
        stored = first(
            store.con.execute(
                "SELECT inputs_hash FROM indicator_runs WHERE base_id = ? AND input_vintage = ?",
                [d.id, vintage],
            )
        )
        if stored is not None and stored[0] == h and not force:
            report.runs.append(RunInfo(d.id, "unchanged", 0, 0.0, vintage))
            continue
        todo.append((d, h, vintage, n, max_load))
    if todo:
        prepare_input(store, [x[0] for x in todo], as_of)
        backend = open_backend(store, engine, spark)
        try:
            for d, h, vintage, n, max_load in todo:
                t1 = time.perf_counter()
                result = backend.run(expression(d, backend.table()))
                seconds = time.perf_counter() - t1
                rows = _write(store, d, result, vintage, h, n, max_load, engine, seconds)
                report.runs.append(RunInfo(d.id, "computed", rows, seconds, vintage))
        finally:
            backend.close()
            store.con.execute(f"DROP TABLE IF EXISTS {INPUT_TABLE}")
    report.seconds = time.perf_counter() - t0
    return report


def _write(
    store: Store,
    d: Definition,
    result: pa.Table,
    vintage: dt.date,
    inputs_hash: str,
    input_rows: int,
    max_load: int | None,
    engine: str,
    seconds: float,
) -> int:
    """Replace the definition's rows for this input vintage, in one transaction."""
    con = store.con
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ident = "base_id || '.' || lower(r.partner)" if d.partners else "base_id"
    dims = ", ".join(f"r.{c}" for c in DIMS)
    with store.transaction():
        con.execute(
            "DELETE FROM indicator_values WHERE base_id = ? AND input_vintage = ?", [d.id, vintage]
        )
        con.execute(
            "DELETE FROM indicator_runs WHERE base_id = ? AND input_vintage = ?", [d.id, vintage]
        )
        con.register("_norte_ind_result", result)
        try:
            con.execute(
                f"INSERT INTO indicator_values SELECT {ident.replace('base_id', '?')}, ?, "  # noqa: S608
                f"{dims}, r.period, r.freq, r.value, ?, ?, ?, ? FROM _norte_ind_result r",
                [d.id, d.id, d.unit, vintage, inputs_hash, now]
                if d.partners
                else [d.id, d.id, d.unit, vintage, inputs_hash, now],
            )
        finally:
            con.unregister("_norte_ind_result")
        con.execute(
            "INSERT INTO indicator_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                d.id,
                vintage,
                inputs_hash,
                input_rows,
                max_load,
                result.num_rows,
                engine,
                seconds,
                now,
            ],
        )
    return int(result.num_rows)
