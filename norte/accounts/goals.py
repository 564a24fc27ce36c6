"""Stakeholder goals an organisation's editors write in the browser: validated exactly as
``norte goals add`` validates a file (:func:`norte.goals.catalog.parse_goal`), kept as drafts
until published, and handed to the board by :func:`published_goals`.

A goal is stored as its spec (the ``[[goals]]`` table as JSON); its ``owner`` is always the
organisation's name (a form cannot claim another's). Goal ids are unique across
organisations. Saving a change to a published goal makes it a draft again: the board only
shows what an editor published.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from norte.accounts.db import connect, transaction
from norte.accounts.users import User
from norte.goals.catalog import Goal, GoalFileError, known_indicator_ids, parse_goal
from norte.goals.fields import _Ctx

#: The form's fields, in order; ``target_*`` fill one ``[[goals.targets]]`` table.
FORM_FIELDS = (
    "id",
    "parent",
    "title",
    "description",
    "citation",
    "indicators",
    "target_indicator",
    "target_value",
    "target_date",
    "target_direction",
    "target_baseline",
    "target_rationale",
    "target_citation",
)
WHERE = "goal"


@dataclass(frozen=True)
class StoredGoal:
    goal_id: str
    org: str
    state: str  # 'draft' | 'published'
    spec: dict[str, Any]
    updated_at: str
    published_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.goal_id,
            "org": self.org,
            "state": self.state,
            "spec": self.spec,
            "updated_at": self.updated_at,
            "published_at": self.published_at,
        }


class GoalFormError(Exception):
    """A goal that failed validation: the field of the form and the message to show next to
    it (the message is the one ``norte goals add`` prints)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(known_indicator_ids())


def _number(text: str) -> Any:
    try:
        return float(text.replace(",", "")) if text.strip() else text
    except ValueError:
        return text  # the validator says "not a number" with the field


def spec_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The ``[[goals]]`` table the form describes (owner added by :func:`validate`)."""
    f = {k: str(form.get(k, "")).strip() for k in FORM_FIELDS}
    spec: dict[str, Any] = {"id": f["id"], "title": f["title"]}
    spec["parent"] = int(f["parent"]) if f["parent"].isdigit() else f["parent"]
    for key in ("description", "citation"):
        if f[key]:
            spec[key] = f[key]
    spec["indicators"] = [s.strip() for s in re.split(r"[\s,]+", f["indicators"]) if s.strip()]
    if any(f[k] for k in FORM_FIELDS if k.startswith("target_")):
        target: dict[str, Any] = {
            "indicator": f["target_indicator"],
            "value": _number(f["target_value"]),
            "date": f["target_date"],
            "direction": f["target_direction"],
            "rationale": f["target_rationale"],
            "citation": f["target_citation"],
        }
        if f["target_baseline"]:
            target["baseline"] = f["target_baseline"]
        spec["targets"] = [{k: v for k, v in target.items() if v != ""}]
    return spec


def form_from_spec(spec: Mapping[str, Any]) -> dict[str, str]:
    """The form's values for a stored spec (the inverse of :func:`spec_from_form`)."""
    out = {k: "" for k in FORM_FIELDS}
    for k in ("id", "parent", "title", "description", "citation"):
        v = spec.get(k, "")
        out[k] = v.get("en", "") if isinstance(v, dict) else str(v)
    out["indicators"] = "\n".join(
        r if isinstance(r, str) else str(r.get("id", "")) for r in spec.get("indicators", [])
    )
    targets = spec.get("targets") or [{}]
    for k, v in targets[0].items():
        if f"target_{k}" in out:
            out[f"target_{k}"] = (
                v.get("en", "")
                if isinstance(v, dict)
                else f"{v:g}"
                if isinstance(v, float)
                else str(v)
            )
    return out


def _field(place: str) -> str:
    """The form field of a validator's place (``goal.targets[0].date`` → ``target_date``)."""
    rest = place.removeprefix(WHERE).lstrip(".")
    if rest.startswith("targets[0]."):
        name = "target_" + re.split(r"[.\[]", rest.removeprefix("targets[0]."))[0]
        return name if name in FORM_FIELDS else "id"
    name = re.split(r"[.\[]", rest)[0]
    return name if name in FORM_FIELDS else "id"


