"""Traffic lights computed by hand from the real Census values in the store, compared with
the engine's — targets are set in test files (tmp_path), never in the shipped catalog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from norte.goals import Target, history, parse_stakeholder_file, record, status_at
from norte.goals.status import evaluate
from norte.store import Store

from .conftest import AS_OF_2024


def annual_total(store: Store, partner: str, year: int, as_of: dt.date | None = None) -> float:
    """U.S. exports + imports with a partner in a year, summed by hand from observations."""
    src = "observations_latest" if as_of is None else f"observations_as_of('{as_of}')"
    rows = store.con.execute(
        f"SELECT count(*), sum(value) FROM {src} WHERE source = 'census' "  # noqa: S608
        "AND dataset = 'trade_by_country' AND reporter = 'USA' AND partner = ? "
        "AND measure = 'value' AND flow IN ('export', 'import') AND freq = 'M' "
        "AND year(period) = ?",
        [partner, year],
    ).fetchall()
    n, total = rows[0]
    assert n == 24, (partner, year, n)  # twelve months of exports and imports
    return float(total)


def monthly_total(store: Store, partner: str, period: dt.date) -> float:
    rows = store.con.execute(
        "SELECT count(*), sum(value) FROM observations_latest WHERE source = 'census' "
        "AND dataset = 'trade_by_country' AND reporter = 'USA' AND partner = ? "
        "AND measure = 'value' AND flow IN ('export', 'import') AND period = ?",
        [partner, period],
    ).fetchall()
    assert rows[0][0] == 2
    return float(rows[0][1])


def target(tmp_path: Path, body: str, name: str = "t.toml") -> Target:
    """One target from a stakeholder goal file written in tmp_path."""
    f = tmp_path / name
    f.write_text(
        f"""
