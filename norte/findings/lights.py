"""Light changes as findings: a goal's light that changed colour between two releases
("Goal 3: U.S. total trade with Mexico moved from amber to green with the release of
February 6, 2025").

The changes are those :func:`norte.goals.changes.light_changes` lists from ``goal_status`` —
consecutive input vintages of one light whose colour differs — computed from the indicator
values (``norte build`` runs the findings before it records ``goal_status``, and a findings run
writes only the findings table). Only changes among the three colours (green,
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
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from norte.findings.model import LANGS, Finding, period_label
from norte.goals.changes import LightChange
from norte.goals.status import Status
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


def colour_changes(
    history: Sequence[Status],
) -> list[tuple[Status, Status]]:
    """Consecutive statuses (oldest first, one per input vintage) whose colour differs, both
    lit (green, amber or red): grey -> colour and colour -> grey are left out."""
    out = []
    for a, b in zip(history, history[1:], strict=False):
        if a.status != b.status and a.status in RANK and b.status in RANK:
            out.append((a, b))
    return out


def _histories(con: Any, goals: list[Any]) -> list[tuple[Any, str, str, list[Status]]]:
    """(goal, light key, indicator id, statuses at every input vintage) of every target and
    assessed indicator — what :func:`norte.goals.board.record` stores in ``goal_status``,
    computed here without writing (``norte build`` records the lights after the findings)."""
    from norte.goals.board import ref_history
    from norte.goals.status import history

    out: list[tuple[Any, str, str, list[Status]]] = []
    for g in goals:
        for t in g.targets:
            if t.indicator is not None and t.date is not None:
                out.append((g, t.id, t.indicator, history(con, t)))
        for r in g.indicators:
            if r.assess is not None:
                out.append((g, r.key, r.id, ref_history(con, r)))
    return out


def light_findings(store: Store) -> tuple[list[Finding], str]:
    """(findings, note): every change of colour between consecutive input vintages of a light
    of the shared goals and the stored stakeholder goals, from the indicator values in the
    store (the same lights ``goal_status`` records; nothing is written)."""
    try:
        from norte.goals import load_shared, stakeholder_goals
    except ImportError as e:  # pragma: no cover - goals ship with norte
        return [], f"no goals module ({e}); light changes skipped"
    goals = [*load_shared(), *stakeholder_goals(store.con)]
    titles = _titles(goals)
    out: list[Finding] = []
    changes: list[LightChange] = []
    freqs: dict[tuple[str, str, dt.date], str] = {}
    for g, key, indicator, hist in _histories(store.con, goals):
        for a, b in colour_changes(hist):
            if a.input_vintage is None or b.input_vintage is None:
                continue
            changes.append(
                LightChange(g.id, g.owner, key, indicator, b.method, a.input_vintage,
                            b.input_vintage, a.status, b.status, a.reason, b.reason,
                            b.latest_period, b.latest_value)
            )  # fmt: skip
            freqs[(g.id, key, b.input_vintage)] = b.freq or "A"
    for c in changes:
        known = titles.get((c.goal_id, c.target_id))
        if known is None or c.indicator_id is None or c.latest_period is None:
            continue
        goal, title, select = known
        freq = freqs[(c.goal_id, c.target_id, c.to_vintage)]
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
    return out, f"{len(out)} light change(s) of colour between releases"
