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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from norte.goals.catalog import (
    Goal,
    GoalFileError,
    _Ctx,
    parse_goal,
    parse_stakeholder_file,
)
from norte.goals.status import Status, commitment_status, history, status_at
from norte.store import Store


@dataclass
class AddResult:
    goal_id: str
    owner: str
    action: str  # 'added' | 'unchanged' | 'updated'
    message: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


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
                msg = f"{g.id}: added under goal {g.parent} with {len(g.targets)} target(s)"
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


# -- every light --------------------------------------------------------------------------------
@dataclass
class Light:
    """One row of a goals status table: what is judged, under which goal, and its status."""

    goal_id: str
    goal_number: int
    owner: str | None
    kind: str  # 'target' | 'indicator' (no target) | 'commitment'
    id: str
    indicator_id: str | None
    status: Status
    title: dict[str, str]
    target: dict[str, Any] | None
    #: the commitment's "data needed", or the indicator's "no target set" text (en/es/fr)
    note: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "goal_id": self.goal_id,
            "goal_number": self.goal_number,
            "owner": self.owner,
            "kind": self.kind,
            "id": self.id,
            "indicator_id": self.indicator_id,
            "title": self.title,
            "target": self.target,
            "note": self.note,
            **self.status.as_dict(),
        }


def _indicator_titles() -> dict[str, dict[str, str]]:
    from norte.indicators import indicators, load_catalog

    return {
        i.id: {lang: i.title(lang) for lang in ("en", "es", "fr")}
        for i in indicators(load_catalog())
    }


def lights(
    con: duckdb.DuckDBPyConnection, goals: Sequence[Goal], vintage: dt.date | None = None
) -> list[Light]:
    """The light of every target, commitment and untargeted indicator of ``goals``."""
    titles = _indicator_titles()
    has_values = bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'indicator_values'"
        ).fetchall()[0][0]
    )
    out: list[Light] = []
    for g in goals:
        targeted = {t.indicator for t in g.targets}
        for t in g.targets:
            assert t.indicator is not None
            st = (
                status_at(con, t, vintage)
                if has_values
                else Status("no_data", "no_values", indicator_id=t.indicator)
            )
            title = titles.get(t.indicator, dict.fromkeys(("en", "es", "fr"), t.indicator))
            out.append(
                Light(
                    g.id,
                    g.shared_number,
                    g.owner,
                    "target",
                    t.id,
                    t.indicator,
                    st,
                    title,
                    t.as_dict(),
                )
            )
        for c in g.commitments:
            out.append(
                Light(
                    g.id,
                    g.shared_number,
                    g.owner,
                    "commitment",
                    c.id,
                    None,
                    commitment_status(c.target),
                    dict(c.title),
                    c.target.as_dict(),
                    dict(c.data_needed),
                )
            )
        for r in g.indicators:
            if r.id in targeted:
                continue
            st = (
                _untargeted(con, r.id, dict(r.select), vintage)
                if has_values
                else Status("no_target", "no_target", indicator_id=r.id)
            )
            title = titles.get(r.id, dict.fromkeys(("en", "es", "fr"), r.id))
            out.append(
                Light(
                    g.id,
                    g.shared_number,
                    g.owner,
                    "indicator",
                    r.id,
                    r.id,
                    st,
                    title,
                    None,
                    dict(r.no_target) or None,
                )
            )
    return out


def _untargeted(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    select: dict[str, str],
    vintage: dt.date | None,
) -> Status:
    """No target: no color, but the latest value and period of the series when it is stored
    and unambiguous (one series after ``select``)."""
    from norte.goals.status import series, vintages

    known = [v for v in vintages(con, indicator_id) if vintage is None or v <= vintage]
    st = Status("no_target", "no_target", indicator_id=indicator_id)
    if not known:
        return st
    rows, freq, varying = series(con, indicator_id, select, known[-1])
    if rows and not varying:
        st.input_vintage = known[-1]
        st.freq = freq
        st.latest_period, st.latest_value = rows[-1]
    return st


_STATUS_COLS = (
    "status",
    "reason",
    "method",
    "freq",
    "baseline_period",
    "baseline_value",
    "latest_period",
    "latest_value",
    "trend_from_period",
    "trend_from_value",
    "growth",
    "projected_value",
    "target_value",
    "target_period",
    "path_at_latest",
    "periods_used",
    "tolerance_on",
    "tolerance_risk",
    "direction",
)


def record(store: Store, goals: Sequence[Goal]) -> int:
    """Write the light of every target at every stored input vintage into ``goal_status``
    (replacing earlier rows of the same goals), plus commitments' "no data"; one transaction.
    Returns the number of rows written."""
    con = store.con
    now = _now()
    rows: list[list[Any]] = []
    for g in goals:
        for t in g.targets:
            sts = history(con, t) or [status_at(con, t)]
            for st in sts:
                rows.append(
                    [
                        g.id,
                        g.owner,
                        t.id,
                        t.indicator,
                        st.input_vintage,
                        *(getattr(st, c) for c in _STATUS_COLS),
                        now,
                    ]
                )
        for c in g.commitments:
            st = commitment_status(c.target)
            rows.append(
                [g.id, g.owner, c.id, None, None, *(getattr(st, k) for k in _STATUS_COLS), now]
            )
    cols = (
        "goal_id, owner, target_id, indicator_id, input_vintage, "
        + ", ".join(_STATUS_COLS)
        + ", computed_at"
    )
    marks = ", ".join("?" for _ in range(5 + len(_STATUS_COLS) + 1))
    with store.transaction("goal_status"):
        for g in goals:
            con.execute("DELETE FROM goal_status WHERE goal_id = ?", [g.id])
        if rows:
            con.executemany(f"INSERT INTO goal_status ({cols}) VALUES ({marks})", rows)  # noqa: S608
    return len(rows)


def record_all(store: Store) -> int:
    """Record the lights of the shared goals and every stored stakeholder goal (``norte
    build`` calls this before writing the site)."""
    from norte.goals.catalog import load_shared

    return record(store, [*load_shared(), *stakeholder_goals(store.con)])
