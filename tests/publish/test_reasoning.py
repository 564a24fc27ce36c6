"""The chart of every assessed light draws its method's reasoning, and the drawn numbers are
the goal data's: the semáforo's bands (threshold), the CAGR window, rate and grade-limit paths
(direction of travel), the base period's value and tolerance bands, or the benchmark series
(benchmark). The assessments are the shared catalog's own (norte/goals/catalog); the series
are small hand-made ones so every expected number is worked out here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from norte.goals.assessment import Assessment
from norte.goals.catalog import load_shared
from norte.goals.methods import assess
from norte.publish import charts as ch
from norte.publish.pages import reasoning as rs
from norte.publish.pages.goals import gt

WORDS = rs.Words(
    t=lambda k: gt("en", k),
    num=lambda v: f"{v:.2f}",
    rate=lambda v: f"{v * 100:+.1f}%",
    period=lambda d: str(d.year),
)


def catalog_assessment(key: str) -> Assessment:
    for g in load_shared():
        for r in g.indicators:
            if r.key == key and r.assess is not None:
                return r.assess
    raise AssertionError(f"{key} is not an assessed indicator of the shared goals")


def annual(values: dict[int, float]) -> list[tuple[dt.date, float]]:
    return [(dt.date(y, 1, 1), v) for y, v in values.items()]


def layer(spec: dict[str, Any], name: str) -> dict[str, Any]:
    got = rs.layer(spec, name)
    assert got is not None, f"no {name!r} layer drawn"
    return got


def test_threshold_bands_are_the_semaforo_bands_with_negative_band_and_citation() -> None:
    a = catalog_assessment("real-gdp-yoy-mex~threshold")
    green, amber = a.thresholds  # 4.5 and 3.4 in the goal data (México, ¿cómo vamos?)
    rows = annual({2019: -0.4, 2020: -8.4, 2021: 6.0, 2022: 3.7, 2023: 3.3, 2024: 1.2})
    st = assess(a, rows, "A", dt.date(2025, 2, 1))
    assert st.status == "off_track"
    spec, out = rs.reasoning_spec("GDP", a, st, rows, "A", WORDS)
    bands = {b["band"]: b for b in layer(spec, "bands")["data"]["values"]}
    assert set(bands) == {"on_track", "at_risk", "off_track", "negative"}
    # the limits drawn are the goal data's thresholds (and zero for the negative band)
    assert bands["on_track"]["lo"] == green
    assert bands["at_risk"]["lo"] == amber and bands["at_risk"]["hi"] == green
    assert bands["off_track"]["lo"] == 0.0 and bands["off_track"]["hi"] == amber
    assert bands["negative"]["hi"] == 0.0
    # the bands cover every value drawn: no value falls outside a coloured region
    lo = min(b["lo"] for b in bands.values())
    hi = max(b["hi"] for b in bands.values())
    assert all(lo <= v <= hi for _, v in rows)
    labels = layer(spec, "bands")["encoding"]["color"]["scale"]["domain"]  # the legend
    assert "On track ≥ 4.50" in labels and "At risk ≥ 3.40" in labels
    assert "Off track < 3.40" in labels
    # the values are the rows, and the chart renders offline
    assert [r["value"] for r in spec["data"]["values"]] == [v for _, v in rows]
    assert "<svg" in ch.render(spec)


def test_threshold_lower_is_better_mirrors_the_bands() -> None:
    a = Assessment("threshold", "lower_is_better", "test", value=2.0, thresholds=(2.0, 3.0))
    rows = annual({2022: 4.0, 2023: 2.5, 2024: 1.5})
    st = assess(a, rows, "A")
    spec, _ = rs.reasoning_spec("x", a, st, rows, "A", WORDS)
    bands = {b["band"]: b for b in layer(spec, "bands")["data"]["values"]}
    assert bands["on_track"]["hi"] == 2.0
    assert (bands["at_risk"]["lo"], bands["at_risk"]["hi"]) == (2.0, 3.0)
    assert bands["off_track"]["lo"] == 3.0


def test_direction_draws_the_window_the_cagr_and_the_grade_limits() -> None:
    a = catalog_assessment("us-total-trade-annual.mex[flow=total]~direction")
    assert a.window_years == 5 and a.thresholds == (1.0, 0.0, -1.0)
    rows = annual({2017: 90.0, 2018: 95.0, 2019: 100.0, 2020: 96.0, 2021: 110.0, 2022: 118.0})
    rows += annual({2023: 121.0, 2024: 125.0})
    st = assess(a, rows, "A", dt.date(2025, 2, 1))
    cagr = (125.0 / 100.0) ** (1 / 5) - 1  # by hand: 2019 to 2024
    assert st.growth == pytest.approx(cagr) and st.status == "on_track"
    spec, _ = rs.reasoning_spec("trade", a, st, rows, "A", WORDS)
    window = layer(spec, "window")["data"]["values"][0]
    assert (window["start"], window["end"]) == ("2019-01-01", "2024-01-01")
    path = layer(spec, "cagr")["data"]["values"]
    assert path[0]["value"] == 100.0 and path[-1]["value"] == pytest.approx(125.0)
    assert path[0]["series"] == f"CAGR {cagr * 100:+.1f}% a year"
    # the grade limits: 100 compounded 5 years at +1 %, 0 % and −1 % a year
    ends = {
        r["series"]: r["value"]
        for r in layer(spec, "boundaries")["data"]["values"]
        if r["period"] == "2024-01-01"
    }
    assert ends == pytest.approx(
        {"+1.0% a year": 100 * 1.01**5, "+0.0% a year": 100.0, "-1.0% a year": 100 * 0.99**5}
    )
    # the grades' regions lie between those paths: at the latest period, significant progress
    # starts at +1 % a year, moderate progress spans 0 % to +1 %, movement away below
    regions = {
        r["grade"]: (r["lo"], r["hi"])
        for r in layer(spec, "regions")["data"]["values"]
        if r["period"] == "2024-01-01"
    }
    assert regions["significant_progress"][0] == pytest.approx(100 * 1.01**5)
    assert regions["moderate_progress"] == pytest.approx((100.0, 100 * 1.01**5))
    assert regions["moderate_away"] == pytest.approx((100 * 0.99**5, 100.0))
    assert regions["significant_away"][1] == pytest.approx(100 * 0.99**5)
    assert "<svg" in ch.render(spec)


def test_direction_lower_is_better_flips_the_limit_paths() -> None:
    a = catalog_assessment("tdr-annual.mex[partner=MEX]~direction")
    assert a.direction == "lower_is_better"
    rows = annual({2019: 0.50, 2020: 0.49, 2021: 0.48, 2022: 0.47, 2023: 0.46, 2024: 0.45})
    st = assess(a, rows, "A")
    spec, _ = rs.reasoning_spec("tdr", a, st, rows, "A", WORDS)
    ends = {
        r["series"]: r["value"]
        for r in layer(spec, "boundaries")["data"]["values"]
        if r["period"] == "2024-01-01"
    }
    # significant progress for a lower-is-better series is falling 1 % a year or faster
    assert ends["-1.0% a year"] == pytest.approx(0.50 * 0.99**5)
    assert ends["+1.0% a year"] == pytest.approx(0.50 * 1.01**5)
    regions = {
        r["grade"]: (r["lo"], r["hi"])
        for r in layer(spec, "regions")["data"]["values"]
        if r["period"] == "2024-01-01"
    }
    assert regions["significant_progress"][1] == pytest.approx(0.50 * 0.99**5)
    assert regions["significant_away"][0] == pytest.approx(0.50 * 1.01**5)


def test_benchmark_base_period_draws_the_base_value_and_its_tolerance_bands() -> None:
    a = catalog_assessment("us-total-trade-r12.mex[flow=total]~benchmark")
    assert a.base_period == "2020-06"
    on, risk = a.tolerance
    months = [dt.date(2020, m, 1) for m in range(1, 13)] + [dt.date(2021, m, 1) for m in (1, 2)]
    rows = [(p, 600e9 + i * 5e9) for i, p in enumerate(months)]
    base = dict(rows)[dt.date(2020, 6, 1)]
    st = assess(a, rows, "M")
    assert st.baseline_value == base and st.status == "on_track"
    spec, _ = rs.reasoning_spec("r12", a, st, rows, "M", WORDS, div=1e9)
    rule = layer(spec, "base")["data"]["values"][0]
    assert rule["value"] == base / 1e9
    bands = {b["band"]: b for b in layer(spec, "bands")["data"]["values"]}
    assert bands["on_track"]["lo"] == pytest.approx((base + on * base) / 1e9)
    assert bands["at_risk"]["lo"] == pytest.approx((base - risk * base) / 1e9)
    assert "<svg" in ch.render(spec)


def test_benchmark_series_is_drawn_with_its_window() -> None:
    a = catalog_assessment("real-gdp-yoy-mex-vs-usa")
    assert a.benchmark == "real-gdp-yoy-usa"
    q = [dt.date(y, m, 1) for y in range(2019, 2025) for m in (1, 4, 7, 10)]
    own = [(p, 2.0 + (i % 3)) for i, p in enumerate(q)]
    other = [(p, 2.5) for p in q]
    st = assess(a, own, "Q", bench=other)
    spec, _ = rs.reasoning_spec("gdp", a, st, own, "Q", WORDS, bench=other)
    drawn = [(r["period"], r["value"]) for r in layer(spec, "benchmark")["data"]["values"]]
    assert drawn == [(p.isoformat(), v) for p, v in other]
    window = layer(spec, "window")["data"]["values"][0]
    assert st.baseline_period is not None and st.latest_period is not None
    assert window["start"] == st.baseline_period.isoformat()
    assert window["end"] == st.latest_period.isoformat()
    assert "<svg" in ch.render(spec)
