"""The stories the shared Census data must yield, checked against the raw observations."""

from __future__ import annotations

import datetime as dt

import pytest

from norte.findings import Finding, detect
from norte.store import Store
from tests.findings.conftest import Built

TOP = 10


def _one(found: list[Finding], **match: object) -> Finding:
    hits = [
        f
        for f in found
        if all(
            (f.subject.get(k) if k in ("partner", "other", "place") else getattr(f, k)) == v
            for k, v in match.items()
        )
    ]
    assert len(hits) == 1, (match, [h.headline["en"] for h in hits])
    return hits[0]


def _annual_totals(store: Store, year: int) -> dict[str, float]:
    rows = store.con.execute(
        "SELECT partner, sum(value) FROM observations_latest WHERE dataset = 'trade_by_country' "
        "AND flow IN ('export', 'import') AND partner IN ('MEX', 'CAN') AND year(period) = ? "
        "GROUP BY partner",
        [year],
    ).fetchall()
    return {p: float(v) for p, v in rows}


def test_mexico_overtook_canada_2023_is_a_top_finding(built: Built) -> None:
    found = [f for f in built.latest if f.indicators == ["us-trade-partner-rank-annual"]]
    f = _one(found, type="rank_change", period="2023", place="1")
    assert (f.subject["partner"], f.subject["other"]) == ("MEX", "CAN")
    assert f in built.latest[:TOP]
    totals = _annual_totals(built.store, 2023)
    assert f.values["value"] == totals["MEX"]
    assert f.values["comparison"] == totals["CAN"]
    # "first time?" — only what the data says: the last earlier year Mexico was ahead of Canada
    ahead = [
        y
        for y in range(1985, 2023)
        if (t := _annual_totals(built.store, y)) and len(t) == 2 and t["MEX"] > t["CAN"]
    ]
    assert f.values["first_in_series"] is (not ahead)
    assert f.values["last_ahead"] == (f"{max(ahead)}-01-01" if ahead else None)
    assert "2023" in f.headline["en"] and "Mexico overtook Canada" in f.headline["en"]


def _monthly_exports(store: Store, source: str) -> dict[dt.date, tuple[float, float]]:
    rows = store.con.execute(
        f"SELECT period, max(value) FILTER (partner = 'MEX'), max(value) FILTER (partner = 'CAN') "  # noqa: S608
        f"FROM {source} WHERE dataset = 'trade_by_country' AND flow = 'export' "
        "AND partner IN ('MEX', 'CAN') GROUP BY period",
    ).fetchall()
    return {p: (float(m), float(c)) for p, m, c in rows if m is not None and c is not None}


def test_months_mexico_bought_more_than_canada_in_both_vintages(built: Built) -> None:
    latest = _monthly_exports(built.store, "observations_latest")
    first = _monthly_exports(built.store, "observations_as_of('2024-08-06')")
    months = sorted(p for p, (m, c) in latest.items() if m > c)
    assert months, "the revised data has months with exports to Mexico above Canada"
    monthly = [f for f in built.latest if f.indicators == ["us-export-rank"]]
    changes = {f.period_start: f for f in monthly if f.type == "rank_change"}
    for p in months:
        prev = max(q for q in latest if q < p)
        if latest[prev][0] <= latest[prev][1]:  # Mexico took the lead in p: a finding says so
            f = changes[p]
            assert (f.subject["partner"], f.subject["other"], f.subject["place"]) == (
                "MEX",
                "CAN",
                "1",
            )
            assert (f.values["value"], f.values["comparison"]) == latest[p]
            if p in first:  # the first-published vintage holds the month: the finding says so
                assert f.values["holds_in_earliest"] is (first[p][0] > first[p][1])
                assert (f.values["earliest_value"], f.values["earliest_comparison"]) == first[p]
            else:
                assert "holds_in_earliest" not in f.values
    # months where the two vintages disagree on who bought more: a revision finding each
    flipped = sorted(
        p
        for p in first
        if p in latest and (first[p][0] > first[p][1]) != (latest[p][0] > latest[p][1])
    )
    assert flipped == [dt.date(2024, 1, 1)]  # measured on the shared files, not assumed
    revs = {f.period_start: f for f in monthly if f.type == "revision"}
    assert sorted(revs) == flipped
    r = revs[dt.date(2024, 1, 1)]
    assert (r.subject["partner"], r.subject["other"]) == ("MEX", "CAN")
    assert (r.values["earliest_value"], r.values["earliest_comparison"]) == first[flipped[0]]
    assert (r.values["latest_value"], r.values["latest_comparison"]) == latest[flipped[0]]
    assert {s["vintage"] for s in r.sources} == {"2024-08-06", "2025-02-06"}
    assert r in built.latest[:TOP]


