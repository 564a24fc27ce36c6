"""The vintage-aware DuckDB store.

One file (default ``./norte.duckdb``) holds every observation of every release. A load is one
file (one ``loads`` row); :meth:`Store.load_many` (``norte ingest``) runs all the loads of a
command in a single DuckDB transaction, :meth:`Store.load_file` one load (an error or a
``kill -9`` leaves the store as it was). Loads are idempotent (a file whose sha256 is already
loaded adds nothing, and rows already stored with the same key and vintage are never inserted
twice) and never overwrite: a revised release adds rows with a newer vintage.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from norte import faults
from norte.errors import NorteError, StoreError
from norte.store.schema import (
    DDL,
    KEY_COLUMNS,
    LONG_TABLE,
    SCHEMA_VERSION,
    STAGE_COLUMNS,
    TRANSBORDER_COLUMNS,
    TRANSBORDER_KEY,
    TRANSBORDER_MEASURES,
    TRANSBORDER_TABLE,
)

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


def _sha256_many(paths: list[Path]) -> list[str]:
    """Checksums of several files, two at a time (hashlib releases the GIL on big blocks)."""
    if len(paths) < 2:
        return [sha256_of(p) for p in paths]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 2)) as pool:
        return list(pool.map(sha256_of, paths))


def _already_loaded(
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


class _Single:
    """A batch source seen as a one-file-at-a-time source (its ``stage``): the path for files
    whose rows overlap rows of the same dataset and vintage (never stored twice)."""

    def __init__(self, source: Any) -> None:
        self.SOURCE = source.SOURCE
        self.stage = source.stage


def _codes_files() -> list[Any]:
    root = resources.files("norte") / "data" / "codes"
    return sorted((p for p in root.iterdir() if p.name.endswith(".csv")), key=lambda p: p.name)


class Store:
    """A connection to the store file, with the schema ensured."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._stream_settings = False
        self._streamed = False
        self._tx_depth = 0
        if read_only and not self.path.exists():
            raise StoreError(
                f"store {self.path} does not exist — run 'norte ingest FILE' or 'norte build' first"
            )
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as e:
            raise StoreError(
                f"cannot open store {self.path}: {e} — is another norte process using it?"
            ) from e
        # DuckDB draws a progress bar on stdout for statements over 2 s (a batch of TransBorder
        # zips); norte reports progress itself on stderr and keeps stdout for results.
        self.con.execute("SET enable_progress_bar = false")
        if not read_only:
            self._ensure_schema()

    # -- schema -------------------------------------------------------------------------------
    def _ensure_schema(self) -> None:
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            # A store of another schema version (e.g. 1: ``observations`` was a table) is
            # refused before any DDL touches it.
            if first(
                con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta'")
            ) != (0,):
                old = first(con.execute("SELECT value FROM meta WHERE key = 'schema_version'"))
                if old is not None and int(old[0]) != SCHEMA_VERSION:
                    raise StoreError(
                        f"store {self.path} has schema version {old[0]}, this norte expects "
                        f"{SCHEMA_VERSION} — use a new --db path or the matching norte version"
                    )
            for stmt in DDL:
                con.execute(stmt)
            row = first(con.execute("SELECT value FROM meta WHERE key = 'schema_version'"))
            if row is None:
                con.execute(
                    "INSERT INTO meta VALUES ('schema_version', ?), ('created', ?)",
                    [str(SCHEMA_VERSION), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")],
                )
            elif int(row[0]) != SCHEMA_VERSION:
                raise StoreError(
                    f"store {self.path} has schema version {row[0]}, this norte expects "
                    f"{SCHEMA_VERSION} — use a new --db path or the matching norte version"
                )
            self._sync_codes()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _sync_codes(self) -> None:
        """Load the code tables shipped in ``norte/data/codes`` when they changed."""
        files = _codes_files()
        h = hashlib.sha256()
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
        digest = h.hexdigest()
        row = first(self.con.execute("SELECT value FROM meta WHERE key = 'codes_sha256'"))
        if row is not None and row[0] == digest:
            return
        rows: list[tuple[str | None, ...]] = []
        for f in files:
            with f.open(encoding="utf-8", newline="") as fh:
                for r in csv.DictReader(fh):
                    rows.append(
                        tuple(
                            (r.get(c) or None)
                            for c in (
                                "scheme",
                                "code",
                                "label_en",
                                "label_es",
                                "label_fr",
                                "kind",
                                "parent",
                                "note",
                            )
                        )
                    )
        # One bulk insert (executemany runs one statement per row: seconds for ~2,000 codes):
        # one list parameter per column, zipped back into rows by unnest (no pyarrow/pandas
        # import, ~0.4 s). A later row with the same (scheme, code) wins, as with row-by-row
        # INSERT OR REPLACE.
        unique = list({(r[0], r[1]): r for r in rows}.values())
        columns = [[r[i] for r in unique] for i in range(8)]
        self.con.execute("DELETE FROM codes")
        self.con.execute(
            "INSERT INTO codes SELECT " + ", ".join("unnest(?::VARCHAR[])" for _ in columns),
            columns,
        )
        self.con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('codes_sha256', ?)",
            [digest],
        )

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

    # -- loading ------------------------------------------------------------------------------
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
        if hasattr(source, "stage_many"):
            # A batch source: a single file is a batch of one (same code path).
            return self.load_many([(path, source)], vintage=vintage, options=options)[0]
        t0 = time.perf_counter()
        started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        digest = sha256_of(path)
        earlier = self.find_load(digest, vintage)
        if earlier is not None:
            return _already_loaded(path, source, earlier, vintage, time.perf_counter() - t0)
        ctx = StageContext(path=path, vintage=vintage, options=options or {})
        return self._load_in_transaction(path, source, vintage, ctx, digest, started, t0)

    def load_many(
        self,
        items: list[tuple[Path, Any]],
        vintage: dt.date | None = None,
        options: dict[str, Any] | None = None,
        report: Callable[[LoadResult], None] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> list[LoadResult]:
        """Load ``(file, source)`` pairs in ONE transaction: the command is atomic (a bad file
        rolls back every load of the command; the store is as it was before it).

        Each file is still its own load (a ``loads`` row with its sha256, vintage and rows;
        bytes already loaded are skipped). Consecutive files of a source with
        ``stage_many`` (TransBorder) are read together by a few multi-file statements instead
        of one statement per file; ``report`` is called with each result as it is known,
        ``progress`` with a line when a batch starts.
        """
        results: list[LoadResult] = []
        say = report or (lambda r: None)
        with self.transaction():
            i = 0
            while i < len(items):
                path, source = items[i]
                if not hasattr(source, "stage_many"):
                    results.append(self.load_file(path, source, vintage=vintage, options=options))
                    say(results[-1])
                    i += 1
                    continue
                j = i
                while j < len(items) and items[j][1] is source:
                    j += 1
                batch = [p for p, _ in items[i:j]]
                if progress is not None and len(batch) > 1:
                    progress(f"{source.SOURCE}: reading {len(batch)} files as one batch")
                t0 = time.perf_counter()
                for r in self._load_batch(batch, source, vintage, options or {}):
                    results.append(r)
                    say(r)
                if progress is not None and len(batch) > 1:
                    progress(
                        f"{source.SOURCE}: batch of {len(batch)} files done in "
                        f"{time.perf_counter() - t0:.1f}s (per-file times above are its share)"
                    )
                i = j
            if self._tx_depth == 1:
                faults.point("load")
        return results

    def _load_batch(
        self, paths: list[Path], source: Any, vintage: dt.date | None, options: dict[str, Any]
    ) -> list[LoadResult]:
        """Load files of one batch source (inside the caller's transaction); results in order."""
        t0 = time.perf_counter()
        started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        digests = _sha256_many(paths)
        results: dict[int, LoadResult] = {}
        todo: list[int] = []
        seen: dict[str, int] = {}
        twins: dict[int, int] = {}
        for k, (path, digest) in enumerate(zip(paths, digests, strict=True)):
            earlier = self.find_load(digest, vintage)
            if earlier is not None:
                results[k] = _already_loaded(path, source, earlier, vintage, 0.0)
            elif digest in seen:  # the same bytes twice in this batch: the first one loads
                twins[k] = seen[digest]
            else:
                seen[digest] = k
                todo.append(k)
        if todo:
            self._load_new(paths, digests, todo, source, vintage, options, results, started, t0)
        for k, twin in twins.items():
            results[k] = _already_loaded(paths[k], source, results[twin].load_id or 0, vintage, 0.0)
        return [results[k] for k in range(len(paths))]

    def _load_new(
        self,
        paths: list[Path],
        digests: list[str],
        todo: list[int],
        source: Any,
        vintage: dt.date | None,
        options: dict[str, Any],
        results: dict[int, LoadResult],
        started: dt.datetime,
        t0: float,
    ) -> None:
        """Stage and insert ``paths[k]`` for ``k`` in ``todo``; fill ``results[k]``."""
        con = self.con
        ctxs = [StageContext(path=paths[k], vintage=vintage, options=options) for k in todo]
        batch: BatchStage = source.stage_many(con, [paths[k] for k in todo], ctxs)
        try:
            vintages: list[dt.date] = []
            for k, info in zip(todo, batch.infos, strict=True):
                v = vintage or info.vintage
                if v is None:
                    raise NorteError(
                        f"{paths[k]}: no vintage could be inferred — pass --vintage YYYY-MM-DD "
                        "(the release date of this file)"
                    )
                vintages.append(v)
            if self._batch_overlaps(batch.infos, vintages):
                # Rows of the same dataset and vintage in two files of the batch, or already
                # stored: one file at a time, through the never-twice anti-join.
                batch.cleanup()
                for k in todo:
                    results[k] = self.load_file(paths[k], _Single(source), vintage, options)
                return
            row = first(con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads"))
            first_id = int(row[0]) if row else 1
            targets = [(first_id + n, v) for n, v in enumerate(vintages)]
            self._parallel_writes()

            def emit(sql: str) -> None:
                con.execute(f"INSERT INTO {TRANSBORDER_TABLE} {sql}").fetchall()

            batch.insert(targets, emit)
        finally:
            batch.cleanup()
        present = " + ".join(f"count(*) FILTER (WHERE {c})" for *_, c in TRANSBORDER_MEASURES)
        counts = dict(
            con.execute(
                f"SELECT load_id, {present} FROM {TRANSBORDER_TABLE} "  # noqa: S608
                "WHERE load_id BETWEEN ? AND ? GROUP BY load_id",
                [first_id, first_id + len(todo) - 1],
            ).fetchall()
        )
        finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        seconds = (time.perf_counter() - t0) / len(todo)
        for (load_id, v), k, info in zip(targets, todo, batch.infos, strict=True):
            results[k] = self._record_load(
                load_id,
                source,
                paths[k],
                digests[k],
                info,
                (int(counts.get(load_id, 0)), 0),
                v,
                "option" if vintage else info.vintage_from,
                (started, finished, seconds),
            )

    def _batch_overlaps(self, infos: list[StageInfo], vintages: list[dt.date]) -> bool:
        """Whether rows of a batch may repeat a key and vintage: two of its files share a
        (dataset, period, vintage) (by (dataset, vintage) where the periods are not known), or
        rows of one of its (dataset, vintage) are already stored. Rows that repeat one
        another anyway (a file holding more periods than its ``slices`` say) fail the
        source's key check, naming both files."""
        keys: list[tuple[str, dt.date, dt.date | None]] = []
        for info, v in zip(infos, vintages, strict=True):
            if info.slices is not None:
                keys.extend((d, v, period) for d, period in info.slices)
            else:
                keys.extend((d, v, None) for d in info.datasets or ())
        if len(set(keys)) < len(keys):
            return True
        pairs = sorted({(d, v) for d, v, _ in keys})
        if len(pairs) < len({(d, v) for d, v, p in keys if p is None}) + len(
            {(d, v) for d, v, p in keys if p is not None}
        ):
            return True  # a file of unknown periods shares a dataset and vintage with another
        if not pairs:
            return False
        cond = " OR ".join("(dataset = ? AND vintage = ?)" for _ in pairs)
        row = first(
            self.con.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {TRANSBORDER_TABLE} "  # noqa: S608
                f"WHERE {cond} LIMIT 1)",
                [x for pair in pairs for x in pair],
            )
        )
        return bool(row and row[0])

    def _load_in_transaction(
        self,
        path: Path,
        source: Any,
        vintage: dt.date | None,
        ctx: StageContext,
        digest: str,
        started: dt.datetime,
        t0: float,
    ) -> LoadResult:
        con = self.con
        with self.transaction():
            cols = ", ".join(f"{n} {t.replace(' NOT NULL', '')}" for n, t in STAGE_COLUMNS)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE_TABLE} ({cols})")
            try:
                info: StageInfo = source.stage(con, path, ctx)
                final_vintage = vintage or info.vintage
                if final_vintage is None:
                    raise NorteError(
                        f"{path}: no vintage could be inferred — pass --vintage YYYY-MM-DD "
                        "(the release date of this file)"
                    )
                vintage_from = "option" if vintage else info.vintage_from
                self._check_stage(path, info)
                row = first(con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads"))
                load_id = int(row[0]) if row else 1
                inserted, skipped = self._insert_stage(load_id, final_vintage, source.SOURCE)
                ctx.load_id = load_id
                if info.stream is not None and info.wide:
                    s_ins, s_skip = self._insert_wide(load_id, final_vintage, info)
                    inserted += s_ins
                    skipped += s_skip
                elif info.stream is not None:
                    s_ins, s_skip = self._insert_stream(
                        path, load_id, final_vintage, source.SOURCE, info
                    )
                    inserted += s_ins
                    skipped += s_skip
                finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
                result = self._record_load(
                    load_id,
                    source,
                    path,
                    digest,
                    info,
                    (inserted, skipped),
                    final_vintage,
                    vintage_from,
                    (started, finished, time.perf_counter() - t0),
                )
                if self._tx_depth == 1:
                    faults.point("load")
            finally:
                try:
                    con.execute(f"DROP TABLE IF EXISTS {STAGE_TABLE}")
                except duckdb.TransactionException:
                    pass  # aborted by an error: the ROLLBACK drops the table with the rest
        return result

    def _record_load(
        self,
        load_id: int,
        source: Any,
        path: Path,
        digest: str,
        info: StageInfo,
        rows: tuple[int, int],
        vintage: dt.date,
        vintage_from: str,
        timing: tuple[dt.datetime, dt.datetime, float],
    ) -> LoadResult:
        """Write the ``loads`` row of a successful load; its result. ``rows``: (inserted,
        skipped); ``timing``: (started, finished, seconds)."""
        started, finished, seconds = timing
        self.con.execute(
            "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                source.SOURCE,
                str(path.resolve()),
                digest,
                info.format,
                rows[0],
                rows[1],
                vintage,
                vintage_from,
                started,
                finished,
                "loaded",
                "; ".join(info.notes + info.warnings) or None,
            ],
        )
        return LoadResult(
            location=str(path),
            source=source.SOURCE,
            format=info.format,
            load_id=load_id,
            rows=rows[0],
            rows_skipped=rows[1],
            vintage=vintage,
            seconds=seconds,
            outcome="loaded",
            warnings=info.warnings,
            notes=info.notes,
        )

    def _check_stage(self, path: Path, info: StageInfo) -> None:
        if not info.check_unique:
            return
        self._check_unique(path, STAGE_TABLE)

    def _check_unique(self, path: Path, relation: str, where: str = "", params: Any = None) -> None:
        """Fail when two rows of ``relation`` share a key.

        Fast path: the count of distinct key hashes equals the row count, which proves the
        keys unique (equal keys have equal hashes). Only when the counts differ (a repeat or,
        rarely, a hash collision) the exact GROUP BY runs and names the repeated key.
        """
        keys = ", ".join(KEY_COLUMNS)
        counts = first(
            self.con.execute(
                f"SELECT count(*), count(DISTINCT hash({keys})) FROM {relation} {where}",  # noqa: S608
                params or [],
            )
        )
        if counts is None or counts[0] == counts[1]:
            return
        dup = first(
            self.con.execute(
                f"SELECT {keys}, count(*) AS n FROM {relation} {where} "  # noqa: S608
                f"GROUP BY ALL HAVING count(*) > 1 LIMIT 1",
                params or [],
            )
        )
        if dup is not None:
            desc = ", ".join(f"{k}={v}" for k, v in zip(KEY_COLUMNS, dup, strict=False) if v)
            raise NorteError(
                f"{path}: the file holds {dup[-1]} rows for the same observation ({desc}) — "
                "two source codes may map to one norte code; check the source's code table"
            )

    def _overlap(self, vintage: dt.date, datasets: tuple[str, ...] | None, source: str) -> bool:
        """Whether rows of the load's datasets are already stored with this vintage."""
        if datasets is None:
            cond = f"(o.source, o.dataset) IN (SELECT DISTINCT source, dataset FROM {STAGE_TABLE})"  # noqa: S608
            params: list[Any] = [vintage]
        elif not datasets:
            return False
        else:
            marks = ", ".join("?" for _ in datasets)
            cond = f"o.source = ? AND o.dataset IN ({marks})"
            params = [vintage, source, *datasets]
        row = first(
            self.con.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {LONG_TABLE} o "  # noqa: S608
                f"WHERE o.vintage = ? AND {cond} LIMIT 1)",
                params,
            )
        )
        return bool(row and row[0])

    def _select_list(self) -> str:
        names = [n for n, _ in STAGE_COLUMNS]
        return ", ".join(
            "coalesce(s.vintage, ?::DATE)" if n == "vintage" else f"s.{n}" for n in names
        )

    def _insert_stage(self, load_id: int, vintage: dt.date, source: str) -> tuple[int, int]:
        con = self.con
        select = self._select_list()
        staged_row = first(con.execute(f"SELECT count(*) FROM {STAGE_TABLE}"))  # noqa: S608
        staged = int(staged_row[0]) if staged_row else 0
        if staged == 0:
            return 0, 0
        # Rows already stored for the same datasets and vintage: insert only the new keys.
        if self._overlap(vintage, None, source):
            cond = " AND ".join(f"o.{k} IS NOT DISTINCT FROM s.{k}" for k in KEY_COLUMNS)
            res = first(
                con.execute(
                    f"INSERT INTO {LONG_TABLE} SELECT {select}, ? "  # noqa: S608
                    f"FROM {STAGE_TABLE} s WHERE NOT EXISTS (SELECT 1 FROM {LONG_TABLE} o "
                    f"WHERE o.vintage = ? AND {cond})",
                    [vintage, load_id, vintage],
                )
            )
        else:
            res = first(
                con.execute(
                    f"INSERT INTO {LONG_TABLE} SELECT {select}, ? "  # noqa: S608
                    f"FROM {STAGE_TABLE} s",
                    [vintage, load_id],
                )
            )
        inserted = int(res[0]) if res else 0
        return inserted, staged - inserted

    def _insert_stream(
        self, path: Path, load_id: int, vintage: dt.date, source: str, info: StageInfo
    ) -> tuple[int, int]:
        """Run a streaming source: each ``emit(sql)`` inserts straight into the long table."""
        assert info.stream is not None
        con = self.con
        select = self._select_list()
        overlap = self._overlap(vintage, info.datasets, source)
        totals = [0, 0]  # inserted, offered

        def emit(sql: str) -> int:
            if overlap:
                # Slow path (a file of the same vintage was loaded before under other bytes):
                # insert only keys not yet stored with this vintage.
                cond = " AND ".join(f"o.{k} IS NOT DISTINCT FROM s.{k}" for k in KEY_COLUMNS)
                offered = first(con.execute(f"SELECT count(*) FROM ({sql})"))  # noqa: S608
                res = first(
                    con.execute(
                        f"INSERT INTO {LONG_TABLE} SELECT {select}, ? FROM ({sql}) s "  # noqa: S608
                        f"WHERE NOT EXISTS (SELECT 1 FROM {LONG_TABLE} o WHERE o.vintage = ? "
                        f"AND o.load_id <> ? AND {cond})",
                        [vintage, load_id, vintage, load_id],
                    )
                )
                n = int(res[0]) if res else 0
                totals[1] += int(offered[0]) if offered else 0
            else:
                res = first(
                    con.execute(
                        f"INSERT INTO {LONG_TABLE} SELECT {select}, ? FROM ({sql}) s",  # noqa: S608
                        [vintage, load_id],
                    )
                )
                n = int(res[0]) if res else 0
                totals[1] += n
            totals[0] += n
            return n

        self._parallel_writes()
        info.stream(emit)
        if info.check_unique and totals[0]:
            # Repeats inside this load (between emitted files, or with rows from ``_stage``).
            self._check_unique(path, LONG_TABLE, "WHERE load_id = ?", [load_id])
        return totals[0], totals[1] - totals[0]

    def _insert_wide(self, load_id: int, vintage: dt.date, info: StageInfo) -> tuple[int, int]:
        """Run a wide streaming source: each ``emit(sql)`` inserts the raw rows into
        ``transborder_wide``; counts are of observations (long rows), as for every load."""
        assert info.stream is not None
        con = self.con
        table = TRANSBORDER_TABLE
        names = [n for n, _ in TRANSBORDER_COLUMNS if n not in {"vintage", "load_id"}]
        present = " + ".join(f"count(*) FILTER (WHERE {cond})" for *_, cond in TRANSBORDER_MEASURES)
        datasets = info.datasets or ()
        marks = ", ".join("?" for _ in datasets)
        overlap = bool(datasets) and bool(
            first(
                con.execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM {table} "  # noqa: S608
                    f"WHERE vintage = ? AND dataset IN ({marks}) LIMIT 1)",
                    [vintage, *datasets],
                )
            )
            != (0,)
        )
        totals = [0, 0]  # observations inserted, offered

        def emit(sql: str) -> int:
            if overlap:
                # Slow path (a file of the same vintage was loaded before under other bytes):
                # a measure already stored for the key and vintage becomes NULL (not stored
                # again); rows left with no measure are not inserted. Same rule as the long
                # table's anti-join, one observation at a time.
                keys = ", ".join(TRANSBORDER_KEY)
                cond = " AND ".join(f"o.{k} IS NOT DISTINCT FROM s.{k}" for k in TRANSBORDER_KEY)
                have = ", ".join(
                    f"coalesce(bool_or({c}), false) AS has_{m}"
                    for m, _, _, c in TRANSBORDER_MEASURES
                )
                cols = ", ".join(
                    f"CASE WHEN o.has_{n} THEN NULL ELSE s.{n} END AS {n}"
                    if n in {m for m, *_ in TRANSBORDER_MEASURES}
                    else f"s.{n}"
                    for n in names
                )
                offered = first(
                    con.execute(f"SELECT {present} FROM ({sql})")  # noqa: S608
                )
                totals[1] += int(offered[0]) if offered else 0
                res = first(
                    con.execute(
                        f"INSERT INTO {table} SELECT *, ?, ? FROM ("  # noqa: S608
                        f"SELECT {cols} FROM ({sql}) s LEFT JOIN (SELECT {keys}, {have} "
                        f"FROM {table} WHERE vintage = ? AND load_id <> ? GROUP BY ALL) o "
                        f"ON {cond}) WHERE "
                        + " OR ".join(f"({c})" for *_, c in TRANSBORDER_MEASURES),
                        [vintage, load_id, vintage, load_id],
                    )
                )
            else:
                res = first(
                    con.execute(
                        f"INSERT INTO {table} SELECT *, ?, ? FROM ({sql})",  # noqa: S608
                        [vintage, load_id],
                    )
                )
            if not res or not res[0]:
                return 0
            row = first(
                con.execute(
                    f"SELECT {present} FROM {table} WHERE load_id = ?",  # noqa: S608
                    [load_id],
                )
            )
            n = (int(row[0]) if row else 0) - totals[0]
            if not overlap:
                totals[1] += n
            totals[0] += n
            return n

        self._parallel_writes()
        info.stream(emit)
        return totals[0], totals[1] - totals[0]

    def _parallel_writes(self) -> None:
        """Row order inside a table carries no meaning: let DuckDB write in parallel for the
        rest of the transaction (:meth:`transaction` resets it after COMMIT or ROLLBACK), and
        bound the checkpoint at close (see :meth:`close`)."""
        self.con.execute("SET preserve_insertion_order = false")
        self._stream_settings = True
        self._streamed = True

    def close(self) -> None:
        if self._streamed:
            # The checkpoint on close merges the partly filled row groups the streamed loads
            # left (each load ends with some; DuckDB's vacuum rewrites them). Unbounded, it
            # holds them in memory (about 1.9 GB for every TransBorder zip); a 1 GB buffer
            # limit lets DuckDB evict instead. Switching the vacuum off (max_vacuum_tasks = 0)
            # only moves this cost to the next writer's checkpoint (measured), so it stays on.
            self._streamed = False
            self.con.execute("SET memory_limit = '1GB'")
        if not self.read_only:
            faults.point("checkpoint")
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class StageContext:
    """What a source's ``stage`` receives besides the connection."""

    path: Path
    vintage: dt.date | None
    options: dict[str, Any]
    #: The load's id, set by the store before a streaming source's ``stream`` runs.
    load_id: int | None = None
