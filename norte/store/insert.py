"""Writing a load's rows: from the staging table, from a streaming source (long or wide
TransBorder table), the key checks, and the ``loads`` row. Every function runs inside the
caller's transaction (:meth:`norte.store.Store.transaction`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from norte.errors import InputError
from norte.store.schema import (
    KEY_COLUMNS,
    LONG_TABLE,
    STAGE_COLUMNS,
    TRANSBORDER_COLUMNS,
    TRANSBORDER_KEY,
    TRANSBORDER_MEASURES,
    TRANSBORDER_TABLE,
)
from norte.store.staging import STAGE_TABLE, LoadResult, StageInfo, first


def record_load(
    con: duckdb.DuckDBPyConnection,
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
    con.execute(
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


def check_stage(con: duckdb.DuckDBPyConnection, path: Path, info: StageInfo) -> None:
    """Fail when two staged rows share a key (unless the source guarantees unique keys)."""
    if not info.check_unique:
        return
    check_unique(con, path, STAGE_TABLE)


def check_unique(
    con: duckdb.DuckDBPyConnection, path: Path, relation: str, where: str = "", params: Any = None
) -> None:
    """Fail when two rows of ``relation`` share a key.

    Fast path: the count of distinct key hashes equals the row count, which proves the
    keys unique (equal keys have equal hashes). Only when the counts differ (a repeat or,
    rarely, a hash collision) the exact GROUP BY runs and names the repeated key.
    """
    keys = ", ".join(KEY_COLUMNS)
    counts = first(
        con.execute(
            f"SELECT count(*), count(DISTINCT hash({keys})) FROM {relation} {where}",  # noqa: S608
            params or [],
        )
    )
    if counts is None or counts[0] == counts[1]:
        return
    dup = first(
        con.execute(
            f"SELECT {keys}, count(*) AS n FROM {relation} {where} "  # noqa: S608
            f"GROUP BY ALL HAVING count(*) > 1 LIMIT 1",
            params or [],
        )
    )
    if dup is not None:
        desc = ", ".join(f"{k}={v}" for k, v in zip(KEY_COLUMNS, dup, strict=False) if v)
        raise InputError(
            path,
            "",
            f"the file holds {dup[-1]} rows for the same observation ({desc})",
            hint="two source codes may map to one norte code; check the source's code table",
        )


def has_overlap(
    con: duckdb.DuckDBPyConnection, vintage: dt.date, datasets: tuple[str, ...] | None, source: str
) -> bool:
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
        con.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {LONG_TABLE} o "  # noqa: S608
            f"WHERE o.vintage = ? AND {cond} LIMIT 1)",
            params,
        )
    )
    return bool(row and row[0])


def select_list() -> str:
    """The columns of ``_stage`` as inserted (a NULL vintage becomes the load's)."""
    names = [n for n, _ in STAGE_COLUMNS]
    return ", ".join("coalesce(s.vintage, ?::DATE)" if n == "vintage" else f"s.{n}" for n in names)


def insert_stage(
    con: duckdb.DuckDBPyConnection, load_id: int, vintage: dt.date, source: str
) -> tuple[int, int]:
    """Insert the rows of ``_stage`` into the long table; (inserted, skipped as already
    stored with the same key and vintage)."""
    select = select_list()
    staged_row = first(con.execute(f"SELECT count(*) FROM {STAGE_TABLE}"))  # noqa: S608
    staged = int(staged_row[0]) if staged_row else 0
    if staged == 0:
        return 0, 0
    # Rows already stored for the same datasets and vintage: insert only the new keys.
    if has_overlap(con, vintage, None, source):
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


def insert_stream(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    load_id: int,
    vintage: dt.date,
    source: str,
    info: StageInfo,
) -> tuple[int, int]:
    """Run a streaming source: each ``emit(sql)`` inserts straight into the long table."""
    assert info.stream is not None
    select = select_list()
    overlap = has_overlap(con, vintage, info.datasets, source)
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

    info.stream(emit)
    if info.check_unique and totals[0]:
        # Repeats inside this load (between emitted files, or with rows from ``_stage``).
        check_unique(con, path, LONG_TABLE, "WHERE load_id = ?", [load_id])
    return totals[0], totals[1] - totals[0]


def insert_wide(
    con: duckdb.DuckDBPyConnection, load_id: int, vintage: dt.date, info: StageInfo
) -> tuple[int, int]:
    """Run a wide streaming source: each ``emit(sql)`` inserts the raw rows into
    ``transborder_wide``; counts are of observations (long rows), as for every load."""
    assert info.stream is not None
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
                f"coalesce(bool_or({c}), false) AS has_{m}" for m, _, _, c in TRANSBORDER_MEASURES
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
                    f"ON {cond}) WHERE " + " OR ".join(f"({c})" for *_, c in TRANSBORDER_MEASURES),
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

    info.stream(emit)
    return totals[0], totals[1] - totals[0]
