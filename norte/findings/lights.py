"""Light changes as findings: a goal's light that changed colour between two releases
("Goal 3: U.S. total trade with Mexico moved from amber to green with the release of
February 6, 2025").

The changes are :func:`norte.goals.changes.light_changes` — consecutive input vintages of one
light in ``goal_status`` whose colour differs. Only changes among the three colours (green,
amber, red) are stories: a light that goes grey or comes out of grey is a data event (a series
stopped, an indicator got its first values), not news about the goal, and is left out.

The finding is about the light (its goal, its key and the release that changed it: the id
hashes those, never the numbers); its series is the light's indicator with its selection, so
the findings page draws that series with the light's period highlighted; its score follows the
common rule (``score.py``) with magnitude 1 for a jump of two colours (green ↔ red) and 0.7
for one step. The review rules (publish / dismiss by id) apply as to every finding."""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from norte.findings.model import LANGS, Finding, period_label
from norte.store.db import Store

#: the colours a story can move between, with their order (0 = green)
RANK = {"on_track": 0, "at_risk": 1, "off_track": 2}
DIMS = ("flow", "partner", "product_code", "mode", "geo_code", "detail", "measure")


@cache
def _catalog(lang: str) -> dict[str, str]:
    """The goals' strings (``norte/goals/i18n.toml``) in ``lang``, English filling gaps."""
    data = tomllib.loads((resources.files("norte") / "goals" / "i18n.toml").read_text("utf-8"))
    return {**data["en"], **data.get(lang, {})}


def _strings(lang: str, key: str) -> str:
    return _catalog(lang).get(key, "")


def _titles(goals: list[Any]) -> dict[tuple[str, str], tuple[Any, dict[str, str], dict[str, str]]]:
    """(goal id, light key) -> (goal, light title per language, select)."""
    from norte.goals.board import _indicator_titles

    ind = _indicator_titles()
    out: dict[tuple[str, str], tuple[Any, dict[str, str], dict[str, str]]] = {}
    for g in goals:
        for r in g.indicators:
            out[(g.id, r.key)] = (g, ind.get(r.id, {lang: r.id for lang in LANGS}), dict(r.select))
        for t in g.targets:
            if t.indicator is not None:
                title = ind.get(t.indicator, {lang: t.indicator for lang in LANGS})
                out[(g.id, t.id)] = (g, title, dict(t.select))
    return out


def _dims(store: Store, indicator: str, select: dict[str, str]) -> dict[str, str]:
    """The dimension codes of the light's series (its first stored row)."""
    where = ["indicator_id = ?"]
    params: list[Any] = [indicator]
    for k, v in select.items():
        if k in DIMS:  # only fixed column names are interpolated
            where.append(f"{k} IS NOT DISTINCT FROM ?")
            params.append(v)
    sql = f"SELECT {', '.join(DIMS)} FROM indicator_values WHERE {' AND '.join(where)} LIMIT 1"  # noqa: S608
    got = store.con.execute(sql, params).fetchall()
    if not got:
        return {}
    return {d: str(v) for d, v in zip(DIMS, got[0], strict=True) if v is not None}


def _freq_unit(store: Store, goal: str, target: str, vintage: dt.date) -> str:
    got = store.con.execute(
        "SELECT freq FROM goal_status WHERE goal_id = ? AND target_id = ? AND input_vintage = ?",
        [goal, target, vintage],
    ).fetchall()
    return str(got[0][0]) if got and got[0][0] else "A"


def light_findings(store: Store, record: bool = True) -> tuple[list[Finding], str]:
    """(findings, note): every change of colour of a light of the shared goals and the stored
    stakeholder goals. ``record``: first write the lights at every input vintage
    (:func:`norte.goals.record_all`, what ``norte build`` does after the findings) so the
    changes are those of the indicator values just computed; a read-only store uses what
    ``goal_status`` holds."""
    try:
        from norte.goals import load_shared, record_all, stakeholder_goals
        from norte.goals.changes import light_changes
    except ImportError as e:  # pragma: no cover - goals ship with norte
        return [], f"no goals module ({e}); light changes skipped"
    if record and not store.read_only:
        record_all(store)
    goals = [*load_shared(), *stakeholder_goals(store.con)]
    titles = _titles(goals)
    out: list[Finding] = []
    changes = light_changes(store.con)
    for c in changes:
        if c.from_status not in RANK or c.to_status not in RANK:
            continue
        known = titles.get((c.goal_id, c.target_id))
        if known is None or c.indicator_id is None or c.latest_period is None:
            continue
        goal, title, select = known
        freq = _freq_unit(store, c.goal_id, c.target_id, c.to_vintage)
        values: dict[str, Any] = {
            "variant": "light_change",
            "goal": c.goal_id,
            "goal_number": goal.shared_number,
            "light": c.target_id,
            "method": c.method,
            "from_status": c.from_status,
            "to_status": c.to_status,
            "from_reason": c.from_reason,
            "to_reason": c.to_reason,
            "from_vintage": c.from_vintage.isoformat(),
            "to_vintage": c.to_vintage.isoformat(),
            "period_start": c.latest_period.isoformat(),
            "freq": freq,
            "latest_value": c.latest_value,
            "steps": abs(RANK[c.to_status] - RANK[c.from_status]),
            "better": RANK[c.to_status] < RANK[c.from_status],
        }
        for lang in LANGS:
            values[f"goal_name_{lang}"] = _strings(lang, "goal_n").format(n=goal.shared_number)
            values[f"goal_title_{lang}"] = goal.title.get(lang) or goal.title["en"]
            values[f"light_name_{lang}"] = title.get(lang) or title["en"]
            # the headline names the series up to its first comma, as other findings do
            values[f"light_short_{lang}"] = values[f"light_name_{lang}"].split(",")[0]
            values[f"from_colour_{lang}"] = _strings(lang, f"colour_{c.from_status}")
            values[f"to_colour_{lang}"] = _strings(lang, f"colour_{c.to_status}")
            # French needs the article with its preposition: "du vert", "à l'orange"
            values[f"from_du_{lang}"] = _strings(lang, f"colour_du_{c.from_status}")
            values[f"to_au_{lang}"] = _strings(lang, f"colour_au_{c.to_status}")
            # the grade by name (no numbers: every number of a finding's text is one of its
            # values); empty, and its sentence dropped, when the method's grades have none
            values[f"to_grade_{lang}"] = _strings(lang, f"grade_{c.to_reason}")
        subject = _dims(store, c.indicator_id, select) | {
            "goal": c.goal_id,
            "light": c.target_id,
            "release": c.to_vintage.isoformat(),
        }
        f = Finding(
            type="light_change",
            subject=subject,
            period=period_label(c.latest_period, freq),
            period_start=c.latest_period,
            freq=freq,
            values=values,
            indicators=[c.indicator_id],
        )
        f.score_parts["magnitude"] = 1.0 if values["steps"] == 2 else 0.7
        f.score_parts["rarity"] = 1.0
        f.newest = c.latest_period
        out.append(f)
    return out, f"{len(out)} light change(s) between releases ({len(changes)} in goal_status)"