def validate(spec: dict[str, Any], owner: str, source: str) -> Goal:
    """``spec`` with ``owner`` set, validated as ``norte goals add`` does; a problem is a
    :class:`GoalFormError` naming the form field."""
    spec = dict(spec, owner=owner)
    try:
        return parse_goal(_Ctx(source, set(_known())), spec, WHERE, shared=False)
    except GoalFileError as e:
        text = e.problem + (f" — {e.hint}" if e.hint else "")
        raise GoalFormError(_field(e.place), text) from e


def _row(r: Any) -> StoredGoal:
    return StoredGoal(str(r[0]), str(r[1]), str(r[2]), json.loads(r[3]), str(r[4]), r[5])


_SELECT = (
    "SELECT g.goal_id, o.slug, g.state, g.spec, g.updated_at, g.published_at "
    "FROM goals g JOIN orgs o ON o.id = g.org_id "
)


def org_goals(con: sqlite3.Connection, org: str) -> list[StoredGoal]:
    rows = con.execute(_SELECT + "WHERE o.slug = ? ORDER BY g.goal_id", [org]).fetchall()
    return [_row(r) for r in rows]


def get_goal(con: sqlite3.Connection, org: str, goal_id: str) -> StoredGoal | None:
    row = con.execute(_SELECT + "WHERE o.slug = ? AND g.goal_id = ?", [org, goal_id]).fetchone()
    return _row(row) if row else None


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def save(
    con: sqlite3.Connection, user: User, spec: dict[str, Any], goal_id: str | None = None
) -> StoredGoal:
    """Add (``goal_id`` None) or replace goal ``goal_id`` of the user's organisation, as a
    draft. Validation first; nothing is written when it fails."""
    goal = validate(spec, user.org_name, f"{user.org} goal form")
    clean = json.dumps(dict(spec, owner=user.org_name), sort_keys=True)
    with transaction(con):
        other = con.execute(
            "SELECT o.slug FROM goals g JOIN orgs o ON o.id = g.org_id WHERE g.goal_id = ?",
            [goal.id],
        ).fetchone()
        if goal_id is None or goal.id != goal_id:
            if other is not None:
                owner = "your organisation" if other[0] == user.org else "another organisation"
                raise GoalFormError(
                    "id", f"goal id {goal.id!r} is taken by {owner} — choose another id"
                )
        if goal_id is None:
            con.execute(
                "INSERT INTO goals (org_id, goal_id, state, spec, created_by, updated_by, "
                "created_at, updated_at) VALUES (?, ?, 'draft', ?, ?, ?, ?, ?)",
                [user.org_id, goal.id, clean, user.id, user.id, _now(), _now()],
            )
        else:
            cur = con.execute(
                "UPDATE goals SET goal_id = ?, spec = ?, state = 'draft', updated_by = ?, "
                "updated_at = ? WHERE goal_id = ? AND org_id = ?",
                [goal.id, clean, user.id, _now(), goal_id, user.org_id],
            )
            if cur.rowcount != 1:
                raise GoalFormError("id", f"no goal {goal_id!r} in your organisation")
    stored = get_goal(con, user.org, goal.id)
    assert stored is not None
    return stored


def set_state(con: sqlite3.Connection, user: User, goal_id: str, state: str) -> StoredGoal | None:
    """Publish (``state='published'``) or withdraw (``'draft'``) a goal of the user's
    organisation; None if it has no such goal."""
    assert state in ("draft", "published")
    con.execute(
        "UPDATE goals SET state = ?, published_at = CASE WHEN ? = 'published' THEN ? "
        "ELSE published_at END, updated_by = ? WHERE goal_id = ? AND org_id = ?",
        [state, state, _now(), user.id, goal_id, user.org_id],
    )
    return get_goal(con, user.org, goal_id)


def published_goals(accounts_path: Path) -> list[Goal]:
    """Every published stakeholder goal, as :class:`norte.goals.Goal` (what
    :func:`norte.goals.lights` takes), ordered by parent and id — for the board, beside the
    shared goals and the file-registered stakeholder goals. Indicator ids are not re-checked
    (a later catalog change shows as "no data" rather than hiding the goal)."""
    if not accounts_path.exists():
        return []
    con = connect(accounts_path)
    try:
        rows = con.execute(
            "SELECT goal_id, spec FROM goals WHERE state = 'published' ORDER BY goal_id"
        ).fetchall()
    finally:
        con.close()
    goals = [
        parse_goal(_Ctx(f"{accounts_path} goal {gid}", None), json.loads(spec), WHERE, False)
        for gid, spec in rows
    ]
    return sorted(goals, key=lambda g: (g.parent or 0, g.id))