[[goals]]
id = "test-goal"
owner = "Test"
parent = 3
title = "test"
[[goals.targets]]
rationale = "test target"
citation = "test file"
{body}
""",
        encoding="utf-8",
    )
    (g,) = parse_stakeholder_file(f)
    return g.targets[0]


MX_ANNUAL = 'indicator = "us-total-trade-annual.mex"\nselect = { flow = "total" }\n'


def hand_projection(store: Store, years: int = 3) -> tuple[float, float, float]:
    latest = annual_total(store, "MEX", 2024)
    start = annual_total(store, "MEX", 2024 - years)
    growth = (latest / start) ** (1 / years) - 1
    return latest, growth, latest * (1 + growth) ** (2030 - 2024)


@pytest.mark.parametrize(
    ("factor", "expected"), [(1.0, "on_track"), (0.9, "at_risk"), (0.7, "off_track")]
)
def test_projection_bands_by_hand(
    real: Store, tmp_path: Path, factor: float, expected: str
) -> None:
    latest, growth, projected = hand_projection(real)
    # a target the hand projection reaches (x1.0), misses by 10% (at risk) or by 30% (off track)
    value = projected / factor * 0.999 if factor == 1.0 else projected / factor
    t = target(
        tmp_path,
        MX_ANNUAL + f'value = {value!r}\ndate = "2030"\ndirection = "higher_is_better"\n'
        'baseline = "2019"\n',
    )
    st = status_at(real.con, t)
    assert st.status == expected
    assert st.reason == "projection" and st.method == "cagr"
    assert st.latest_period == dt.date(2024, 1, 1)
    assert st.latest_value == pytest.approx(latest)
    assert st.trend_from_period == dt.date(2021, 1, 1)
    assert st.growth == pytest.approx(growth)
    assert st.projected_value == pytest.approx(projected)
    assert st.periods_used == 4
    base = annual_total(real, "MEX", 2019)
    assert st.baseline_value == pytest.approx(base)
    # compound path from the 2019 baseline to the 2030 target, at 2024
    assert st.path_at_latest == pytest.approx(base * (value / base) ** (5 / 11))
    assert st.input_vintage == dt.date(2025, 2, 6)


def test_lower_is_better_is_mirrored_and_negative_values_use_a_linear_trend(
    real: Store, tmp_path: Path
) -> None:
    """The U.S. balance with Mexico is a deficit (negative): a target of a smaller deficit is
    'higher is better'; a target of a *larger* deficit, 'lower is better', mirrors it."""

    def bal(y: int) -> float:
        rows = real.con.execute(
            "SELECT sum(CASE flow WHEN 'export' THEN value ELSE -value END) FROM observations_latest "
            "WHERE dataset = 'trade_by_country' AND partner = 'MEX' AND measure = 'value' "
            "AND flow IN ('export', 'import') AND year(period) = ?",
            [y],
        ).fetchall()
        return float(rows[0][0])

    latest, start = bal(2024), bal(2021)
    assert latest < 0 and start < 0
    slope = (latest - start) / 3
    projected = latest + slope * 6
    t = target(
        tmp_path,
        'indicator = "us-balance-annual.mex"\n'
        f'value = {projected * 0.8!r}\ndate = "2030"\ndirection = "lower_is_better"\n'
        'baseline = "2019"\n',
    )
    st = status_at(real.con, t)
    assert st.method == "linear"
    assert st.growth == pytest.approx(slope)
    assert st.projected_value == pytest.approx(projected)
    # lower is better: the projected balance is below (a deeper deficit than) the target
    assert projected < projected * 0.8
    assert st.status == "on_track"
    # higher is better (halve the deficit): not met yet, and the trend goes the other way
    up = target(
        tmp_path,
        'indicator = "us-balance-annual.mex"\n'
        f'value = {latest * 0.5!r}\ndate = "2030"\ndirection = "higher_is_better"\n'
        'baseline = "2019"\n',
        "up.toml",
    )
    st = status_at(real.con, up)
    assert (st.status, st.reason) == ("off_track", "projection")
    assert projected < latest * 0.5 * (1 + 0.15)


def test_monthly_series_same_month_trend(real: Store, tmp_path: Path) -> None:
    latest = monthly_total(real, "MEX", dt.date(2024, 12, 1))
    start = monthly_total(real, "MEX", dt.date(2021, 12, 1))
    g = (latest / start) ** (1 / 3) - 1
    projected = latest * (1 + g) ** 6  # December 2024 -> December 2030
    t = target(
        tmp_path,
        'indicator = "us-total-trade.mex"\n'
        f'value = {projected * 1.5!r}\ndate = "2030"\ndirection = "higher_is_better"\n'
        'baseline = "2019"\n',
    )
    st = status_at(real.con, t)
    assert st.target_period == dt.date(2030, 12, 1)
    assert st.projected_value == pytest.approx(projected)
    assert st.status == "off_track"  # 1/1.5 - 1 = -33% of the target


def test_target_already_met(real: Store, tmp_path: Path) -> None:
    latest = annual_total(real, "MEX", 2024)
    t = target(
        tmp_path,
        MX_ANNUAL + f'value = {latest * 0.9!r}\ndate = "2030"\ndirection = "higher_is_better"\n'
        'baseline = "2019"\n',
    )
    st = status_at(real.con, t)
    assert (st.status, st.reason) == ("on_track", "target_met")
    assert st.latest_value == pytest.approx(latest)


def test_target_date_passed_judges_the_latest_value(real: Store, tmp_path: Path) -> None:
    latest = annual_total(real, "MEX", 2024)
    met = target(
        tmp_path,
        MX_ANNUAL + f'value = {latest - 1e9!r}\ndate = "2022"\ndirection = "higher_is_better"\n'
        'baseline = "2019"\n',
    )
    missed = target(
        tmp_path,
        MX_ANNUAL + f'value = {latest + 1e9!r}\ndate = "2022"\ndirection = "higher_is_better"\n'
        'baseline = "2019"\n',
        "missed.toml",
    )
    a, b = status_at(real.con, met), status_at(real.con, missed)
    assert (a.status, a.reason, a.method) == ("on_track", "date_passed_met", "latest_vs_target")
    assert (b.status, b.reason) == ("off_track", "date_passed_missed")
    assert b.projected_value is None and b.latest_value == pytest.approx(latest)


def test_no_data_and_too_few_periods(real: Store, tmp_path: Path) -> None:
    # a real catalog indicator that this store never computed
    none = target(
        tmp_path,
        'indicator = "us-exports-annual.mex"\nvalue = 1.0\ndate = "2030"\n'
        'direction = "higher_is_better"\nbaseline = "2019"\n',
    )
    st = status_at(real.con, none)
    assert (st.status, st.reason) == ("no_data", "no_values")
    # the annual series starts in 1985: a 40-year trend from 2024 has no start value
    latest = annual_total(real, "MEX", 2024)
    short = target(
        tmp_path,
        MX_ANNUAL + f'value = {latest * 2!r}\ndate = "2030"\ndirection = "higher_is_better"\n'
        'baseline = "2019"\ntrend_years = 40\n',
        "short.toml",
    )
    st = status_at(real.con, short)
    assert (st.status, st.reason) == ("no_data", "insufficient_trend")
    assert st.latest_value == pytest.approx(latest) and st.projected_value is None
    # the same with 39 years (1985 -> 2024) has a trend
    assert evaluate(
        [(dt.date(1985, 1, 1), 1.0), (dt.date(2024, 1, 1), 2.0)], "A", short
    ).reason == ("insufficient_trend")


def test_history_one_light_per_vintage_as_known_then(real: Store, tmp_path: Path) -> None:
    """In September 2024 the newest complete year was 2023 (first-release workbook); with the
    2025 API files it is 2024. The light at each vintage uses only what was known then."""
    known_2023 = annual_total(real, "MEX", 2023, AS_OF_2024)
    known_2020 = annual_total(real, "MEX", 2020, AS_OF_2024)
    g23 = (known_2023 / known_2020) ** (1 / 3) - 1
    proj_then = known_2023 * (1 + g23) ** 7
    _, _, proj_now = hand_projection(real)
    # the 2020 -> 2023 trend (from the pandemic low) projects far more than 2021 -> 2024:
    # a target at the first projection was on track then and is off track now
    value = proj_then
    assert proj_now < value * 0.85, "the real data must make the two vintages differ"
    t = target(
        tmp_path,
        MX_ANNUAL + f'value = {value!r}\ndate = "2030"\ndirection = "higher_is_better"\n'
        'baseline = "2019"\n',
    )
    h = history(real.con, t)
    assert [s.input_vintage for s in h] == [dt.date(2024, 8, 6), dt.date(2025, 2, 6)]
    then, now = h
    assert then.latest_period == dt.date(2023, 1, 1)
    assert then.projected_value == pytest.approx(proj_then)
    assert then.status == "on_track"
    assert now.status == "off_track"
    # recorded in goal_status with the vintage
    (g,) = parse_stakeholder_file(tmp_path / "t.toml")
    record(real, [g])
    rows = real.con.execute(
        "SELECT input_vintage, status, projected_value FROM goal_status ORDER BY 1"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [
        (dt.date(2024, 8, 6), "on_track"),
        (dt.date(2025, 2, 6), "off_track"),
    ]
    assert rows[0][2] == pytest.approx(proj_then)
    # recording again replaces, never duplicates
    record(real, [g])
    assert real.con.execute("SELECT count(*) FROM goal_status").fetchall()[0][0] == 2


def test_an_untargeted_indicator_shows_its_latest_value_without_a_color(real: Store) -> None:
    from norte.goals import Goal, IndicatorRef
    from norte.goals.stakeholders import lights

    g = Goal(
        "own",
        {"en": "x"},
        {"en": "x"},
        "",
        (IndicatorRef("us-total-trade-annual.mex", {"flow": "total"}),),
        (),
        owner="o",
        parent=3,
    )
    got = {lt.id: lt.status for lt in lights(real.con, [g]) if lt.kind == "indicator"}
    st = got["us-total-trade-annual.mex"]
    assert st.status == "no_target"
    want = real.con.execute(
        "SELECT period, value FROM indicator_values_latest WHERE indicator_id = "
        "'us-total-trade-annual.mex' AND flow = 'total' ORDER BY period DESC LIMIT 1"
    ).fetchall()[0]
    assert (st.latest_period, st.latest_value) == (want[0], pytest.approx(want[1]))
