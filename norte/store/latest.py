"""Reading the newest vintage of observations cheaply.

``observations_latest`` keeps, for every key, the row of the newest vintage (then load). Keys
are unique within a load (the store checks), so only the (source, dataset, period) cells that
hold rows of more than one load need that window; the readers of a slice (the indicators' input,
the site's chart selections) take the other cells' rows as they are, and, when no cell of the
slice holds two loads (every release day but a revision's), skip the window's joins
altogether (:func:`multi_load_cells`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb


def multi_load_cells(
    con: duckdb.DuckDBPyConnection, rows: str, params: Sequence[Any] | None = None
) -> bool:
    """Whether any (source, dataset, period) cell of ``rows`` (a query giving those columns and
    ``load_id``) holds rows of more than one load."""
    got = con.execute(
        f"SELECT 1 FROM ({rows}) GROUP BY source, dataset, period "  # noqa: S608
        "HAVING count(DISTINCT load_id) > 1 LIMIT 1",
        list(params or []),
    ).fetchall()
    return bool(got)
