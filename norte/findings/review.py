"""Editorial review of findings: ``norte findings review``.

A newsroom does not publish what a detector found without reading it. Each finding (by its
stable id) can be marked **published** or **dismissed** (with a reason) in ``finding_reviews``;
``norte findings review`` lists those with no decision yet — the new ones since the editor last
looked. With the setting ``findings_review`` on (``NORTE_FINDINGS_REVIEW=1`` or
``[build] findings_review = true``), the site's findings page, the home page and the public
Atom feed show only published findings; off (the default) they show all, as before. Decisions
survive a refresh (ids are content hashes: the same story keeps its id), and a decision on an
id that is not stored is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from norte.errors import UsageError
from norte.store import Store

DECISIONS = ("published", "dismissed")


@dataclass(frozen=True)
class Decision:
    finding_id: str
    decision: str
    reason: str | None
    headline_en: str
    decided_at: dt.datetime


def decide(store: Store, ids: list[str], decision: str, reason: str | None = None) -> int:
    """Record ``decision`` for every id (one transaction; all ids must be stored findings;
    a later decision replaces an earlier one). Dismissing needs a reason."""
    if decision not in DECISIONS:
        raise UsageError(f"decision {decision!r}: expected one of {', '.join(DECISIONS)}")
    if decision == "dismissed" and not (reason or "").strip():
        raise UsageError("dismissing a finding needs --reason TEXT (why it is not news)")
    if not ids:
        raise UsageError("name at least one finding id (norte findings review lists them)")
    con = store.con
    known = dict(
        con.execute(
            "SELECT id, headline_en FROM findings WHERE id IN (SELECT unnest(?::VARCHAR[]))",
            [ids],
        ).fetchall()
    )
    missing = [i for i in ids if i not in known]
    if missing:
        raise UsageError(
            f"no stored finding with id {', '.join(missing)} — run 'norte findings review' "
            "for the ids of the current findings"
        )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with store.transaction("findings_review"):
        con.executemany(
            "INSERT OR REPLACE INTO finding_reviews VALUES (?, ?, ?, ?, ?)",
            [[i, decision, reason, known[i], now] for i in ids],
        )
    return len(ids)


def decisions(con: duckdb.DuckDBPyConnection) -> list[Decision]:
    return [
        Decision(*r)
        for r in con.execute(
            "SELECT finding_id, decision, reason, headline_en, decided_at FROM finding_reviews "
            "ORDER BY decided_at DESC, finding_id"
        ).fetchall()
    ]
