"""CLI outputs: JSON valid against the documented schema, a reproducible Atom 1.0 feed, Markdown."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from norte.cli import main
from norte.findings import Target, detect
from norte.findings.data import read_series
from norte.findings.detectors import target_crossings
from norte.findings.feed import json_schema, tag_uri
from norte.findings.targets import goal_targets
from norte.goals import add_file
from norte.indicators import compute
from norte.ingest import ingest
from norte.store import Store
from tests.findings.conftest import Built

A = "{http://www.w3.org/2005/Atom}"


def _cli(capsys: pytest.CaptureFixture[str], built: Built, *args: str) -> str:
    built.store.con.execute("CHECKPOINT")
    built.store.close()
    try:
        assert main(["--db", str(built.path), "findings", *args]) == 0
    finally:
        built.store.__init__(built.path)  # type: ignore[misc]
    return capsys.readouterr().out


def test_json_validates_against_schema(built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(_cli(capsys, built, "--format", "json"))
    jsonschema.Draft202012Validator(json_schema()).validate(doc)
    assert doc["count"] == len(built.latest)
    assert [f["id"] for f in doc["findings"]] == [f.id for f in built.latest]
    broken = dict(doc["findings"][0])
    del broken["sources"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**doc, "findings": [broken]}, json_schema())


def test_filters(built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(
        _cli(
            capsys,
            built,
            "--format",
            "json",
            "--since",
            "2023-01-01",
            "--min-score",
            "30",
            "--limit",
            "5",
        )
    )
    assert 0 < doc["count"] <= 5
    for f in doc["findings"]:
        assert f["period_start"] >= "2023-01-01" and f["score"] >= 30
    md = _cli(capsys, built, "--lang", "fr", "--limit", "2")
    assert md.count("## ") == 2 and "Mexique" in md


def test_atom_feed(built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    one = _cli(capsys, built, "--format", "atom", "--lang", "es", "--limit", "20")
    two = _cli(capsys, built, "--format", "atom", "--lang", "es", "--limit", "20")
    assert one == two  # no clock in the feed
    root = ET.fromstring(one.encode())
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{A}{tag}") is not None
    entries = root.findall(f"{A}entry")
    assert len(entries) == 20
    newest = max(f.vintage for f in built.latest[:20])
    assert root.findtext(f"{A}updated") == f"{newest}T00:00:00Z"
    ids = [e.findtext(f"{A}id") for e in entries]
    assert ids == [tag_uri(f.id) for f in built.latest[:20]]
    for e in entries:
        assert e.findtext(f"{A}id", "").startswith("tag:")
        dt.datetime.fromisoformat(e.findtext(f"{A}updated", "").replace("Z", "+00:00"))
        assert e.findtext(f"{A}title") and e.findtext(f"{A}summary")


def test_target_crossing_through_the_interface(built: Built) -> None:
    rows = built.store.con.execute(
        "SELECT period, value FROM indicator_values_latest WHERE indicator_id = "
        "'us-exports-annual.mex' ORDER BY period"
    ).fetchall()
    target = 300e9
    first_year = next(p for p, v in rows if v >= target)
    t = Target("us-exports-annual.mex", target, dt.date(2030, 12, 31))
    (series,) = read_series(built.store, ["us-exports-annual.mex"])
    hits = target_crossings(series, [t])
    assert [f.period_start for f in hits] == [first_year]
    assert hits[0].values["target"] == target
    assert float(hits[0].values["value"]) >= target  # type: ignore[arg-type]


def test_no_targets_is_a_no_op_with_a_reason() -> None:
    targets, note = goal_targets()
    assert isinstance(note, str) and note
    if not targets:
        assert "skipped" in note


GOAL = """
[[goals]]
id = "acme-mx-exports"
owner = "ACME Trade Association"
parent = 3
title = { en = "U.S. exports to Mexico", es = "Exportaciones de EE. UU. a México", fr = "Exportations des États-Unis vers le Mexique" }
indicators = ["us-exports-annual.mex"]

