"""What sources and the store exchange: the staging table, :class:`StageInfo`,
:class:`StageContext`, :class:`BatchStage`, :class:`LoadResult`, and the file checksum."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

STAGE_TABLE = "_stage"


def first(cur: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The first row of a result, fetching it to the end (DuckDB 2 refuses new work on a
    connection whose previous result was only partly fetched)."""
    rows = cur.fetchall()
    return rows[0] if rows else None


@dataclass
class StageInfo:
    """What a source reports after staging one file."""

    format: str
    vintage: dt.date | None
    vintage_from: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Set False only when the source guarantees unique keys itself (checked in its tests).
    check_unique: bool = True
    #: Streaming sources (large files): instead of (or besides) filling ``_stage``, the source
    #: returns a function the store calls once the vintage and load id are known. It receives
    #: ``emit(select_sql)``: ``select_sql`` yields rows with the columns of ``_stage`` in order
    #: (``vintage`` may be NULL: the load's vintage is used), which the store inserts straight
    #: into ``observations_long`` (one write, no staging table); ``emit`` returns the rows inserted.
    #: The store checks the load's rows for repeated keys after the inserts (same rule as
    #: ``_stage``), inside the same transaction.
    stream: Callable[[Callable[[str], int]], None] | None = None
    #: The ``observations.dataset`` values the load writes; required with ``stream`` (the store
    #: then skips the overlap check when no stored row of these datasets has the vintage).
    datasets: tuple[str, ...] | None = None
    #: The (dataset, period) pairs the file holds, when the source knows them cheaply (batch
    #: sources): files of one batch with the same vintage (``--vintage``) but other periods
    #: then still load together; only a shared (dataset, period, vintage) sends the batch
    #: through the one-file-at-a-time anti-join.
    slices: tuple[tuple[str, dt.date], ...] | None = None
    #: Streaming into the wide TransBorder table (``transborder_wide``) instead of the long
    #: one: ``select_sql`` then yields that table's columns but ``vintage`` and ``load_id``,
    #: and ``emit`` returns the observations (long rows) the inserted rows stand for. The
    #: source checks its rows itself (``StageContext.load_id`` names them).
    wide: bool = False


@dataclass
class BatchStage:
    """What a batch source (``stage_many``) returns for several files (TransBorder).

    ``infos`` has one :class:`StageInfo` per file (format, vintage, notes, ``datasets``).
    ``insert(targets, emit)`` writes the rows: ``targets[i] = (load_id, vintage)`` of file
    ``i`` (the store assigns them) and ``emit(select_sql)`` inserts the rows of a SELECT
    yielding every column of ``transborder_wide`` in order; the source then checks the rows
    (``load_id`` between the first and last target) and raises on bad input (the store's
    transaction rolls everything back). ``cleanup()`` removes temporary files and may be
    called more than once.
    """

    infos: list[StageInfo]
    insert: Callable[[list[tuple[int, dt.date]], Callable[[str], None]], None]
    cleanup: Callable[[], None]


@dataclass
class LoadResult:
    """The outcome of loading one file."""

    location: str
    source: str
    format: str
    load_id: int | None
    rows: int
    rows_skipped: int
    vintage: dt.date | None
    seconds: float
    outcome: str  # 'loaded' | 'already-loaded'
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    """Checksum of a file's bytes, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_many(paths: list[Path]) -> list[str]:
    """Checksums of several files, two at a time (hashlib releases the GIL on big blocks)."""
    if len(paths) < 2:
        return [sha256_of(p) for p in paths]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 2)) as pool:
        return list(pool.map(sha256_of, paths))


def already_loaded(
    path: Path, source: Any, earlier: int, vintage: dt.date | None, seconds: float
) -> LoadResult:
    return LoadResult(
        location=str(path),
        source=source.SOURCE,
        format="",
        load_id=earlier,
        rows=0,
        rows_skipped=0,
        vintage=vintage,
        seconds=seconds,
        outcome="already-loaded",
        notes=[f"same bytes already loaded as load #{earlier}; nothing added"],
    )


@dataclass
class StageContext:
    """What a source's ``stage`` receives besides the connection."""

    path: Path
    vintage: dt.date | None
    options: dict[str, Any]
    #: The load's id, set by the store before a streaming source's ``stream`` runs.
    load_id: int | None = None
