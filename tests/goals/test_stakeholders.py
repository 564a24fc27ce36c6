"""Stakeholder goal files: added atomically and idempotently; malformed files are rejected
with a message naming the file, the field and the fix, and the store is unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from norte.cli import main
from norte.goals import GoalFileError, add_file, lights, load_shared, stakeholder_goals
from norte.store import Store

GOOD = """
[[goals]]
id = "acme-mx-trade"
owner = "ACME Trade Association"
parent = 3
title = { en = "U.S.–Mexico trade above US$1 trillion", es = "Comercio EE. UU.–México de más de un billón de dólares", fr = "Commerce États-Unis–Mexique au-delà de 1 000 milliards de dollars" }
indicators = ["us-total-trade-annual.mex", "tdr-annual.mex"]

[[goals.targets]]
indicator = "us-total-trade-annual.mex"
select = { flow = "total" }
value = 1.0e12
date = "2030"
direction = "higher_is_better"
baseline = "2019"
rationale = "ACME's members plan for it"
citation = "ACME board resolution 2025-03"

[[goals.targets]]
indicator = "us-balance-annual.mex"
value = -1.0e11
date = "2030-12"
direction = "higher_is_better"
baseline = "2019"
rationale = "a smaller deficit"
citation = "ACME board resolution 2025-03"
"""


def snapshot(store: Store) -> list[Any]:
    return [
        store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()  # noqa: S608
        for t in ("stakeholder_goals", "stakeholder_targets", "goal_status")
    ]


def write(tmp_path: Path, text: str, name: str = "acme.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_add_is_idempotent_and_updates_with_a_message(store: Store, tmp_path: Path) -> None:
    f = write(tmp_path, GOOD)
    (r,) = add_file(store, f)
    assert r.action == "added"
    before = snapshot(store)
    assert len(before[0]) == 1 and len(before[1]) == 2
    (r,) = add_file(store, write(tmp_path, GOOD, "copy.toml"))  # same content, other file
    assert r.action == "unchanged"
    assert snapshot(store) == before
    (r,) = add_file(store, write(tmp_path, GOOD.replace("value = 1.0e12", "value = 1.2e12")))
    assert r.action == "updated"
    assert "replaced the version from" in r.message and "2 target(s)" in r.message
    rows = store.con.execute("SELECT goal_id, target_id, value FROM stakeholder_targets ORDER BY 2")
    assert rows.fetchall() == [
        ("acme-mx-trade", "acme-mx-trade.t1", 1.2e12),
        ("acme-mx-trade", "acme-mx-trade.t2", -1.0e11),
    ]
    (g,) = stakeholder_goals(store.con)
    assert g.owner == "ACME Trade Association" and g.parent == 3
    assert g.title["es"].startswith("Comercio")
    # rolled up under shared goal 3, with the owner, next to the report's goals
    got = lights(store.con, [*load_shared(), g])
    mine = [x for x in got if x.owner]
    assert {x.goal_number for x in mine} == {3}
    assert {x.kind for x in mine} == {"target", "indicator"}  # tdr-annual.mex has no target


def test_another_owner_cannot_take_a_goal_id(store: Store, tmp_path: Path) -> None:
    add_file(store, write(tmp_path, GOOD))
    before = snapshot(store)
    other = GOOD.replace("ACME Trade Association", "Other Org").replace("1.0e12", "2.0e12")
    with pytest.raises(GoalFileError) as e:
        add_file(store, write(tmp_path, other, "other.toml"))
    assert "goals[0].id" in str(e.value) and "already registered by 'ACME" in str(e.value)
    assert "choose another id" in str(e.value)
    assert snapshot(store) == before


BAD = [
    (
        ('"us-total-trade-annual.mex"\nselect', '"us-total-trade-annual.mxx"\nselect'),
        "goals[0].targets[0].indicator",
        "did you mean us-total-trade-annual.can, us-total-trade-annual.chn, us-total-trade-annual.mex",
    ),
    (('date = "2030-12"', 'date = "2030-13"'), "goals[0].targets[1].date", '"YYYY", "YYYY-MM"'),
    (("value = -1.0e11", 'value = "minus 100bn"'), "goals[0].targets[1].value", "bare number"),
    (("value = 1.0e12", 'value = "1e12"'), "goals[0].targets[0].value", "no quotes"),
    (
        (
            'direction = "higher_is_better"\nbaseline = "2019"\nrationale = "a smaller',
            'direction = "up"\nbaseline = "2019"\nrationale = "a smaller',
        ),
        "goals[0].targets[1].direction",
        "'higher_is_better' or 'lower_is_better'",
    ),
    (("parent = 3", "parent = 5"), "goals[0].parent", "use 1 (shared prosperity"),
    (('owner = "ACME Trade Association"\n', ""), "goals[0].owner", "add owner ="),
]


@pytest.mark.parametrize(("edit", "field", "fix"), BAD)
def test_malformed_file_rejected_naming_field_and_fix(
    store: Store, tmp_path: Path, edit: tuple[str, str], field: str, fix: str
) -> None:
    add_file(store, write(tmp_path, GOOD))  # something already stored must stay as it is
    before = snapshot(store)
    old, new = edit
    assert old in GOOD
    second = GOOD.replace("acme-mx-trade", "acme-2").replace(old, new, 1)
    f = write(tmp_path, GOOD.replace("1.0e12", "3.0e12") + second, "bad.toml")
    with pytest.raises(GoalFileError) as e:
        add_file(store, f)
    msg = str(e.value)
    assert str(f) in msg and field.replace("goals[0]", "goals[1]") in msg and fix in msg, msg
    # the first goal of the file was valid (and changed): nothing of the file was written
    assert snapshot(store) == before


def test_missing_field_names_it(store: Store, tmp_path: Path) -> None:
    text = GOOD.replace('citation = "ACME board resolution 2025-03"\n', "", 1)
    f = write(tmp_path, text)
    with pytest.raises(GoalFileError) as e:
        add_file(store, f)
    assert "goals[0].targets[0].citation: missing" in str(e.value)
    assert "add citation =" in str(e.value)
    assert snapshot(store) == [[], [], []]


def test_cli_add_and_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "n.duckdb")
    assert main(["--db", db, "goals", "add", str(write(tmp_path, GOOD))]) == 0
    assert "acme-mx-trade: added under goal 3" in capsys.readouterr().err
    bad = write(tmp_path, GOOD.replace('date = "2030"', 'date = "in 2030"'), "bad.toml")
    assert main(["--db", db, "goals", "add", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "goals[0].targets[0].date" in err and "not a date: 'in 2030'" in err
    assert main(["--db", db, "goals", "status", "--json"]) == 0
    import json

    rows = json.loads(capsys.readouterr().out)
    assert {r["status"] for r in rows} <= {"no_data", "no_target"}  # no indicator computed
    mine = [r for r in rows if r["owner"] == "ACME Trade Association"]
    assert [r["kind"] for r in mine] == ["target", "target", "indicator"]
    assert main(["--db", db, "goals", "show", "3"]) == 0
    out = capsys.readouterr().out
    assert "Goal 3: Intraregional and global trade" in out
    assert "stakeholder goal acme-mx-trade (ACME Trade Association)" in out
