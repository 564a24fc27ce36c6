"""The code tables shipped in ``norte/data/codes`` (labels in en/es/fr), synced into ``codes``."""

from __future__ import annotations

import csv
import hashlib
from importlib import resources
from typing import Any

import duckdb

from norte.store.staging import first

_COLUMNS = ("scheme", "code", "label_en", "label_es", "label_fr", "kind", "parent", "note")


def _codes_files() -> list[Any]:
    root = resources.files("norte") / "data" / "codes"
    return sorted((p for p in root.iterdir() if p.name.endswith(".csv")), key=lambda p: p.name)


def sync_codes(con: duckdb.DuckDBPyConnection) -> None:
    """Load the code tables into ``codes`` when they changed (inside the caller's transaction)."""
    files = _codes_files()
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    digest = h.hexdigest()
    row = first(con.execute("SELECT value FROM meta WHERE key = 'codes_sha256'"))
    if row is not None and row[0] == digest:
        return
    rows: list[tuple[str | None, ...]] = []
    for f in files:
        with f.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                rows.append(tuple((r.get(c) or None) for c in _COLUMNS))
    # One bulk insert (executemany runs one statement per row: seconds for ~2,000 codes):
    # one list parameter per column, zipped back into rows by unnest (no pyarrow/pandas
    # import, ~0.4 s). A later row with the same (scheme, code) wins, as with row-by-row
    # INSERT OR REPLACE.
    unique = list({(r[0], r[1]): r for r in rows}.values())
    columns = [[r[i] for r in unique] for i in range(len(_COLUMNS))]
    con.execute("DELETE FROM codes")
    con.execute(
        "INSERT INTO codes SELECT " + ", ".join("unnest(?::VARCHAR[])" for _ in columns),
        columns,
    )
    con.execute("INSERT OR REPLACE INTO meta VALUES ('codes_sha256', ?)", [digest])
