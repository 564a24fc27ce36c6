"""The three methods without a dated target (threshold, direction of travel, benchmark), each
checked against a light computed by hand from the stored observations of real files (FRED
GDP and jobs, Statistics Canada GDP, Census trade), with the edge cases: too few periods, a
negative base for a growth rate, a series that stops, a target already met."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from norte.goals.assessment import Assessment
from norte.goals.board import ref_status
from norte.goals.catalog import IndicatorRef
from norte.goals.methods import GRADES, assess
from norte.indicators import compute, load_catalog
from norte.ingest import ingest
from norte.store import Store

REPO = Path(__file__).resolve().parents[2]
MACRO = ("real-gdp-yoy-usa", "real-gdp-yoy-can", "us-jobs-motor-vehicles-parts")


@pytest.fixture(scope="module")
def macro(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("goals-macro") / "norte.duckdb"
    s = Store(path)
    ingest(
        s,
        [
            shared / "fred" / "GDPC1.csv",
            shared / "fred" / "CES3133600101.csv",
            shared / "statcan" / "gdp-36100104-real-gdp-canada-quarterly-derived.csv",
        ],
        options={"provenance_dirs": [str(REPO / "provenance")]},
        out=io.StringIO(),
    )
    compute(s, catalog=[d for d in load_catalog() if d.id in MACRO])
    yield s
    s.close()


def levels(s: Store, dataset: str) -> dict[dt.date, float]:
    return dict(
        s.con.execute(
            "SELECT period, value FROM observations_latest WHERE dataset = ? ORDER BY period",
            [dataset],
        ).fetchall()
    )


def stored(s: Store, ind: str, **sel: str) -> list[tuple[dt.date, float]]:
    where = "".join(f" AND {k} = ?" for k in sel)
    return s.con.execute(
        f"SELECT period, value FROM indicator_values_latest WHERE indicator_id = ?{where}"  # noqa: S608
        " AND value IS NOT NULL ORDER BY period",
        [ind, *sel.values()],
    ).fetchall()


def yoy_by_hand(lv: dict[dt.date, float], p: dt.date) -> float:
    return (lv[p] / lv[p.replace(year=p.year - 1)] - 1) * 100


MCV = Assessment(
    "threshold", "higher_is_better", "MCV", value=4.5, thresholds=(4.5, 3.4), negative_distinct=True
)


def band_by_hand(v: float) -> str:
    if v < 0:
        return "threshold_negative"
    return "threshold_green" if v >= 4.5 else "threshold_amber" if v >= 3.4 else "threshold_red"


def test_threshold_semaforo_by_hand_every_quarter_and_a_negative_rate(macro: Store) -> None:
    lv = levels(macro, "fred_GDPC1")
    rows = stored(macro, "real-gdp-yoy-usa")
    seen = set()
    # the light each quarter would have had, from the stored GDP levels by hand
    for i in range(len(rows) - 40, len(rows)):
        upto = rows[: i + 1]
        p = upto[-1][0]
        want = band_by_hand(yoy_by_hand(lv, p))
        st = assess(MCV, upto, "Q")
        assert st.reason == want, p
        assert st.status == GRADES[want]
        assert st.latest_value == pytest.approx(yoy_by_hand(lv, p))
        assert st.baseline_period == p.replace(year=p.year - 1)  # "from X to Y": a year before
        seen.add(want)
    assert "threshold_negative" in seen  # 2020 Q2: the pandemic contraction has its own grade
    assert {"threshold_red", "threshold_green"} <= seen


def test_threshold_lower_is_better_is_mirrored() -> None:
    a = Assessment("threshold", "lower_is_better", "c", value=3.0, thresholds=(3.0, 4.0))
    p = dt.date(2024, 1, 1)
    assert assess(a, [(p, 2.9)], "A").reason == "threshold_green"
    assert assess(a, [(p, 3.5)], "A").reason == "threshold_amber"
    assert assess(a, [(p, 4.1)], "A").reason == "threshold_red"


EUROSTAT = Assessment("direction", "higher_is_better", "Eurostat", thresholds=(1.0, 0.0, -1.0))


def grade_by_hand(cagr_pct: float) -> str:
    if cagr_pct >= 1.0:
        return "significant_progress"
    if cagr_pct >= 0.0:
        return "moderate_progress"
    if cagr_pct >= -1.0:
        return "moderate_away"
    return "significant_away"


def test_direction_of_travel_cagr_by_hand(macro: Store) -> None:
    jobs = levels(macro, "fred_CES3133600101")
    rows = stored(macro, "us-jobs-motor-vehicles-parts")
    seen = set()
    for i in range(len(rows) - 120, len(rows), 7):
        upto = rows[: i + 1]
        p = upto[-1][0]
        p0 = p.replace(year=p.year - 5)
        cagr = ((jobs[p] / jobs[p0]) ** (1 / 5) - 1) * 100
        st = assess(EUROSTAT, upto, "M")
        assert st.reason == grade_by_hand(cagr), p
        assert st.growth is not None and st.growth * 100 == pytest.approx(cagr)
        assert (st.baseline_period, st.latest_period) == (p0, p)
        seen.add(st.reason)
    assert len(seen) >= 2  # the window covers more than one grade of the real series
    # lower is better flips the sign: the same series moving up is movement away
    down = Assessment("direction", "lower_is_better", "c", thresholds=(1.0, 0.0, -1.0))
    p, p0 = rows[-1][0], rows[-1][0].replace(year=rows[-1][0].year - 5)
    cagr = ((jobs[p] / jobs[p0]) ** (1 / 5) - 1) * 100
    assert assess(down, rows, "M").reason == grade_by_hand(-cagr)


def test_direction_too_few_periods_negative_base_and_a_series_that_stops(
    macro: Store, real: Store
) -> None:
    rows = stored(macro, "us-jobs-motor-vehicles-parts")
    last = rows[-1][0]
    short = [r for r in rows if r[0] > last.replace(year=last.year - 5)]
    st = assess(EUROSTAT, short, "M")
    assert (st.status, st.reason) == ("no_data", "insufficient_trend")
    assert st.latest_value == short[-1][1]  # the latest value is still shown
    # the U.S. balance with Mexico is negative: a growth rate of it means nothing
    bal = stored(real, "us-balance-annual.mex", flow="balance")
    assert bal[-1][1] < 0
    st = assess(EUROSTAT, bal, "A")
    assert (st.status, st.reason) == ("no_data", "negative_base")
    # a series that stopped: the rows up to 2019, judged as of the newest vintage (2026)
    stopped = [r for r in rows if r[0] < dt.date(2020, 1, 1)]
    st = assess(EUROSTAT, stopped, "M", as_of=dt.date(2026, 8, 7))
    assert (st.status, st.reason) == ("no_data", "series_stopped")
    # ... but known at the time (vintage right after its last month) it had a light
    assert assess(EUROSTAT, stopped, "M", dt.date(2020, 2, 7)).reason in GRADES


def test_benchmark_series_ahead_now_and_on_average_by_hand(macro: Store) -> None:
    can, usa = stored(macro, "real-gdp-yoy-can"), stored(macro, "real-gdp-yoy-usa")
    a = Assessment("benchmark", "higher_is_better", "c", benchmark="real-gdp-yoy-usa")
    c, u = dict(can), dict(usa)
    common = sorted(set(c) & set(u))
    seen = set()
    for k in range(len(common) - 60, len(common), 3):
        last = common[k]
        cc = [r for r in can if r[0] <= last]
        win = [p for p in common if last.replace(year=last.year - 5) < p <= last]
        now = c[last] > u[last]
        avg = sum(c[p] for p in win) / len(win) > sum(u[p] for p in win) / len(win)
        want = (
            "benchmark_ahead"
            if now and avg
            else "benchmark_mixed"
            if now or avg
            else ("benchmark_behind")
        )
        st = assess(a, cc, "Q", bench=usa)
        assert st.reason == want, last
        assert st.target_value == u[last]
        seen.add(want)
    assert len(seen) >= 2


def test_benchmark_base_period_usmca_by_hand(real: Store) -> None:
    compute(real, catalog=[d for d in load_catalog() if d.id == "us-total-trade-r12"])
    monthly = dict(stored(real, "us-total-trade.mex", flow="total"))
    rows = stored(real, "us-total-trade-r12.mex", flow="total")
    last = rows[-1][0]

    def r12(end: dt.date) -> float:
        ms = [
            dt.date(end.year - (m > end.month - 1), (end.month - 1 - m) % 12 + 1, 1)
            for m in range(12)
        ]
        return sum(monthly[m] for m in ms)

    base, latest = r12(dt.date(2020, 6, 1)), r12(last)
    for tol, want in (((0.0, 0.05), "base_better"),):
        a = Assessment("benchmark", "higher_is_better", "c", base_period="2020-06", tolerance=tol)
        st = assess(a, rows, "M")
        assert st.baseline_value == pytest.approx(base)
        assert st.latest_value == pytest.approx(latest)
        assert st.growth == pytest.approx((latest - base) / base)
        assert st.reason == want if latest >= base else "base_worse"
    # lower is better: the same rise is a move the wrong way, beyond the 5% band
    a = Assessment("benchmark", "lower_is_better", "c", base_period="2020-06")
    assert assess(a, rows, "M").reason == ("base_worse" if latest > base * 1.05 else "base_near")
    # a base period the series does not reach: too few periods
    a = Assessment("benchmark", "higher_is_better", "c", base_period="1970-06")
    assert assess(a, rows, "M").reason == "insufficient_trend"


def test_ref_status_reads_the_store_and_its_benchmark(macro: Store) -> None:
    a = Assessment("benchmark", "higher_is_better", "c", benchmark="real-gdp-yoy-usa")
    ref = IndicatorRef("real-gdp-yoy-can", assess=a)
    st = ref_status(macro.con, ref)
    direct = assess(
        a, stored(macro, "real-gdp-yoy-can"), "Q", bench=stored(macro, "real-gdp-yoy-usa")
    )
    assert (st.reason, st.latest_period, st.target_value) == (
        direct.reason,
        direct.latest_period,
        direct.target_value,
    )
    assert ref.key == "real-gdp-yoy-can~benchmark"
    none = ref_status(macro.con, IndicatorRef("us-total-trade-annual.mex", assess=a))
    assert (none.status, none.reason) == ("no_data", "no_values")


def test_benchmark_history_runs_over_both_series_vintages_and_ends_at_the_board(
    macro: Store,
) -> None:
    from norte.goals.board import ref_history
    from norte.goals.status import vintages

    a = Assessment("benchmark", "higher_is_better", "c", benchmark="real-gdp-yoy-usa")
    ref = IndicatorRef("real-gdp-yoy-can", assess=a)
    own, other = vintages(macro.con, ref.id), vintages(macro.con, "real-gdp-yoy-usa")
    assert own != other  # StatCan and FRED files have their own vintages
    hist = ref_history(macro.con, ref)
    want = sorted(set(own) | {x for x in other if x >= min(own)})
    assert [h.input_vintage for h in hist] == want
    # before the benchmark was known there is nothing to compare with
    for h in hist:
        if h.input_vintage is not None and h.input_vintage < min(other):
            assert h.reason == "no_overlap"
    board = ref_status(macro.con, ref)
    assert (hist[-1].status, hist[-1].reason, hist[-1].input_vintage) == (
        board.status,
        board.reason,
        board.input_vintage,
    )
