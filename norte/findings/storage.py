"""The ``findings`` table: replaced on each run, read best first."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from norte.findings.model import Finding
from norte.store.db import Store


def write(store: Store, findings: list[Finding]) -> int:
    """Replace the ``findings`` table with ``findings`` in one transaction (the table always
    describes the current store)."""
    rows = [
        [
            f.id,
            f.type,
            f.period,
            f.period_start,
            f.freq,
            f.score,
            dt.date.fromisoformat(f.vintage) if f.vintage else None,
            json.dumps(f.subject, sort_keys=True),
            f.indicators,
            f.headline["en"],
            json.dumps(f.to_json(), ensure_ascii=False, sort_keys=True),
        ]
        for f in findings
    ]
    with store.transaction("findings"):
        store.con.execute("DELETE FROM findings")
        if rows:
            store.con.executemany(
                "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
    return len(rows)


def read(
    con: Any,
    since: dt.date | None = None,
    min_score: float | None = None,
    limit: int | None = None,
    types: Iterable[str] | None = None,
    review: str | None = None,
) -> list[Finding]:
    """Stored findings, best first: ``since`` keeps periods starting on or after the date;
    ``review`` = ``published`` keeps those an editor published, ``pending`` those with no
    decision yet (``norte findings review``; table ``finding_reviews``)."""
    where: list[str] = ["true"]
    params: list[Any] = []
    if review == "published":
        where.append("id IN (SELECT finding_id FROM finding_reviews WHERE decision = 'published')")
    elif review == "pending":
        where.append("id NOT IN (SELECT finding_id FROM finding_reviews)")
    elif review is not None:
        raise ValueError(review)
    if since is not None:
        where.append("period_start >= ?")
        params.append(since)
    if min_score is not None:
        where.append("score >= ?")
        params.append(min_score)
    if types:
        where.append("type IN (SELECT unnest(?))")
        params.append(list(types))
    sql = (
        f"SELECT body FROM findings WHERE {' AND '.join(where)} "  # noqa: S608
        "ORDER BY score DESC, period_start, id"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [Finding.from_json(json.loads(b)) for (b,) in con.execute(sql, params).fetchall()]
