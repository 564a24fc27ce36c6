"""Stakeholders' own goals in the store (``stakeholder_goals``, ``stakeholder_targets``) and
the recording of every light (``goal_status``).

``norte goals add FILE`` is atomic and idempotent:

- the whole file is validated first (indicator ids against the indicator catalog); any
  problem rejects the file, naming the field, and nothing is written;
- the goals are written in one transaction;
- a goal whose content is unchanged is left alone ("unchanged"), whatever the file name;
- a goal id already stored with different content *from the same owner* is replaced,
  with its targets ("updated", the message says what changed);
- a goal id stored by a different owner is rejected: an organization cannot overwrite
  another's goal (the web app's accounts will rely on this).
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from norte.goals.board import Light as Light  # re-exported
from norte.goals.board import _now
from norte.goals.board import lights as lights  # re-exported
from norte.goals.board import record as record  # re-exported
from norte.goals.catalog import (
    Goal,
    GoalFileError,
    _Ctx,
    parse_goal,
    parse_stakeholder_file,
)
from norte.store import Store


@dataclass
class AddResult:
    goal_id: str
    owner: str
    action: str  # 'added' | 'unchanged' | 'updated'
    message: str


def _raw_goals(path: Path) -> list[dict[str, Any]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    goals: list[dict[str, Any]] = data["goals"]
    return goals


def add_file(store: Store, path: Path, known: set[str] | None = None) -> list[AddResult]:
    """Register the goals of a stakeholder file; see the module docstring for the rules."""
    goals = parse_stakeholder_file(path, known)  # raises before anything is written
    raws = _raw_goals(path)
    results: list[AddResult] = []
    con = store.con
    now = _now()
    with store.transaction("goals_add"):
        for i, (g, raw) in enumerate(zip(goals, raws, strict=True)):
            assert g.owner is not None and g.parent is not None
            old = con.execute(
                "SELECT owner, digest, source_file, added_at, "
                "(SELECT count(*) FROM stakeholder_targets t WHERE t.goal_id = s.goal_id) "
                "FROM stakeholder_goals s WHERE goal_id = ?",
                [g.id],
            ).fetchall()
            digest = g.digest()
            if old:
                owner, old_digest, old_file, added_at, n_old = old[0]
                if owner != g.owner:
                    raise GoalFileError(
                        path,
                        f"goals[{i}].id",
                        f"goal id {g.id!r} is already registered by {owner!r}",
                        hint="choose another id for your goal (ids are unique across owners)",
                    )
                if old_digest == digest:
                    results.append(
                        AddResult(g.id, g.owner, "unchanged", f"{g.id}: unchanged (already stored)")
                    )
                    continue
                con.execute("DELETE FROM stakeholder_targets WHERE goal_id = ?", [g.id])
                con.execute("DELETE FROM stakeholder_goals WHERE goal_id = ?", [g.id])
                action = "updated"
                msg = (
                    f"{g.id}: updated — replaced the version from {old_file} "
                    f"({n_old} target(s)) with {path} ({len(g.targets)} target(s))"
                )
            else:
                action, added_at = "added", now
                n_assessed = sum(1 for r in g.indicators if r.assess is not None)
                msg = f"{g.id}: added under goal {g.parent} with {len(g.targets)} target(s)" + (
                    f" and {n_assessed} assessed indicator(s)" if n_assessed else ""
                )
            _insert(con, g, raw, digest, str(path), added_at, now)
            results.append(AddResult(g.id, g.owner, action, msg))
    return results


def _insert(
    con: duckdb.DuckDBPyConnection,
    g: Goal,
    raw: dict[str, Any],
    digest: str,
    source_file: str,
    added_at: dt.datetime,
    now: dt.datetime,
) -> None:
    con.execute(
        "INSERT INTO stakeholder_goals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            g.id,
            g.owner,
            g.parent,
            g.title["en"],
            g.title["es"],
            g.title["fr"],
            g.description["en"],
            g.citation,
            [r.id for r in g.indicators],
            json.dumps(raw, default=str, sort_keys=True),
            digest,
            source_file,
            added_at,
            now,
        ],
    )
    for t in g.targets:
        con.execute(
            "INSERT INTO stakeholder_targets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                g.id,
                t.id,
                g.owner,
                t.indicator,
                json.dumps(dict(t.select), sort_keys=True),
                t.value,
                t.date,
                t.direction,
                t.baseline,
                t.baseline_value,
                t.tolerance[0],
                t.tolerance[1],
                t.trend_years,
                t.rationale["en"],
                t.citation,
            ],
        )


def has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store has the goals tables (a read-only store made by an older norte may not)."""
    got = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stakeholder_goals'"
    ).fetchall()
    return bool(got[0][0])


def stakeholder_goals(con: duckdb.DuckDBPyConnection) -> list[Goal]:
    """The stored stakeholder goals, re-read from their stored spec (ordered by parent, id)."""
    if not has_tables(con):
        return []
    rows = con.execute(
        "SELECT goal_id, spec, source_file FROM stakeholder_goals ORDER BY parent, goal_id"
    ).fetchall()
    out = []
    for gid, spec, src in rows:
        # indicator ids were checked when the goal was added; known=None skips the check so a
        # later catalog change shows up as "no data" rather than hiding the goal
        out.append(parse_goal(_Ctx(str(src), None), json.loads(spec), f"goal {gid}", shared=False))
    return out


def record_all(store: Store) -> int:
    """Record the lights of the shared goals and every stored stakeholder goal (``norte
    build`` calls this before writing the site)."""
    from norte.goals.catalog import load_shared
    from norte.goals.status import reads_once

    with reads_once():  # the lights write goal_status, not indicator values
        return record(store, [*load_shared(), *stakeholder_goals(store.con)])