def test_new_vintage_that_reverses_a_ranking_adds_a_revision_finding(built: Built) -> None:
    before = {f.id for f in built.first if f.type == "revision"}
    after = [f for f in built.latest if f.type == "revision"]
    assert before == set()  # one vintage only: nothing to compare
    assert any(f.period == "2024-01" and f.subject["partner"] == "MEX" for f in after)


def test_ids_are_stable_and_ignore_values(built: Built) -> None:
    again = detect(built.store).findings
    assert [f.id for f in again] == [f.id for f in built.latest]
    assert [f.to_json() for f in again] == [f.to_json() for f in built.latest]
    # the same story in both releases keeps its id although its numbers were revised
    by_id = {f.id: f for f in built.first}
    same = [f for f in built.latest if f.id in by_id and f.type == "rank_change"]
    assert any(by_id[f.id].values["value"] != f.values["value"] for f in same)
    assert len({f.id for f in built.latest}) == len(built.latest)


def test_sources_carry_the_vintage_of_the_numbers(built: Built) -> None:
    old = next(f for f in built.latest if f.type == "rank_change" and f.period_start.year < 2012)
    assert {s["vintage"] for s in old.sources} == {"2024-08-06"}  # only the workbook has it
    for f in built.latest:
        assert f.sources and all(s["source"] == "census" for s in f.sources)


def test_a_month_the_lead_months_story_tells_is_not_told_twice_at_the_top(built: Built) -> None:
    """October 2023 is the first month Mexico out-bought Canada (the lead_months story); the
    monthly rank change for the same month is the same news: it stays in the data with its
    score halved (score_parts.repeat), below the story that tells it."""
    lead = next(f for f in built.latest if f.type == "lead_months" and f.period == "2023")
    months = {v for k, v in lead.values.items() if k.startswith("month_")}
    assert "2023-10-01" in months
    repeats = [
        f
        for f in built.latest
        if f.type == "rank_change"
        and f.indicators == lead.indicators
        and f.values["period_start"] in months
    ]
    assert repeats, "the data has a monthly rank change in a month the story names"
    for f in repeats:
        assert f.score_parts.get("repeat") == 0.5, f.headline["en"]
        assert built.latest.index(f) > built.latest.index(lead)
        whole = (
            100
            * f.score_parts["importance"]
            * f.score_parts["magnitude"]
            * f.score_parts["rarity"]
            * f.score_parts["recency"]
        )
        assert f.score == pytest.approx(round(whole, 1) * 0.5, abs=0.06)
    # other rankings' changes keep their full score (the annual 2023 one: its own story)
    annual = [f for f in built.latest if f.indicators == ["us-trade-partner-rank-annual"]]
    assert annual and all("repeat" not in f.score_parts for f in annual)


def test_flows_of_one_story_are_told_once(built: Built) -> None:
    """Records, streaks and year-over-year moves that differ only in the flow (exports,
    imports, exports plus imports with the same partner, period and direction) are one story:
    one merged finding whose headline names the flows and whose text has each flow's own
    paragraph (twins.py); no two findings of the list tell it apart."""
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for f in built.latest:
        if f.type in ("record", "streak", "yoy_move") and f.subject.get("flow"):
            rest = tuple(sorted((k, v) for k, v in f.subject.items() if k != "flow"))
            direction = f.subject.get("record") or f.subject.get("direction")
            if f.type == "yoy_move":
                variant = str(f.values["variant"])
                direction = "up" if variant.endswith("_up") or "_up_" in variant else variant
            groups.setdefault((f.type, f.period, direction, rest), []).append(f)
    merged = [f for f in built.latest if "+" in f.subject.get("flow", "")]
    assert merged, "the Census store has stories told for several flows"
    for f in merged:
        flows = str(f.values["flows"]).split("+")
        assert f.subject["flow"] == "+".join(flows) and len(flows) >= 2
        assert str(f.values["variant"]).startswith(f"flows_{f.type}_")
        assert len(f.indicators) == len(flows)
        for flow in flows:  # every flow's numbers are in the merged finding
            assert f"{flow}__value" in f.values
    twins = [g for g in groups.values() if len(g) > 1]
    assert not twins, [[f.headline["en"] for f in g] for g in twins]
