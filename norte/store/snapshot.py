"""Read snapshots of the store, for ``norte serve`` while a writer works.

DuckDB lets one process write a file or many read it, never both. So the server never opens the
store itself: a writing command, when it closes the store, copies the committed database into an
immutable file ``<db>.snapshots/<id>.duckdb`` (``ATTACH`` + ``COPY FROM DATABASE``), then swaps
the pointer file ``<db>.snapshots/CURRENT`` (write a temporary file, ``os.replace``: readers see
the old id or the new one, never half of one). Readers (:mod:`norte.web.snapshots`) open the file
``CURRENT`` names, read-only; a snapshot file is never written again.

Snapshots are made only when the folder ``<db>.snapshots/`` exists: ``norte serve`` creates it
(and the first snapshot), so ingests without a server pay nothing. Old snapshots are pruned:
the newest :data:`KEEP` stay; a server still reading a pruned file keeps it open (POSIX unlink).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import duckdb

from norte.errors import SystemFailure

POINTER = "CURRENT"
SUFFIX = ".duckdb"
#: snapshots kept besides the current one (a server may still drain requests on them)
KEEP = 2
_ALIAS = "norte_snapshot"


def folder(db: Path) -> Path:
    """The snapshot folder of the store ``db``: ``norte.duckdb`` → ``norte.duckdb.snapshots``."""
    return db.with_name(db.name + ".snapshots")


def enabled(db: Path) -> bool:
    """Whether writers of ``db`` publish snapshots (the folder exists)."""
    return folder(db).is_dir()


def current(db: Path) -> tuple[str, Path] | None:
    """The id and file of the newest published snapshot of ``db``, or None."""
    d = folder(db)
    try:
        sid = (d / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = d / f"{sid}{SUFFIX}"
    return (sid, path) if sid and path.exists() else None


def new_id(now: dt.datetime | None = None) -> str:
    """A snapshot id: UTC time (sorts in publication order) and a random suffix."""
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def publish(con: duckdb.DuckDBPyConnection, db: Path) -> str:
    """Copy the committed state of the open store ``con`` (the file ``db``) into a new
    snapshot, point ``CURRENT`` at it, prune old ones; returns the new id.

    Called by the writer (it holds the only connection) outside any transaction. A failure or
    ``kill -9`` leaves ``CURRENT`` as it was (the half-written file is removed next time)."""
    d = folder(db)
    sid = new_id()
    tmp = d / f".{sid}.tmp{SUFFIX}"
    (name,) = con.execute("SELECT current_database()").fetchall()[0]
    try:
        # ATTACH takes no parameters; the path is quoted as a SQL string literal.
        con.execute(f"ATTACH {_quote(tmp)} AS {_ALIAS}")
        try:
            con.execute(f'COPY FROM DATABASE "{name}" TO {_ALIAS}')
        finally:
            con.execute(f"DETACH {_ALIAS}")
        os.replace(tmp, d / f"{sid}{SUFFIX}")
        pointer = d / f".{POINTER}.{sid}.tmp"
        pointer.write_text(sid + "\n", encoding="utf-8")
        os.replace(pointer, d / POINTER)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise SystemFailure(
            f"{d}: could not publish a read snapshot ({e.strerror or e}) — free disk space or "
            f"fix the folder's permissions; remove the folder to stop publishing snapshots"
        ) from e
    prune(db, sid)
    return sid


def prune(db: Path, keep_id: str) -> list[Path]:
    """Remove stale temporary files and every snapshot but ``keep_id`` and the :data:`KEEP`
    newest others; returns the removed files."""
    d = folder(db)
    removed: list[Path] = []
    for p in d.glob(".*.tmp*"):
        if keep_id not in p.name:
            p.unlink(missing_ok=True)
            removed.append(p)
    snaps = sorted(
        (p for p in d.glob(f"*{SUFFIX}") if not p.name.startswith(".")),
        key=lambda p: p.name,
        reverse=True,
    )
    others = [p for p in snaps if p.stem != keep_id]
    for p in others[KEEP:]:
        p.unlink(missing_ok=True)
        removed.append(p)
    return removed
