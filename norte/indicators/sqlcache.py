"""Compiled SQL of each definition, cached: in memory, then in
``$NORTE_CACHE_DIR/indicator-sql`` (default ``~/.cache/norte``), keyed by the dialect, the
definition's checksum and a checksum of the code that builds the expression; and the one
``UNION ALL`` query that computes a batch of definitions."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from norte import settings
from norte.indicators.catalog import Definition
from norte.indicators.spec import RESULT_COLUMNS

#: the modules whose code turns a definition into SQL (their text is in the cache key); Ibis
#: itself is imported only when a definition has to be compiled, not on a cache hit
_CODE_MODULES = ("expr", "transforms", "bridging")


def _code_digest() -> str:
    """Checksum of the code that turns a definition into SQL (the expression, the transforms,
    the bridging, the Ibis and SQLGlot versions): a change recompiles every definition."""
    from importlib.metadata import version
    from importlib.util import find_spec

    h = hashlib.sha256(f"{version('ibis-framework')}|{version('sqlglot')}".encode())
    for name in _CODE_MODULES:
        spec = find_spec(f"norte.indicators.{name}")
        assert spec is not None and spec.origin is not None
        h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()


_CODE_DIGEST: str | None = None
_SQL_MEMO: dict[str, str] = {}


def cache_dir() -> Path:
    """Where compiled SQL is kept between processes: ``$NORTE_CACHE_DIR/indicator-sql``
    (default ``$XDG_CACHE_HOME/norte`` or ``~/.cache/norte``)."""
    return settings.cache_root() / "indicator-sql"


def sql_key(defn: Definition, dialect: str) -> str:
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        _CODE_DIGEST = _code_digest()
    return hashlib.sha256(f"{dialect}|{_CODE_DIGEST}|{defn.digest()}".encode()).hexdigest()


def compiled_sql(defn: Definition, dialect: str = "duckdb") -> tuple[str, bool]:
    """(SQL computing ``defn`` over ``_norte_ind_input`` in ``dialect``, came from the cache).

    The SQL is ``ibis.to_sql(expression(defn, input_table()), dialect)``, cached."""
    key = sql_key(defn, dialect)
    if key in _SQL_MEMO:
        return _SQL_MEMO[key], True
    path = cache_dir() / f"{key}.sql"
    try:
        sql = path.read_text(encoding="utf-8")
        _SQL_MEMO[key] = sql
        return sql, True
    except OSError:
        pass
    import ibis

    from norte.indicators.expr import expression, input_table

    if dialect == "pyspark":
        getattr(ibis, "pyspark")  # noqa: B009  (loads the backend: registers ibis.options.pyspark)
    sql = str(ibis.to_sql(expression(defn, input_table()), dialect=dialect))
    _SQL_MEMO[key] = sql
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(sql, encoding="utf-8")
        tmp.replace(path)
    except OSError:  # a read-only home: the memory cache still serves this process
        pass
    return sql, False


def clear_sql_cache(disk: bool = False) -> None:
    """Forget compiled SQL (memory; also the disk cache with ``disk``): for benchmarks."""
    _SQL_MEMO.clear()
    if disk and cache_dir().is_dir():
        for p in cache_dir().glob("*.sql"):
            p.unlink(missing_ok=True)


def batch_sql(defs: Sequence[Definition], dialect: str) -> tuple[str, int]:
    """One ``UNION ALL`` query computing every definition; (SQL, how many were cached)."""
    parts: list[str] = []
    hits = 0
    cols = ", ".join(RESULT_COLUMNS[1:])
    for d in defs:
        sql, hit = compiled_sql(d, dialect)
        hits += hit
        parts.append(f"SELECT '{d.id}' AS base_id, {cols} FROM ({sql}) AS _q")  # noqa: S608
    return "\nUNION ALL\n".join(parts), hits
