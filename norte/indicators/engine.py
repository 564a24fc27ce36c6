"""One engine for the whole catalog: Ibis expressions run on DuckDB (default) or Spark.

1. Each definition is written ONCE as an Ibis expression over the *input slice*
   (:func:`expression`). The expression is compiled to the backend's SQL dialect
   (``ibis.to_sql``) and the SQL is cached, keyed by the dialect, the definition's checksum and
   a checksum of the engine and transform code (:func:`compiled_sql`): memory first, then
   ``$NORTE_CACHE_DIR`` (default ``~/.cache/norte``) ``/indicator-sql``. Building and compiling
   Ibis expressions costs about 0.1 s of CPU per definition; a cached definition costs nothing.
2. The input slice — the newest vintage (or the vintage known on an as-of date) of the
   observations the definitions read (their series filters, OR-ed), with the partner's
   ``codes.kind`` — is materialised once in DuckDB as ``_norte_ind_input``. For Spark it is
   exported to Parquet and registered in the Spark session under the same name.
   (The expression: :mod:`norte.indicators.expr`; the compiled-SQL cache:
   :mod:`norte.indicators.sqlcache`; the edition bridge: :mod:`norte.indicators.bridging`.)
3. All definitions' SQL run as one ``UNION ALL`` query (a ``base_id`` column tells them apart),
   executed once per backend, fetched as Arrow.
4. Change detection is one ``GROUP BY`` over ``observations`` on the filter columns: each
   definition's inputs hash is its checksum + count, max load id and max vintage of the
   observations its filters select. A definition whose hash is unchanged is skipped:
   recomputation is incremental. Results go to ``indicator_values`` with one ``INSERT`` from
   Arrow (and one ``DELETE`` of the rows they replace), in one transaction.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from norte.errors import NorteError
from norte.indicators import bridging
from norte.indicators.catalog import DIMS, ENGINES, Definition, load_catalog
from norte.indicators.inputs import INPUT_TABLE, Fingerprint, fingerprints, prepare_input
from norte.indicators.spec import DIALECTS, RESULT_COLUMNS
from norte.indicators.sqlcache import (  # re-exported
    batch_sql,
    cache_dir,
    clear_sql_cache,
    compiled_sql,
    sql_key,
)
from norte.store.db import Store

#: names re-exported from :mod:`norte.indicators.expr`, which imports Ibis: loaded on first use,
#: so a computation whose SQL is all cached never imports Ibis (~0.5 s with its DuckDB backend)
_EXPR_NAMES = ("INPUT_SCHEMA", "expression", "input_table")


def __getattr__(name: str) -> Any:
    if name in _EXPR_NAMES:
        from norte.indicators import expr

        return getattr(expr, name)
    raise AttributeError(f"module 'norte.indicators.engine' has no attribute {name!r}")


__all__ = [
    "DIALECTS",
    "RESULT_COLUMNS",
    "Backend",
    "ComputeReport",
    "RunInfo",
    "batch_sql",
    "cache_dir",
    "clear_sql_cache",
    "compiled_sql",
    "compute",
    "evaluate",
    "open_backend",
    "run_batch",
    "sql_key",
]


@dataclass
class RunInfo:
    base_id: str
    status: str  # 'computed' | 'unchanged' | 'no-input'
    rows: int
    #: wall time of the batch query that computed the definition (shared by the batch)
    seconds: float
    input_vintage: dt.date | None


@dataclass
class ComputeReport:
    engine: str
    runs: list[RunInfo] = field(default_factory=list)
    seconds: float = 0.0
    #: where the time went: ``fingerprints``, ``compile``, ``input``, ``query``, ``write``
    phases: dict[str, float] = field(default_factory=dict)
    #: definitions whose SQL came from the cache / had to be compiled
    cached: int = 0
    compiled: int = 0

    @property
    def computed(self) -> int:
        return sum(r.status == "computed" for r in self.runs)

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.runs if r.status == "computed")


# -- backends ---------------------------------------------------------------------------------
class Backend:
    """A backend holding the input slice as ``_norte_ind_input``; runs SQL of its dialect
    (``con``: the store's DuckDB connection, or an Ibis PySpark backend)."""

    def __init__(
        self,
        name: str,
        con: Any,
        tmp: tempfile.TemporaryDirectory[str] | None = None,
        spark: Any = None,
    ):
        self.name = name
        self.dialect = DIALECTS[name]
        self.con = con
        self._tmp = tmp
        self._spark = spark

    def run_sql(self, sql: str) -> pa.Table:
        if self._spark is not None:
            result: pa.Table = self._spark.sql(sql).toArrow()
            return result
        out: pa.Table = self.con.sql(sql).to_arrow_table()
        return out

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def open_backend(store: Store, engine: str, spark: Any = None) -> Backend:
    """The backend for ``engine`` over the prepared input slice (see :func:`prepare_input`)."""
    if engine == "duckdb":
        return Backend("duckdb", store.con)  # runs SQL on the store's connection: no Ibis
    if engine == "spark":
        from norte.indicators.spark import session

        sess = spark if spark is not None else session()
        tmp = tempfile.TemporaryDirectory(prefix="norte-spark-")
        path = Path(tmp.name) / "input.parquet"
        store.con.execute(f"COPY {INPUT_TABLE} TO '{path}' (FORMAT parquet)")
        df = sess.read.parquet(str(path)).cache()
        df.count()
        df.createOrReplaceTempView(INPUT_TABLE)
        import ibis

        return Backend("spark", ibis.pyspark.connect(sess), tmp, spark=sess)
    raise NorteError(f"unknown engine {engine!r} — use one of {', '.join(ENGINES)}")


def run_batch(backend: Backend, defs: Sequence[Definition]) -> tuple[pa.Table, int, float]:
    """Every definition in one query: (result with ``base_id``, cached SQL count, compile s)."""
    t0 = time.perf_counter()
    sql, hits = batch_sql(defs, backend.dialect)
    compile_s = time.perf_counter() - t0
    return backend.run_sql(sql), hits, compile_s


def _split(result: pa.Table, ids: Iterable[str]) -> dict[str, pa.Table]:
    out: dict[str, pa.Table] = {}
    col = result.column("base_id")
    rest = result.drop_columns(["base_id"])
    for ident in ids:
        out[ident] = rest.filter(pc.equal(col, ident))
    return out


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
    defs = bridging.attach(store.con, list(catalog if catalog is not None else load_catalog()))
    prepare_input(store, defs, as_of)
    backend = open_backend(store, engine, spark)
    try:
        result, _, _ = run_batch(backend, defs)
        return _split(result, [d.id for d in defs])
    finally:
        backend.close()
        store.con.execute(f"DROP TABLE IF EXISTS {INPUT_TABLE}")


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
    defs = bridging.attach(store.con, defs)
    report = ComputeReport(engine)
    fps = fingerprints(store, defs, as_of)
    stored = {
        (b, v): h
        for b, v, h in store.con.execute(
            "SELECT base_id, input_vintage, inputs_hash FROM indicator_runs"
        ).fetchall()
    }
    todo: list[Definition] = []
    for d in defs:
        fp = fps[d.id]
        if fp.input_vintage is None:
            report.runs.append(RunInfo(d.id, "no-input", 0, 0.0, None))
        elif not force and stored.get((d.id, fp.input_vintage)) == fp.inputs_hash:
            report.runs.append(RunInfo(d.id, "unchanged", 0, 0.0, fp.input_vintage))
        else:
            todo.append(d)
    t1 = time.perf_counter()
    report.phases["fingerprints"] = t1 - t0
    if todo:
        prepare_input(store, todo, as_of)
        t2 = time.perf_counter()
        report.phases["input"] = t2 - t1
        backend = open_backend(store, engine, spark)
        try:
            result, hits, compile_s = run_batch(backend, todo)
        finally:
            backend.close()
            store.con.execute(f"DROP TABLE IF EXISTS {INPUT_TABLE}")
        t3 = time.perf_counter()
        report.cached, report.compiled = hits, len(todo) - hits
        report.phases["compile"] = compile_s
        report.phases["query"] = t3 - t2 - compile_s
        counts = _write(store, todo, fps, result, engine, t3 - t2)
        report.phases["write"] = time.perf_counter() - t3
        for d in todo:
            fp = fps[d.id]
            report.runs.append(
                RunInfo(d.id, "computed", counts.get(d.id, 0), t3 - t2, fp.input_vintage)
            )
    order = {d.id: i for i, d in enumerate(defs)}
    report.runs.sort(key=lambda r: order[r.base_id])
    report.seconds = time.perf_counter() - t0
    return report


def _write(
    store: Store,
    defs: Sequence[Definition],
    fps: dict[str, Fingerprint],
    result: pa.Table,
    engine: str,
    seconds: float,
) -> dict[str, int]:
    """Replace the definitions' rows for their input vintages: one DELETE and one INSERT per
    table, in one transaction. Returns the rows written per definition."""
    con = store.con
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    counts_t = pc.value_counts(result.column("base_id")) if result.num_rows else None
    counts: dict[str, int] = {}
    if counts_t is not None:
        for item in counts_t.to_pylist():
            counts[str(item["values"])] = int(item["counts"])
    runs = pa.table(
        {
            "base_id": [d.id for d in defs],
            "templated": [bool(d.partners) for d in defs],
            "unit": [d.unit for d in defs],
            "input_vintage": pa.array([fps[d.id].input_vintage for d in defs], pa.date32()),
            "inputs_hash": [fps[d.id].inputs_hash for d in defs],
            "input_rows": pa.array([fps[d.id].input_rows for d in defs], pa.int64()),
            "max_load": pa.array([fps[d.id].max_load for d in defs], pa.int64()),
            "rows": pa.array([counts.get(d.id, 0) for d in defs], pa.int64()),
        }
    )
    dims = ", ".join(f"r.{c}" for c in DIMS)
    con.register("_norte_ind_runs", runs)
    con.register("_norte_ind_result", result)
    try:
        with store.transaction("indicators"):
            for table in ("indicator_values", "indicator_runs"):
                con.execute(
                    f"DELETE FROM {table} t USING _norte_ind_runs m "  # noqa: S608
                    "WHERE t.base_id = m.base_id AND t.input_vintage = m.input_vintage"
                )
            con.execute(
                "INSERT INTO indicator_values SELECT "  # noqa: S608
                "CASE WHEN m.templated THEN r.base_id || '.' || lower(r.partner) "
                f"ELSE r.base_id END, r.base_id, {dims}, r.period, r.freq, r.value, m.unit, "
                "m.input_vintage, m.inputs_hash, ? "
                "FROM _norte_ind_result r JOIN _norte_ind_runs m USING (base_id)",
                [now],
            )
            con.execute(
                "INSERT INTO indicator_runs SELECT base_id, input_vintage, inputs_hash, "
                "input_rows, max_load, rows, ?, ?, ? FROM _norte_ind_runs",
                [engine, seconds, now],
            )
    finally:
        con.unregister("_norte_ind_runs")
        con.unregister("_norte_ind_result")
    return counts
