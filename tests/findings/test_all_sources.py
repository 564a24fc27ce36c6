"""The stories issue #5 names, among the top findings of a store holding every kind of shared
source (a subset, to stay fast: the Census files in both vintages, the BTS border-crossing file,
the INEGI RAIAVL zip and the 2023 TransBorder zips). Every expected number is computed here from
the store's observations, never typed in."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from norte.findings import Finding
from norte.findings.model import LANGS
from norte.findings.text import name_forms
from norte.store import Store
from tests.findings.conftest import Subset

TOP = 15


def _top(subset: Subset) -> list[Finding]:
    return subset.findings[:TOP]


def _annual_trade(store: Store) -> dict[int, dict[str, float]]:
    rows = store.con.execute(
        "SELECT year(period), partner, sum(value) FROM observations_latest "
        "WHERE dataset = 'trade_by_country' AND flow IN ('export', 'import') "
        "AND partner IN ('MEX', 'CAN') GROUP BY ALL HAVING count(*) = 24"  # 12 months x 2 flows
    ).fetchall()
    out: dict[int, dict[str, float]] = {}
    for y, p, v in rows:
        out.setdefault(int(y), {})[str(p)] = float(v)
    return out


def test_mexico_passed_canada_in_2023_and_not_for_the_first_time(subset: Subset) -> None:
    hits = [
        f
        for f in _top(subset)
        if f.type == "rank_change"
        and f.indicators == ["us-trade-partner-rank-annual"]
        and f.period == "2023"
    ]
    assert len(hits) == 1, [f.headline["en"] for f in _top(subset)]
    f = hits[0]
    assert (f.subject["partner"], f.subject["other"], f.subject["place"]) == ("MEX", "CAN", "1")
    trade = _annual_trade(subset.store)
    assert f.values["value"] == trade[2023]["MEX"]
    assert f.values["comparison"] == trade[2023]["CAN"]
    ahead = sorted(y for y, t in trade.items() if y < 2023 and len(t) == 2 and t["MEX"] > t["CAN"])
    assert ahead, "the data has earlier years with Mexico ahead (2019-2020)"
    assert f.values["first_in_series"] is False
    assert f.values["last_ahead"] == f"{ahead[-1]}-01-01"
    assert "first time" not in f.text["en"] and f"in {ahead[-1]}." in f.text["en"]
    assert f.headline["en"].startswith("Mexico overtook Canada as the largest U.S. trading partner")


def _monthly_exports(store: Store, source: str) -> dict[dt.date, tuple[float, float]]:
    rows = store.con.execute(
        "SELECT period, max(value) FILTER (partner = 'MEX'), max(value) FILTER (partner = 'CAN') "  # noqa: S608
        f"FROM {source} WHERE dataset = 'trade_by_country' AND flow = 'export' "
        "AND partner IN ('MEX', 'CAN') GROUP BY period"
    ).fetchall()
    return {p: (float(m), float(c)) for p, m, c in rows if m is not None and c is not None}


def _months(f: Finding, prefix: str) -> list[dt.date]:
    return sorted(
        dt.date.fromisoformat(str(v))
        for k, v in f.values.items()
        if k.startswith(prefix) and k[len(prefix) :].isdigit()
    )


def test_months_mexico_bought_more_than_canada_in_both_vintages(subset: Subset) -> None:
    store = subset.store
    latest = _monthly_exports(store, "observations_latest")
    vintages = sorted(
        v
        for (v,) in store.con.execute(
            "SELECT DISTINCT vintage FROM observations WHERE dataset = 'trade_by_country'"
        ).fetchall()
    )
    first = _monthly_exports(store, f"observations_as_of('{vintages[0]}')")
    lead = {p for p, (m, c) in latest.items() if m > c}
    lead_first = {p for p, (m, c) in first.items() if m > c}
    found = {f.period: f for f in subset.findings if f.type == "lead_months"}
    years = sorted({p.year for p in lead})
    assert sorted(found) == [str(y) for y in years]
    for y in years:
        f = found[str(y)]
        assert (f.subject["partner"], f.subject["other"]) == ("MEX", "CAN")
        assert _months(f, "month_") == sorted(p for p in lead if p.year == y)
        assert _months(f, "both_month_") == sorted(p for p in lead & lead_first if p.year == y)
        assert _months(f, "only_earliest_month_") == sorted(
            p for p in lead_first - lead if p.year == y
        )
        assert _months(f, "uncovered_month_") == sorted(p for p in lead - set(first) if p.year == y)
        for k, p in enumerate(_months(f, "month_"), 1):
            assert (f.values[f"value_{k}"], f.values[f"comparison_{k}"]) == latest[p]
        assert f.values["first_year"] is (not any(p.year < y for p in lead | lead_first))
    first_year = found[str(years[0])]
    assert first_year in _top(subset)
    assert first_year.values["first_year"] is True and "first time" in first_year.headline["en"]
    # a month in both the first-published and the revised vintage, said so in every language
    assert first_year.values["months_both"] == 1
    assert "already showed Mexico ahead" in first_year.text["en"]


def _port_names(store: Store) -> dict[str, str]:
    rows = store.con.execute("SELECT code, label_en FROM codes WHERE scheme = 'us_port'")
    return {str(c): str(n) for c, n in rows.fetchall()}


def test_truck_stories_name_their_port_and_weigh_by_its_share(subset: Subset) -> None:
    store = subset.store
    ports = _port_names(store)
    trucks = [
        f
        for f in _top(subset)
        if f.indicators[0].startswith("truck-crossings") or f.subject.get("mode") == "truck"
    ]
    assert trucks, [f.headline["en"] for f in _top(subset)]
    by_port = [f for f in subset.findings if "geo_code" in f.subject]
    assert by_port
    for f in by_port:
        name = ports[f.subject["geo_code"]]
        for lang in LANGS:
            assert name in f.headline[lang] and name in f.text[lang], (lang, f.headline[lang])
    # the share is of ALL trucks of the border, ports with an incomplete year included
    for f in by_port:
        year = f.period_start.year
        rows = store.con.execute(
            "SELECT geo_code, sum(value) FROM observations_latest WHERE source = 'bts' "
            "AND measure = 'trucks' AND partner = ? AND year(period) = ? GROUP BY geo_code",
            [f.subject["partner"], year],
        ).fetchall()
        own = dict(rows)[f.subject["geo_code"]]
        total = sum(float(v) for _, v in rows)
        assert f.values["value"] == own
        assert abs(float(f.values["share_pct"]) - 100 * own / total) < 1e-6  # type: ignore[arg-type]
    # a port with a sliver of the trucks never leads, however large its percent change
    for f in subset.findings[: 2 * TOP]:
        if "geo_code" in f.subject:
            assert float(f.values["share_pct"]) >= 5  # type: ignore[arg-type]


def _inegi(store: Store) -> dict[dt.date, float]:
    rows = store.con.execute(
        "SELECT period, sum(value) FROM observations_latest WHERE source = 'inegi' "
        "AND partner = 'USA' AND measure = 'units' GROUP BY period"
    ).fetchall()
    return {p: float(v) for p, v in rows}


def test_inegi_vehicle_export_swings(subset: Subset) -> None:
    units = _inegi(subset.store)
    swings = [
        f
        for f in subset.findings
        if f.type == "yoy_move" and f.indicators == ["mx-vehicle-exports-us"]
    ]
    assert any(f in _top(subset) for f in swings), [f.headline["en"] for f in _top(subset)]
    for f in swings:
        p = f.period_start
        prev = units[dt.date(p.year - 1, p.month, 1)]
        assert f.values["value"] == units[p] and f.values["previous"] == prev
        assert abs(float(f.values["change_pct"]) - 100 * (units[p] / prev - 1)) < 1e-5  # type: ignore[arg-type]
        # RAIAVL is light vehicles: never a claim about trucks
        assert "light-vehicle" in f.headline["en"] and "truck" not in f.headline["en"].lower()
    jan = next(f for f in swings if f.period == "2025-01")
    since = dt.date.fromisoformat(str(jan.values["since"]))
    drop = float(jan.values["change_pct"])  # type: ignore[arg-type]
    assert drop < 0
    # "the steepest drop since": no change in between was as steep, the one at `since` was
    yoy = {
        p: 100 * (v / units[dt.date(p.year - 1, p.month, 1)] - 1)
        for p, v in units.items()
        if dt.date(p.year - 1, p.month, 1) in units
    }
    assert yoy[since] <= drop
    assert all(v > drop for p, v in yoy.items() if since < p < jan.period_start)


def test_one_streak_per_series_and_no_repeated_headlines(subset: Subset) -> None:
    keys = Counter(
        (f.indicators[0], tuple(sorted((k, v) for k, v in f.subject.items() if k != "direction")))
        for f in subset.findings
        if f.type == "streak"
    )
    assert keys and max(keys.values()) == 1
    for lang in LANGS:
        heads = [f.headline[lang] for f in _top(subset)]
        assert len(set(heads)) == len(heads)
    for f in subset.findings:
        assert "The figures for" not in f.headline["en"] and "“" not in f.headline["en"]


def test_french_and_spanish_agreement(subset: Subset) -> None:
    """Country subjects agree in gender: "la Chine s'est classée", "le Mexique s'est classé"."""
    fr = " ".join(f.headline["fr"] + " " + f.text["fr"] for f in subset.findings)
    assert "La Chine s'est classée" in fr and "Le Mexique s'est classé " in fr
    assert not re.search(r"Chine s'est classé[^e]", fr)
    assert not re.search(r"Mexique s'est classée", fr)
    forms = {c: name_forms(n, "es", c) for c, n in (("CHN", "China"), ("MEX", "México"))}
    assert (forms["CHN"]["agr"], forms["MEX"]["agr"]) == ("a", "o")  # China fue superada
    assert name_forms("États-Unis", "fr", "USA")[""] == "les États-Unis"
