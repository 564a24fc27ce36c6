"""A light that changes colour between releases is a finding. On the real Census files, the
USMCA share of U.S. trade (goal 3, direction of travel over 5 years) was judged at the August
2024 workbook and at the February 2025 API files: its grades are worked out here by hand from
the stored indicator values at each release, and the finding must say that change, in the
three languages, with an id that does not change from run to run. Changes into or out of grey
(no data) are data events, not stories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from norte.findings.lights import colour_changes, light_findings
from norte.findings.run import detect
from norte.goals.status import Status
from norte.indicators import compute, load_catalog
from norte.sources import census_api, census_xlsx
from norte.store import Store

USED = ("us-total-trade-annual", "usmca-share-of-us-trade-annual")
KEY = "usmca-share-of-us-trade-annual[flow=total,partner=USMCA]~direction"
AS_OF_2024 = dt.date(2024, 9, 1)  # after the workbook's release, before the API files'


@pytest.fixture(scope="module")
def store(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = Store(tmp_path_factory.mktemp("lights") / "norte.duckdb")
    s.load_file(shared / "census/country.xlsx", census_xlsx)
    s.load_file(shared / "census/api/exports-country-2013-2024.json.gz", census_api)
    s.load_file(shared / "census/api/imports-country-2013-2024.json.gz", census_api)
    defs = [d for d in load_catalog() if d.id.split(".")[0] in USED]
    compute(s, catalog=defs, as_of=AS_OF_2024)
    compute(s, catalog=defs)
    yield s
    s.close()


def hand_grade(s: Store, vintage: dt.date) -> str:
    """Eurostat's grade of the share at one release: CAGR over the 5 years to the latest."""
    rows = dict(
        s.con.execute(
            "SELECT period, value FROM indicator_values WHERE indicator_id = ? AND flow = 'total'"
            " AND partner = 'USMCA' AND input_vintage = ? AND value IS NOT NULL",
            ["usmca-share-of-us-trade-annual", vintage],
        ).fetchall()
    )
    last = max(rows)
    rate = ((rows[last] / rows[last.replace(year=last.year - 5)]) ** (1 / 5) - 1) * 100
    return "on_track" if rate >= 1 else "at_risk" if rate >= 0 else "off_track"


def test_a_light_changing_colour_is_a_finding_worded_in_three_languages(store: Store) -> None:
    vintages = [
        r[0]
        for r in store.con.execute(
            "SELECT DISTINCT input_vintage FROM indicator_values WHERE indicator_id = ? ORDER BY 1",
            ["usmca-share-of-us-trade-annual"],
        ).fetchall()
    ]
    assert len(vintages) == 2
    before, after = (hand_grade(store, v) for v in vintages)
    assert before != after  # the real data change colour between the two releases
    report = detect(store)
    found = [f for f in report.findings if f.type == "light_change"]
    assert [f.subject["light"] for f in found] == [KEY]
    f = found[0]
    assert (f.values["from_status"], f.values["to_status"]) == (before, after)
    assert f.values["from_vintage"] == vintages[0].isoformat()
    assert f.values["to_vintage"] == vintages[1].isoformat()
    colours = {"on_track": "green", "at_risk": "amber", "off_track": "red"}
    assert f.headline["en"].startswith("Goal 3: USMCA partners' share of U.S. total trade moved")
    assert f"from {colours[before]} to {colours[after]}" in f.headline["en"]
    assert "Meta 3:" in f.headline["es"] and "Objectif 3 :" in f.headline["fr"]
    assert "February 6, 2025" in f.headline["en"]
    # the finding's chart is the light's series; its sources the indicator's
    assert f.chart["series"] == {"flow": "total", "partner": "USMCA", "measure": "value"}
    assert f.sources and f.score > 0
    # the same story keeps its id when detected again
    again = [g for g in detect(store).findings if g.type == "light_change"]
    assert [g.id for g in again] == [f.id]


def test_changes_into_or_out_of_grey_are_not_stories() -> None:
    def at(day: int, status: str) -> Status:
        return Status(status, "x", input_vintage=dt.date(2025, 1, day))

    hist = [at(1, "no_data"), at(2, "on_track"), at(3, "on_track"), at(4, "off_track")]
    hist += [at(5, "no_data"), at(6, "at_risk")]
    got = [(a.input_vintage.day, b.input_vintage.day) for a, b in colour_changes(hist)]  # type: ignore[union-attr]
    assert got == [(3, 4)]  # green -> red only: grey -> green and red -> grey -> amber are not


def test_detecting_writes_only_the_findings(store: Store) -> None:
    """The lights are computed, not recorded: ``norte build`` records them after the findings
    (and the kill tests expect a findings run to change the findings table only)."""
    before = store.con.execute("SELECT count(*) FROM goal_status").fetchone()
    found, note = light_findings(store)
    assert store.con.execute("SELECT count(*) FROM goal_status").fetchone() == before
    assert len(found) == 1 and "1 light change(s)" in note
