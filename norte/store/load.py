"""Load planning: which files load, in which transaction, one at a time or as a batch.

:func:`load_many` (``norte ingest``) runs every load of a command in ONE transaction; a bad
file dooms the command, but the other files are still read (in the doomed transaction, which
is rolled back) so that every bad file of the command is reported at once
(:class:`~norte.errors.ManyInputErrors`); the store ends as it was before the command.
:func:`load_file` is one load. The rows themselves are written by :mod:`norte.store.insert`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from norte import faults
from norte.errors import EXIT_INPUT, InputError, ManyInputErrors, NorteError
from norte.store import insert
from norte.store.schema import STAGE_COLUMNS, TRANSBORDER_MEASURES, TRANSBORDER_TABLE
from norte.store.staging import (
    STAGE_TABLE,
    BatchStage,
    LoadResult,
    StageContext,
    StageInfo,
    already_loaded,
    first,
    sha256_many,
    sha256_of,
)

if TYPE_CHECKING:
    from norte.store.db import Store


class _Single:
    """A batch source seen as a one-file-at-a-time source (its ``stage``): the path for files
    whose rows overlap rows of the same dataset and vintage (never stored twice)."""

    def __init__(self, source: Any) -> None:
        self.SOURCE = source.SOURCE
        self.stage = source.stage


def _no_vintage(path: Path) -> InputError:
    return InputError(
        path,
        "",
        "no vintage could be inferred",
        hint="pass --vintage YYYY-MM-DD (the release date of this file)",
    )


def load_file(
    store: Store,
    path: Path,
    source: Any,
    vintage: dt.date | None = None,
    options: dict[str, Any] | None = None,
) -> LoadResult:
    """Load one file through ``source`` atomically (see :meth:`Store.load_file`)."""
    if hasattr(source, "stage_many"):
        # A batch source: a single file is a batch of one (same code path).
        return load_many(store, [(path, source)], vintage=vintage, options=options)[0]
    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    digest = sha256_of(path)
    earlier = store.find_load(digest, vintage)
    if earlier is not None:
        return already_loaded(path, source, earlier, vintage, time.perf_counter() - t0)
    ctx = StageContext(path=path, vintage=vintage, options=options or {})
    return _load_in_transaction(store, path, source, vintage, ctx, digest, started, t0)


def _groups(items: list[tuple[Path, Any]]) -> list[tuple[Any, list[Path]]]:
    """Consecutive files of one batch source together; every other file alone."""
    groups: list[tuple[Any, list[Path]]] = []
    for path, source in items:
        if hasattr(source, "stage_many") and groups and groups[-1][0] is source:
            groups[-1][1].append(path)
        else:
            groups.append((source, [path]))
    return groups


def load_many(
    store: Store,
    items: list[tuple[Path, Any]],
    vintage: dt.date | None = None,
    options: dict[str, Any] | None = None,
    report: Callable[[LoadResult], None] | None = None,
    progress: Callable[[str], None] | None = None,
    prior_errors: list[NorteError] | None = None,
) -> list[LoadResult]:
    """Load ``(file, source)`` pairs in ONE transaction (see :meth:`Store.load_many`).

    ``prior_errors`` (bad files found before loading, e.g. a truncated zip) doom the command
    from the start: the files are then only read to report their own errors too."""
    results: list[LoadResult] = []
    errors: list[NorteError] = list(prior_errors or [])
    say = report or (lambda r: None)
    opts = options or {}
    with store.transaction():
        collect = store._tx_depth == 1  # nested in a caller's transaction: stop at the first
        for source, paths in _groups(items):
            try:
                done = _load_group(store, source, paths, vintage, opts, progress)
            except NorteError as e:
                if not collect or e.exit_code != EXIT_INPUT:
                    raise
                errors.append(e)
                store._restart_transaction()
                if len(paths) > 1:
                    # The batch stopped at its first bad file: read the others alone.
                    others = [p for p in paths if str(p) not in str(e)]
                    errors += _validate_alone(store, source, others, vintage, opts)
                continue
            if not errors:  # once the command is doomed, later files are only validated
                for r in done:
                    results.append(r)
                    say(r)
        if errors:
            raise errors[0] if len(errors) == 1 else ManyInputErrors(errors)
        if store._tx_depth == 1:
            faults.point("load")
    return results


def _validate_alone(
    store: Store, source: Any, paths: list[Path], vintage: dt.date | None, opts: dict[str, Any]
) -> list[NorteError]:
    """Errors of each file read alone (inside the doomed transaction)."""
    errors: list[NorteError] = []
    for p in paths:
        try:
            _load_group(store, source, [p], vintage, opts, None)
        except NorteError as e:
            if e.exit_code != EXIT_INPUT:
                raise
            errors.append(e)
            store._restart_transaction()
    return errors


def _load_group(
    store: Store,
    source: Any,
    paths: list[Path],
    vintage: dt.date | None,
    options: dict[str, Any],
    progress: Callable[[str], None] | None,
) -> list[LoadResult]:
    if not hasattr(source, "stage_many"):
        return [load_file(store, paths[0], source, vintage=vintage, options=options)]
    if progress is not None and len(paths) > 1:
        progress(f"{source.SOURCE}: reading {len(paths)} files as one batch")
    t0 = time.perf_counter()
    done = _load_batch(store, paths, source, vintage, options)
    if progress is not None and len(paths) > 1:
        progress(
            f"{source.SOURCE}: batch of {len(paths)} files done in "
            f"{time.perf_counter() - t0:.1f}s (per-file times above are its share)"
        )
    return done


def _load_batch(
    store: Store, paths: list[Path], source: Any, vintage: dt.date | None, options: dict[str, Any]
) -> list[LoadResult]:
    """Load files of one batch source (inside the caller's transaction); results in order."""
    t0 = time.perf_counter()
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    digests = sha256_many(paths)
    results: dict[int, LoadResult] = {}
    todo: list[int] = []
    seen: dict[str, int] = {}
    twins: dict[int, int] = {}
    for k, (path, digest) in enumerate(zip(paths, digests, strict=True)):
        earlier = store.find_load(digest, vintage)
        if earlier is not None:
            results[k] = already_loaded(path, source, earlier, vintage, 0.0)
        elif digest in seen:  # the same bytes twice in this batch: the first one loads
            twins[k] = seen[digest]
        else:
            seen[digest] = k
            todo.append(k)
    if todo:
        _load_new(store, paths, digests, todo, source, vintage, options, results, (started, t0))
    for k, twin in twins.items():
        results[k] = already_loaded(paths[k], source, results[twin].load_id or 0, vintage, 0.0)
    return [results[k] for k in range(len(paths))]


def _load_new(
    store: Store,
    paths: list[Path],
    digests: list[str],
    todo: list[int],
    source: Any,
    vintage: dt.date | None,
    options: dict[str, Any],
    results: dict[int, LoadResult],
    start: tuple[dt.datetime, float],
) -> None:
    """Stage and insert ``paths[k]`` for ``k`` in ``todo``; fill ``results[k]``."""
    started, t0 = start
    con = store.con
    ctxs = [StageContext(path=paths[k], vintage=vintage, options=options) for k in todo]
    batch: BatchStage = source.stage_many(con, [paths[k] for k in todo], ctxs)
    try:
        vintages: list[dt.date] = []
        for k, info in zip(todo, batch.infos, strict=True):
            v = vintage or info.vintage
            if v is None:
                raise _no_vintage(paths[k])
            vintages.append(v)
        if _batch_overlaps(con, batch.infos, vintages):
            # Rows of the same dataset and vintage in two files of the batch, or already
            # stored: one file at a time, through the never-twice anti-join.
            batch.cleanup()
            for k in todo:
                results[k] = load_file(store, paths[k], _Single(source), vintage, options)
            return
        row = first(con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads"))
        first_id = int(row[0]) if row else 1
        targets = [(first_id + n, v) for n, v in enumerate(vintages)]
        store._parallel_writes()

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
        results[k] = insert.record_load(
            con,
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


def _batch_overlaps(
    con: duckdb.DuckDBPyConnection, infos: list[StageInfo], vintages: list[dt.date]
) -> bool:
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
        con.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {TRANSBORDER_TABLE} "  # noqa: S608
            f"WHERE {cond} LIMIT 1)",
            [x for pair in pairs for x in pair],
        )
    )
    return bool(row and row[0])


def _load_in_transaction(
    store: Store,
    path: Path,
    source: Any,
    vintage: dt.date | None,
    ctx: StageContext,
    digest: str,
    started: dt.datetime,
    t0: float,
) -> LoadResult:
    con = store.con
    with store.transaction():
        cols = ", ".join(f"{n} {t.replace(' NOT NULL', '')}" for n, t in STAGE_COLUMNS)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE_TABLE} ({cols})")
        try:
            info: StageInfo = source.stage(con, path, ctx)
            final_vintage = vintage or info.vintage
            if final_vintage is None:
                raise _no_vintage(path)
            vintage_from = "option" if vintage else info.vintage_from
            insert.check_stage(con, path, info)
            row = first(con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads"))
            load_id = int(row[0]) if row else 1
            inserted, skipped = insert.insert_stage(con, load_id, final_vintage, source.SOURCE)
            ctx.load_id = load_id
            if info.stream is not None:
                store._parallel_writes()
                if info.wide:
                    s_ins, s_skip = insert.insert_wide(con, load_id, final_vintage, info)
                else:
                    s_ins, s_skip = insert.insert_stream(
                        con, path, load_id, final_vintage, source.SOURCE, info
                    )
                inserted += s_ins
                skipped += s_skip
            finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            result = insert.record_load(
                con,
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
            if store._tx_depth == 1:
                faults.point("load")
        finally:
            try:
                con.execute(f"DROP TABLE IF EXISTS {STAGE_TABLE}")
            except duckdb.TransactionException:
                pass  # aborted by an error: the ROLLBACK drops the table with the rest
    return result
