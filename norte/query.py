"""``norte loads`` and ``norte query``: what was loaded, and SQL against the store.

``norte query`` is read-only for the store (it opens it read-only) and, unless
``--allow-write``, sandboxed by DuckDB itself: ``enable_external_access = false`` (no
``COPY … TO``, ``EXPORT DATABASE``, ``ATTACH``, ``INSTALL``/``LOAD``, no file readers such as
``read_csv('/etc/passwd')``), then ``lock_configuration = true`` so the SQL cannot switch it
back. The store's own views and macros keep working. Errors in the SQL are reported by
:func:`norte.envelope.translate` as bad input (exit 2) with DuckDB's first line and a hint.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any

import duckdb

from norte.envelope import user_sql
from norte.store import Store

LOADS_SQL = (
    "SELECT load_id, source, format, rows, rows_skipped, vintage, vintage_from, "
    "finished, outcome, location FROM loads ORDER BY load_id"
)

#: What each kind of statement does that the sandbox refuses (for the message).
_REFUSALS = {
    "COPY": "COPY … TO writes files, COPY … FROM reads them",
    "EXPORT": "EXPORT DATABASE writes files",
    "ATTACH": "ATTACH opens another database",
    "DETACH": "DETACH changes the attached databases",
    "LOAD": "INSTALL and LOAD add extensions",
}


def sandbox(con: duckdb.DuckDBPyConnection) -> None:
    """No file, extension or database outside the store for the rest of the connection's life."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def refusal(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """What the sandbox would refuse in ``sql``, in words; ``""`` for file readers (DuckDB's
    message names the file) and SQL DuckDB cannot parse (the parse error is the message)."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error:
        return ""
    for st in statements:
        why = _REFUSALS.get(st.type.name)
        if why:
            return why
    return ""


def _render(rel: duckdb.DuckDBPyRelation | None, as_json: bool) -> str:
    """The text of a result. Rendered while the store is open and printed after it is
    closed: a reader holds the store only for its query, never while a pager or a slow pipe
    reads stdout (a writer waiting for the lock would wait for the reader's pager)."""
    if rel is None:  # a statement without a result (e.g. SET, CHECKPOINT)
        return "[]\n" if as_json else ""
    if as_json:
        cols = rel.columns
        rows = [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]
        return json.dumps(rows, default=_json_default, indent=2) + "\n"
    with contextlib.redirect_stdout(io.StringIO()) as shown:
        rel.show(max_width=200, max_rows=200)
    return shown.getvalue()


def run_loads(args: argparse.Namespace, db: Path) -> int:
    with Store(db, read_only=True) as store:
        text = _render(store.con.sql(LOADS_SQL), args.json)
    sys.stdout.write(text)
    return 0


def run_query(args: argparse.Namespace, db: Path) -> int:
    with Store(db, read_only=True) as store:
        con = store.con
        why = ""
        if not getattr(args, "allow_write", False):
            sandbox(con)
            why = refusal(con, args.sql)
        with user_sql(why):
            text = _render(con.sql(args.sql), args.json)
    sys.stdout.write(text)
    return 0


def _json_default(o: Any) -> Any:
    if isinstance(o, dt.date | dt.datetime):
        return o.isoformat()
    return str(o)
