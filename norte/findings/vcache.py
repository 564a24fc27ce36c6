"""Rank evaluations of earlier vintages, kept between runs (issue 15, part 5).

The rank detectors need, for every vintage the store holds but the newest, the ranks and
ranked values *as of* that vintage: one indicator-engine run each. What was known on an
earlier date does not change when a newer release arrives, so each of those runs is kept on
disk (``$NORTE_CACHE_DIR/rank-vintages``, beside the compiled indicator SQL) under a key of
everything it depends on: the engine code and the definitions (:func:`sql_key`), the members
kept, the date, and a checksum of the input rows as of that date (every column of every
observation the definitions read with ``vintage <= as_of``, and the partner kinds). A load
that adds rows to an earlier vintage changes the checksum, so a stale entry is never read.
A release day then runs the engine twice (the newest figures and the vintage that just became
an earlier one) instead of once per stored vintage.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from norte.findings.data import RankTables, evaluate_ranks
from norte.indicators import Definition
from norte.indicators.engine import cache_dir, sql_key
from norte.indicators.inputs import series_where
from norte.store.db import Store
from norte.store.schema import OBSERVATION_COLUMNS

Result = dict[str, tuple[RankTables, RankTables]]


def _folder() -> Path:
    return cache_dir().parent / "rank-vintages"


def input_checksum(store: Store, defs: list[Definition], as_of: dt.date) -> str:
    cond, params = series_where(defs)
    cols = ", ".join(c for c, _ in OBSERVATION_COLUMNS)
    n, h = store.con.execute(
        f"SELECT count(*), coalesce(sum(hash({cols})), 0) FROM observations "  # noqa: S608
        f"WHERE ({cond}) AND vintage <= ?",
        [*params, as_of],
    ).fetchall()[0]
    k = store.con.execute(
        "SELECT coalesce(sum(hash(code, kind)), 0) FROM codes WHERE scheme = 'partner'"
    ).fetchall()[0][0]
    return f"{n}:{h}:{k}"


def _key(
    store: Store,
    defs: list[Definition],
    as_of: dt.date | None,
    keep: Mapping[str, set[str]],
    with_ranks: bool,
) -> str:
    body = {
        "defs": [sql_key(d, "duckdb") for d in defs],
        "keep": {k: sorted(v) for k, v in sorted(keep.items())},
        "as_of": as_of.isoformat() if as_of else "latest",
        "ranks": with_ranks,
        # the latest figures read every row held: the checksum of every vintage
        "input": input_checksum(store, defs, as_of or dt.date.max),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _dump(t: RankTables) -> list[Any]:
    return [[list(g), [[p.isoformat(), vals] for p, vals in by_p.items()]] for g, by_p in t.items()]


def _load(rows: list[Any]) -> RankTables:
    return {
        tuple(g): {dt.date.fromisoformat(p): dict(vals) for p, vals in by_p} for g, by_p in rows
    }


def evaluate_ranks_as_of(
    store: Store,
    defs: list[Definition],
    as_of: dt.date | None,
    keep: Mapping[str, set[str]],
    with_ranks: bool = True,
) -> tuple[Result, bool]:
    """:func:`evaluate_ranks` as of an earlier vintage (``None``: the latest figures), from
    the cache when it holds that evaluation; (result, came from the cache). The latest
    figures are cached too: a release of another source (a TransBorder month) leaves the
    rank indicators' inputs, hence their checksum, as they were."""
    path = _folder() / f"{_key(store, defs, as_of, keep, with_ranks)}.json"
    try:
        data = json.loads(path.read_text("utf-8"))
        return {k: (_load(r), _load(v)) for k, (r, v) in data.items()}, True
    except (OSError, ValueError, TypeError):
        pass
    res = evaluate_ranks(store, defs, as_of, dict(keep), with_ranks=with_ranks)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({k: [_dump(r), _dump(v)] for k, (r, v) in res.items()}))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs time
    return res, False
