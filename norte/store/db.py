"""The vintage-aware DuckDB store.

One file (default ``./norte.duckdb``) holds every observation of every release. A load is one
file (one ``loads`` row); :meth:`Store.load_many` (``norte ingest``) runs all the loads of a
command in a single DuckDB transaction, :meth:`Store.load_file` one load (an error or a
``kill -9`` leaves the store as it was). Loads are idempotent (a file whose sha256 is already
loaded adds nothing, and rows already stored with the same key and vintage are never inserted
twice) and never overwrite: a revised release adds rows with a newer vintage.

The jobs live in modules of their own: :mod:`~norte.store.connect` (opening, waiting for the
lock, damaged files), :mod:`~norte.store.migrations` (schema versions and upgrades),
:mod:`~norte.store.load` (load planning), :mod:`~norte.store.insert` (writing rows),
:mod:`~norte.store.staging` (what sources and the store exchange). The names sources import
from here (``StageInfo``, ``STAGE_TABLE``, ``first``, ...) are re-exported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from norte import faults
from norte.errors import NorteError, StoreDamagedError, StoreError, SystemFailure
from norte.store import connect as _connect
from norte.store import load as _load
from norte.store import migrations
from norte.store import snapshot as _snapshot
from norte.store.schema import LONG_TABLE
from norte.store.staging import (
    STAGE_TABLE,
    BatchStage,
    LoadResult,
    StageContext,
    StageInfo,
    first,
    sha256_of,
)

__all__ = [
    "STAGE_TABLE",
    "BatchStage",
    "LoadResult",
    "StageContext",
    "StageInfo",
    "Store",
    "first",
    "sha256_of",
]


class Store:
    """A connection to the store file, with the schema ensured (created, upgraded or checked).

    The open waits while another process holds the file, up to ``lock_timeout`` seconds
    (default :func:`norte.store.connect.lock_timeout`, set by ``--wait`` /
    ``NORTE_LOCK_TIMEOUT``), then raises :class:`~norte.errors.StoreBusyError`. Readers
    (``read_only=True``) should close as soon as their work is done: a reader blocks writers.
    """

    def __init__(
        self, path: str | Path, read_only: bool = False, lock_timeout: float | None = None
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._stream_settings = False
        self._streamed = False
        self._tx_depth = 0
        if read_only and not _connect.exists(self.path, read_only):
            raise StoreError(
                f"store {self.path} does not exist — run 'norte ingest FILE' or 'norte build' first"
            )
        self.con = _connect.connect(self.path, read_only, lock_timeout)
        try:
            # DuckDB draws a progress bar on stdout for statements over 2 s (a batch of
            # TransBorder zips); norte reports progress itself on stderr, stdout is for results.
            self.con.execute("SET enable_progress_bar = false")
            if _connect.threads():  # NORTE_THREADS / [store] threads (a validated int)
                self.con.execute(f"SET threads = {int(_connect.threads())}")
            if read_only:
                migrations.check_read_only(self.con, self.path)
            else:
                migrations.ensure(self.con, self.path)
        except duckdb.Error as e:
            self.con.close()
            found = _connect.translate(self.path, e, read_only)
            if isinstance(found, StoreDamagedError | SystemFailure):
                raise found from None  # a damaged block met while checking the schema
            raise
        except BaseException:
            self.con.close()
            raise

    # -- queries ------------------------------------------------------------------------------
    def count(self, table: str = "observations") -> int:
        if table not in {"observations", "loads", "codes", "observations_latest", LONG_TABLE}:
            raise ValueError(table)
        row = first(self.con.execute(f"SELECT count(*) FROM {table}"))  # noqa: S608
        return int(row[0]) if row else 0

    def find_load(self, sha256: str, vintage: dt.date | None) -> int | None:
        """The id of an earlier successful load of the same bytes (and same forced vintage)."""
        if vintage is None:
            row = first(
                self.con.execute(
                    "SELECT min(load_id) FROM loads WHERE sha256 = ? AND vintage_from <> 'option'",
                    [sha256],
                )
            )
        else:
            row = first(
                self.con.execute(
                    "SELECT min(load_id) FROM loads WHERE sha256 = ? AND vintage = ?",
                    [sha256, vintage],
                )
            )
        return None if row is None or row[0] is None else int(row[0])

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def transaction(self, name: str = "") -> Iterator[duckdb.DuckDBPyConnection]:
        """One DuckDB transaction; nested uses join the outer one (DuckDB has no savepoints),
        so a load inside :meth:`load_many` commits or rolls back with the whole command.
        ``name`` labels the write path for fault injection (:mod:`norte.faults`)."""
        if self._tx_depth:
            self._tx_depth += 1
            try:
                yield self.con
            finally:
                self._tx_depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._tx_depth = 1
        try:
            yield self.con
        except BaseException:
            self._tx_depth = 0
            self.con.execute("ROLLBACK")
            raise
        else:
            self._tx_depth = 0
            if name:
                faults.point(name)
            self.con.execute("COMMIT")
        finally:
            if self._stream_settings:
                # A SET survives a ROLLBACK: restore the default whatever the outcome.
                self._stream_settings = False
                self.con.execute("RESET preserve_insertion_order")

    def _restart_transaction(self) -> None:
        """Roll back the outermost transaction and open a new one: the command is doomed (a
        bad file) and the rest of it only validates its other files."""
        self.con.execute("ROLLBACK")
        self.con.execute("BEGIN TRANSACTION")

    def _parallel_writes(self) -> None:
        """Row order inside a table carries no meaning: let DuckDB write in parallel for the
        rest of the transaction (:meth:`transaction` resets it after COMMIT or ROLLBACK), and
        bound the checkpoint at close (see :meth:`close`)."""
        self.con.execute("SET preserve_insertion_order = false")
        self._stream_settings = True
        self._streamed = True

    # -- loading ------------------------------------------------------------------------------
    def load_file(
        self,
        path: Path,
        source: Any,
        vintage: dt.date | None = None,
        options: dict[str, Any] | None = None,
    ) -> LoadResult:
        """Load one file through ``source`` atomically.

        ``source`` is a module or object with ``NAME`` and ``stage(con, path, ctx)``; see
        :mod:`norte.sources`. ``vintage`` overrides the vintage the source would infer.
        """
        return _load.load_file(self, path, source, vintage, options)

    def load_many(
        self,
        items: list[tuple[Path, Any]],
        vintage: dt.date | None = None,
        options: dict[str, Any] | None = None,
        report: Callable[[LoadResult], None] | None = None,
        progress: Callable[[str], None] | None = None,
        prior_errors: list[NorteError] | None = None,
    ) -> list[LoadResult]:
        """Load ``(file, source)`` pairs in ONE transaction: the command is atomic (a bad file
        rolls back every load of the command; the store is as it was before it).

        Each file is still its own load (a ``loads`` row with its sha256, vintage and rows;
        bytes already loaded are skipped). Consecutive files of a source with
        ``stage_many`` (TransBorder) are read together by a few multi-file statements instead
        of one statement per file; ``report`` is called with each result as it is known,
        ``progress`` with a line when a batch starts. Every bad file is reported: after the
        first, the other files are still read (and rolled back); several bad files raise
        :class:`~norte.errors.ManyInputErrors`, one its own error.
        """
        return _load.load_many(self, items, vintage, options, report, progress, prior_errors)

    def close(self) -> None:
        if self._streamed:
            # The checkpoint on close merges the partly filled row groups the streamed loads
            # left (each load ends with some; DuckDB's vacuum rewrites them). Unbounded, it
            # holds them in memory (about 1.9 GB for every TransBorder zip); a 1 GB buffer
            # limit lets DuckDB evict instead. Switching the vacuum off (max_vacuum_tasks = 0)
            # only moves this cost to the next writer's checkpoint (measured), so it stays on.
            self._streamed = False
            self.con.execute("SET memory_limit = '1GB'")
        try:
            if not self.read_only:
                faults.point("checkpoint")
                if _snapshot.enabled(self.path):
                    _snapshot.publish(self.con, self.path)  # for ``norte serve`` (snapshot.py)
        finally:
            self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
