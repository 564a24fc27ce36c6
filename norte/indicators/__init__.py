"""Indicators: a declarative catalog (TOML files) computed by one engine on DuckDB or Spark.

>>> from norte.indicators import load_catalog, compute
>>> defs = load_catalog()                      # validated definitions  # doctest: +SKIP
>>> compute(store, engine="duckdb")            # writes indicator_values  # doctest: +SKIP
"""

from norte.indicators.catalog import (
    CatalogError,
    Definition,
    Indicator,
    indicators,
    load_catalog,
)
from norte.indicators.engine import ComputeReport, compute, evaluate, expression

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
