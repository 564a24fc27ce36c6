"""Goals and targets as data: the report's four shared goals (``norte/goals/catalog/*.toml``)
and stakeholders' own goals (a TOML file given to ``norte goals add``), validated here.

One schema serves both. A *target* says where an indicator should be by a date::

    [[goals.targets]]
    indicator = "us-total-trade-annual.mex"   # an id of the indicator catalog
    select = { flow = "total" }               # optional: pin one series of the indicator
    value = 1.0e12                            # the target value, in the indicator's unit
    date = "2030"                             # YYYY, YYYY-MM or YYYY-MM-DD
    direction = "higher_is_better"            # or lower_is_better
    baseline = "2019"                         # the period the target path starts from
    rationale = "why this number"             # or { en = ..., es = ..., fr = ... }
    citation = "who set it, where"

A *commitment* is a target on something no loaded data measures (USMCA regional value
content, semiconductor capacity): it keeps its value, date and citation and names the data
that would be needed; its light is always "no data". An indicator listed without a target is
shown with "no target set" — the catalog never invents a number.

Every mistake raises :class:`GoalFileError` naming the file, the field
(``goals[0].targets[1].date``) and the fix.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from norte.goals.assessment import (
    REF_FIELDS,
    parse_about,
    parse_assessment,
    parse_direction,
)
from norte.goals.fields import (
    DIRECTIONS,
    _date,
    _ident,
    _indicator_id,
    _no_unknown,
    _number,
    _require,
    _select,
    _text,
)
from norte.goals.fields import LANGS as LANGS  # re-exported
from norte.goals.fields import SELECT_DIMS as SELECT_DIMS  # re-exported
from norte.goals.fields import GoalFileError as GoalFileError  # re-exported
from norte.goals.fields import _Ctx as _Ctx  # re-exported
from norte.goals.fields import parse_date as parse_date  # re-exported
from norte.goals.model import (  # re-exported: the catalog's public names
    DEFAULT_TOLERANCE as DEFAULT_TOLERANCE,
)
from norte.goals.model import DEFAULT_TREND_YEARS as DEFAULT_TREND_YEARS
from norte.goals.model import GOAL_NUMBERS as GOAL_NUMBERS
from norte.goals.model import Commitment as Commitment
from norte.goals.model import Goal as Goal
from norte.goals.model import IndicatorRef as IndicatorRef
from norte.goals.model import Target as Target
from norte.goals.movers import parse_movers

_TARGET_FIELDS = (
    "id",
    "indicator",
    "select",
    "value",
    "date",
    "direction",
    "baseline",
    "baseline_value",
    "tolerance",
    "trend_years",
    "unit",
    "rationale",
    "citation",
)


def _target(
    c: _Ctx, raw: Any, where: str, default_id: str, langs: bool, commitment: bool = False
) -> Target:
    if not isinstance(raw, dict):
        raise c.fail(where, "expected a table", "write [[...targets]] with value, date, ...")
    _no_unknown(c, raw, where, _TARGET_FIELDS)
    indicator = None
    if not commitment:
        indicator = _indicator_id(
            c, _require(c, raw, where, "indicator", '"<indicator id>"'), f"{where}.indicator"
        )
    value = _number(c, _require(c, raw, where, "value", "<number>"), f"{where}.value")
    date = None
    if "date" in raw or not commitment:
        date = _date(c, _require(c, raw, where, "date", '"YYYY"'), f"{where}.date")
    direction = _require(c, raw, where, "direction", '"higher_is_better"')
    if direction not in DIRECTIONS:
        raise c.fail(
            f"{where}.direction",
            f"unknown direction {direction!r}",
            f"use {' or '.join(repr(d) for d in DIRECTIONS)}",
        )
    rationale = _text(
        c, _require(c, raw, where, "rationale", '"why this value"'), f"{where}.rationale", langs
    )
    citation = _require(c, raw, where, "citation", '"who set the target, and where"')
    if not isinstance(citation, str) or not citation.strip():
        raise c.fail(f"{where}.citation", "expected text", "name the source of the target")
    baseline = None
    if "baseline" in raw:
        baseline = _date(c, raw["baseline"], f"{where}.baseline")
    elif not commitment:
        raise c.fail(
            f"{where}.baseline",
            "missing",
            'add baseline = "YYYY" (the period the path to the target starts from)',
        )
    baseline_value = None
    if "baseline_value" in raw:
        baseline_value = _number(c, raw["baseline_value"], f"{where}.baseline_value")
    tol = raw.get("tolerance", list(DEFAULT_TOLERANCE))
    if (
        not isinstance(tol, list)
        or len(tol) != 2
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in tol)
        or not 0 <= tol[0] <= tol[1]
    ):
        raise c.fail(
            f"{where}.tolerance",
            f"expected [on_track, at_risk] fractions, got {tol!r}",
            "e.g. tolerance = [0.05, 0.15] (0 <= first <= second)",
        )
    years = raw.get("trend_years", DEFAULT_TREND_YEARS)
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise c.fail(
            f"{where}.trend_years", f"expected a whole number >= 1, got {years!r}", "e.g. 3"
        )
    unit = raw.get("unit")
    if unit is not None and (not isinstance(unit, str) or not unit):
        raise c.fail(f"{where}.unit", "expected a unit", 'e.g. "percent"')
    ident = _ident(c, raw.get("id", default_id), f"{where}.id")
    return Target(
        id=ident,
        indicator=indicator,
        value=value,
        date=date,
        direction=direction,
        rationale=rationale,
        citation=citation,
        select=_select(c, raw.get("select", {}), f"{where}.select"),
        baseline=baseline,
        baseline_value=baseline_value,
        tolerance=(float(tol[0]), float(tol[1])),
        trend_years=years,
        unit=unit,
    )


_GOAL_FIELDS = (
    "id",
    "number",
    "owner",
    "parent",
    "title",
    "description",
    "citation",
    "indicators",
    "targets",
    "commitments",
    "data_gaps",
)


def _indicator_refs(c: _Ctx, raw: Any, where: str, langs: bool) -> tuple[IndicatorRef, ...]:
    """The indicators of a goal. In the shared catalog (``langs``) every indicator states its
    desired direction with a rationale and answers what / why / want in en, es and fr."""
    if not isinstance(raw, list):
        raise c.fail(where, "expected a list", 'write indicators = ["id", ...] or [[...]] tables')
    out = []
    for i, item in enumerate(raw):
        w = f"{where}[{i}]"
        if isinstance(item, str) and not langs:
            out.append(IndicatorRef(_indicator_id(c, item, w)))
            continue
        if not isinstance(item, dict):
            raise c.fail(w, "expected an indicator table", 'write [[goal.indicators]] id = "..."')
        _no_unknown(c, item, w, REF_FIELDS)
        ident = _indicator_id(c, _require(c, item, w, "id", '"<indicator id>"'), f"{w}.id")
        nt = _text(c, item["no_target"], f"{w}.no_target", langs) if "no_target" in item else {}
        assess = parse_assessment(c, item, w)
        direction = parse_direction(c, item, w) if langs or assess or "direction" in item else None
        rationale = (
            _text(
                c,
                _require(c, item, w, "rationale", '"why this direction"'),
                f"{w}.rationale",
                langs,
            )
            if langs or assess or "rationale" in item
            else {}
        )
        about = (
            parse_about(
                c, _require(c, item, w, "about", "{ what, why, want }"), f"{w}.about", langs
            )
            if langs or "about" in item
            else {}
        )
        key = _ident(c, item["key"], f"{w}.key") if "key" in item else None
        out.append(
            IndicatorRef(
                ident,
                _select(c, item.get("select", {}), f"{w}.select"),
                nt,
                direction,
                rationale,
                about,
                assess,
                key,
                parse_movers(c, item["movers"], f"{w}.movers") if "movers" in item else None,
            )
        )
    keys = [r.key for r in out]
    for i, r in enumerate(out):
        if keys.count(r.key) > 1:
            raise c.fail(
                f"{where}[{i}].key", f"repeated indicator light {r.key!r}", 'give one a key = "..."'
            )
    return tuple(out)


def parse_goal(c: _Ctx, raw: Any, where: str, shared: bool) -> Goal:
    """Validate one goal table (shared: from the catalog; else a stakeholder goal)."""
    if not isinstance(raw, dict):
        raise c.fail(where, "expected a table", "write [[goals]] with id, title, ...")
    _no_unknown(
        c,
        raw,
        where,
        [f for f in _GOAL_FIELDS if f not in (("owner", "parent") if shared else ("number",))],
    )
    ident = _ident(c, _require(c, raw, where, "id", '"<goal id>"'), f"{where}.id")
    number = parent = None
    owner = None
    if shared:
        number = _require(c, raw, where, "number", "1, 2, 3 or 4")
        if number not in GOAL_NUMBERS or isinstance(number, bool):
            raise c.fail(f"{where}.number", f"expected 1-4, got {number!r}", "use 1, 2, 3 or 4")
    else:
        owner = _require(c, raw, where, "owner", '"<organization>"')
        if not isinstance(owner, str) or not owner.strip():
            raise c.fail(f"{where}.owner", "expected text", "name the organization")
        parent = _require(c, raw, where, "parent", "1, 2, 3 or 4")
        if isinstance(parent, bool) or parent not in GOAL_NUMBERS:
            raise c.fail(
                f"{where}.parent",
                f"expected a shared goal number 1-4, got {parent!r}",
                "use 1 (shared prosperity and job creation), 2 (economic growth), "
                "3 (intraregional and global trade) or 4 (sectoral, strategic and "
                "infrastructure investment)",
            )
    title = _text(c, _require(c, raw, where, "title", '"..."'), f"{where}.title", shared)
    description = (
        _text(c, raw["description"], f"{where}.description", shared)
        if "description" in raw or shared
        else dict(title)
    )
    citation = raw.get("citation", "" if not shared else None)
    if not isinstance(citation, str) or (shared and not citation.strip()):
        raise c.fail(f"{where}.citation", "expected text", "cite the source of the goal")
    refs = _indicator_refs(c, raw.get("indicators", []), f"{where}.indicators", shared)
    traw = raw.get("targets", [])
    if not isinstance(traw, list):
        raise c.fail(f"{where}.targets", "expected a list of tables", "write [[goals.targets]]")
    targets = tuple(
        _target(c, t, f"{where}.targets[{i}]", f"{ident}.t{i + 1}", shared)
        for i, t in enumerate(traw)
    )
    commitments = []
    craw = raw.get("commitments", [])
    if not isinstance(craw, list):
        raise c.fail(f"{where}.commitments", "expected a list of tables", "write [[...]]")
    for i, cm in enumerate(craw):
        w = f"{where}.commitments[{i}]"
        if not isinstance(cm, dict):
            raise c.fail(w, "expected a table", "write [[goal.commitments]]")
        _no_unknown(c, cm, w, ("id", "title", "unit", "target", "data_needed", "baseline_note"))
        cid = _ident(c, _require(c, cm, w, "id", '"<id>"'), f"{w}.id")
        commitments.append(
            Commitment(
                id=cid,
                title=_text(c, _require(c, cm, w, "title", "{...}"), f"{w}.title", shared),
                unit=str(_require(c, cm, w, "unit", '"percent"')),
                target=_target(
                    c, _require(c, cm, w, "target", "{...}"), f"{w}.target", cid, shared, True
                ),
                data_needed=_text(
                    c, _require(c, cm, w, "data_needed", "{...}"), f"{w}.data_needed", shared
                ),
                baseline_note=_text(c, cm["baseline_note"], f"{w}.baseline_note", shared)
                if "baseline_note" in cm
                else {},
            )
        )
    ids = [t.id for t in targets] + [x.id for x in commitments]
    dup = sorted({x for x in ids if ids.count(x) > 1})
    if dup:
        raise c.fail(f"{where}.targets", f"repeated target id {dup[0]!r}", "give each an id")
    return Goal(
        id=ident,
        title=title,
        description=description,
        citation=citation,
        indicators=refs,
        targets=targets,
        commitments=tuple(commitments),
        data_gaps=_text(c, raw["data_gaps"], f"{where}.data_gaps", shared)
        if "data_gaps" in raw
        else {},
        number=number,
        owner=owner.strip() if isinstance(owner, str) else None,
        parent=parent,
        file=c.path,
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise GoalFileError(
            path, "", f"cannot read the file ({e.strerror})", hint="check the path"
        ) from e
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise GoalFileError(path, "", f"not valid TOML ({e})", hint="fix the TOML syntax") from e


def known_indicator_ids() -> set[str]:
    """Every indicator id of the shipped indicator catalog (templated instances included)."""
    from norte.indicators import indicators, load_catalog

    return {i.id for i in indicators(load_catalog())}


def parse_stakeholder_file(path: Path, known: set[str] | None = None) -> list[Goal]:
    """The goals of a stakeholder file (``[[goals]]`` tables), validated.

    ``known`` is the set of valid indicator ids (default: the shipped indicator catalog).
    """
    c = _Ctx(str(path), known_indicator_ids() if known is None else known)
    data = _read(path)
    _no_unknown(c, data, "file", ("goals",))
    items = data.get("goals")
    if not isinstance(items, list) or not items:
        raise c.fail("goals", "no goals", "write one or more [[goals]] tables")
    goals = [parse_goal(c, g, f"goals[{i}]", shared=False) for i, g in enumerate(items)]
    ids = [g.id for g in goals]
    for i, g in enumerate(goals):
        if ids.count(g.id) > 1:
            raise c.fail(
                f"goals[{i}].id", f"repeated goal id {g.id!r}", "give each goal its own id"
            )
    return goals


def catalog_dir() -> Path:
    return Path(str(resources.files("norte") / "goals" / "catalog"))


def load_shared(paths: Iterable[Path] | None = None, known: set[str] | None = None) -> list[Goal]:
    """The report's shared goals from ``norte/goals/catalog/*.toml``, validated, sorted by
    number; exactly one goal per number 1-4 (a file holds one ``[goal]`` table)."""
    files = sorted(catalog_dir().glob("*.toml")) if paths is None else list(paths)
    known = known_indicator_ids() if known is None else known
    goals: dict[int, Goal] = {}
    for f in files:
        c = _Ctx(str(f), known)
        data = _read(f)
        _no_unknown(c, data, "file", ("goal",))
        g = parse_goal(c, _require(c, data, "file", "goal", "[goal] table"), "goal", shared=True)
        assert g.number is not None
        if g.number in goals:
            raise c.fail(
                "goal.number",
                f"goal {g.number} is also in {goals[g.number].file}",
                "one file per goal",
            )
        goals[g.number] = g
    if paths is None and sorted(goals) != list(GOAL_NUMBERS):
        raise GoalFileError(
            catalog_dir(), "", f"goals {sorted(goals)} found", hint="ship one file per goal 1-4"
        )
    return [goals[n] for n in sorted(goals)]
