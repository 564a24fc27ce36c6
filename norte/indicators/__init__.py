"""Indicators: a declarative catalog (TOML files) computed by one engine on DuckDB or Spark.

>>> from norte.indicators import load_catalog, compute
>>> defs = load_catalog()                      # validated definitions  # doctest: +SKIP
>>> compute(store, engine="duckdb")            # writes indicator_values  # doctest: +SKIP
"""

from typing import Any

from norte.indicators.catalog import (
    CatalogError,
    Definition,
    Indicator,
    indicators,
    load_catalog,
)

# The engine (Ibis: ~0.25 s to import) loads on first use, so commands that never compute
# (``norte ingest``, ``norte --help``) do not pay for it.
_ENGINE_NAMES = ("ComputeReport", "compute", "evaluate", "expression")


def __getattr__(name: str) -> Any:
    if name in _ENGINE_NAMES:
        from norte.indicators import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'norte.indicators' has no attribute {name!r}")


__all__ = [
    "CatalogError",
    "ComputeReport",
    "Definition",
    "Indicator",
    "compute",
    "evaluate",
    "expression",
    "indicators",
    "load_catalog",
]