[[goals.targets]]
indicator = "us-exports-annual.mex"
value = 3.0e11
date = "2030"
direction = "higher_is_better"
baseline = "2019"
rationale = "ACME's members plan for it"
citation = "ACME board resolution 2025-03"
"""


def test_stakeholder_targets_in_the_store_are_read(shared: Path, tmp_path: Path) -> None:
    """A stakeholder goal added with 'norte goals add' gives a target crossing, without any
    target passed to detect()."""
    store = Store(tmp_path / "goals.duckdb")
    try:
        ingest(store, [shared / "census" / "country.xlsx"])
        compute(store)
        assert not [f for f in detect(store).findings if f.type == "target_crossing"]
        goal = tmp_path / "acme.toml"
        goal.write_text(GOAL, encoding="utf-8")
        add_file(store, goal)
        targets, note = goal_targets(store.con)
        assert "stakeholder goals in the store" in note
        assert any(t.goal == "acme-mx-exports" for t in targets)
        hits = [f for f in detect(store).findings if f.type == "target_crossing"]
        rows = store.con.execute(
            "SELECT period, value FROM indicator_values_latest WHERE indicator_id = "
            "'us-exports-annual.mex' ORDER BY period"
        ).fetchall()
        first_year = next(p for p, v in rows if v >= 3.0e11)
        (f,) = [h for h in hits if h.values["goal"] == "acme-mx-exports"]
        assert f.period_start == first_year and f.values["target"] == 3.0e11
        assert "US$300.0 billion" in f.headline["en"]
    finally:
        store.close()


def test_stored_findings_read_back_as_written(built: Built, tmp_path: Path) -> None:
    """``write`` then ``read`` gives back every finding as detected (its JSON, its columns),
    a finding without sources (no vintage) included, and a rewrite replaces the table."""
    import dataclasses

    from norte.findings.run import read, write

    bare = dataclasses.replace(
        built.latest[0], subject={**built.latest[0].subject, "case": "no sources"}, sources=[]
    )
    found = [*built.latest, bare]
    with Store(tmp_path / "w.duckdb") as store:
        write(store, found[:3])
        assert write(store, found) == len(found)
        got = {f.id: f.to_json() for f in read(store.con)}
        assert got == {f.id: f.to_json() for f in found}
        cols = store.con.execute(
            "SELECT vintage, indicators, headline_en, subject, score, period_start FROM findings"
            " WHERE id = ?",
            [found[1].id],
        ).fetchall()[0]
        f = found[1]
        assert cols[0] == dt.date.fromisoformat(f.vintage)
        assert cols[1:5] == (
            list(f.indicators),
            f.headline["en"],
            json.dumps(f.subject, sort_keys=True),
            f.score,
        )
        assert cols[5] == f.period_start
        assert store.con.execute(
            "SELECT vintage FROM findings WHERE id = ?", [bare.id]
        ).fetchall() == [(None,)]


def test_vintages_hold_what_the_store_holds(built: Built) -> None:
    """``Vintages`` (one scan of ``observations``): per (source, dataset) the periods held, each
    with its newest vintage, and every vintage held, as the store says them."""
    from norte.findings.data import Vintages

    con = built.store.con
    v = Vintages(built.store)
    newest = con.execute(
        "SELECT source, dataset, period, max(vintage) FROM observations GROUP BY ALL ORDER BY 1, 2, 3"
    ).fetchall()
    assert [
        (s, d, p, x)
        for (s, d), ps in v._periods.items()
        for p, x in zip(ps, v._vint[(s, d)], strict=True)
    ] == newest
    held = con.execute(
        "SELECT DISTINCT source, dataset, vintage FROM observations ORDER BY 1, 2, 3"
    ).fetchall()
    assert [(s, d, x) for (s, d), xs in v.held.items() for x in xs] == held
    assert len(v.held) == len({(s, d) for s, d, _ in held}) >= 1
    assert any(len(xs) > 1 for xs in v.held.values())  # both Census vintages are loaded
