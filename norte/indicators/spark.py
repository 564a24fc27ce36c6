"""A local Spark session for ``--engine spark`` (PySpark local mode, one per process).

Spark runs in the session time zone UTC so DATE columns read from Parquet are the same days
DuckDB wrote. Shuffle partitions are few: the catalog's inputs fit one machine here; on a
cluster pass your own session to :func:`norte.indicators.compute`.
"""

from __future__ import annotations

from typing import Any

_SESSION: Any = None


def session(master: str = "local[2]") -> Any:
    """The process's Spark session, started on first use (about 8 s)."""
    global _SESSION
    if _SESSION is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as e:  # pragma: no cover - depends on the install
            from norte.errors import NorteError

            raise NorteError(
                "--engine spark needs PySpark: pip install 'ibis-framework[pyspark]'"
            ) from e
        _SESSION = (
            SparkSession.builder.master(master)
            .appName("norte-indicators")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "2")
            # The catalog is one query of many small branches (hundreds of tiny stages): for
            # these, adaptive re-planning and whole-stage code generation cost more than they
            # save (measured on the parity test's store, shared 2-core machine: the Spark run
            # took 73 s then 52 s with them, 52 s then 15 s without).
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.sql.codegen.wholeStage", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
        _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION
