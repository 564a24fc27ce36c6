"""Real GDP growth of the three countries and U.S. jobs, each from its own agency's file.

Every quarter the shared files cover gets a year-on-year rate, computed by hand here from the
stored levels; the series keep their price basis and seasonal adjustment (unit, detail)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from norte.indicators import compute, load_catalog
from norte.ingest import ingest
from norte.store import Store

REPO = Path(__file__).resolve().parents[2]
GDP = {
    # indicator suffix: (dataset, unit, detail)
    "usa": ("fred_GDPC1", "USD_chained_2017", "adj=saar"),
    "mex": ("inegi_pibt_2018", "MXN_2018", "adj=sa"),
    "can": ("statcan_36100104", "CAD_chained_2017", "adj=saar;vector=v62305752"),
}


@pytest.fixture(scope="module")
def macro_store(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("macro") / "norte.duckdb"
    s = Store(path)
    ingest(
        s,
        [
            shared / "fred",
            shared / "statcan" / "gdp-36100104-real-gdp-canada-quarterly-derived.csv",
            shared / "inegi" / "pib" / "pibt_cte_valor.xlsx",
        ],
        options={"provenance_dirs": [str(REPO / "provenance")]},
        out=io.StringIO(),
    )
    defs = [d for d in load_catalog() if d.file.endswith("macro.toml")]
    report = compute(s, catalog=defs)
    assert all(r.status == "computed" for r in report.runs), report.runs
    yield s
    s.close()


@pytest.mark.parametrize("country", sorted(GDP))
def test_real_gdp_growth_every_quarter(macro_store: Store, country: str) -> None:
    dataset, unit, detail = GDP[country]
    levels = dict(
        macro_store.con.execute(
            "SELECT period, value FROM observations_latest WHERE dataset = ? AND unit = ? "
            "AND detail = ? AND measure = 'gdp_real' AND freq = 'Q'",
            [dataset, unit, detail],
        ).fetchall()
    )
    assert len(levels) > 100
    got = dict(
        macro_store.con.execute(
            "SELECT period, value FROM indicator_values_latest WHERE indicator_id = ?",
            [f"real-gdp-yoy-{country}"],
        ).fetchall()
    )
    want = {
        p: (v / levels[dt.date(p.year - 1, p.month, 1)] - 1) * 100
        for p, v in levels.items()
        if dt.date(p.year - 1, p.month, 1) in levels
    }
    assert got.keys() == want.keys()  # every quarter with a year-earlier quarter, no more
    for p, v in want.items():
        assert got[p] == pytest.approx(v, rel=1e-9)
    saar = dict(
        macro_store.con.execute(
            "SELECT period, value FROM indicator_values_latest WHERE indicator_id = ?",
            [f"real-gdp-qoq-saar-{country}"],
        ).fetchall()
    )
    last = max(levels)
    prev = dt.date(last.year - (last.month == 1), (last.month - 4) % 12 + 1, 1)
    assert saar[last] == pytest.approx(((levels[last] / levels[prev]) ** 4 - 1) * 100)


def test_growth_descriptions_state_price_basis_and_adjustment() -> None:
    defs = {d.id: d for d in load_catalog()}
    assert "chained 2017" in defs["real-gdp-yoy-usa"].description["en"]
    assert "2018 pesos, seasonally adjusted" in defs["real-gdp-yoy-mex"].description["en"]
    assert "seasonally adjusted at annual rates" in defs["real-gdp-yoy-can"].description["en"]


def test_us_jobs_yoy(macro_store: Store) -> None:
    (v,) = macro_store.con.execute(
        "SELECT value FROM indicator_values_latest WHERE indicator_id = 'us-jobs-total-nonfarm'"
        " AND period = '2024-06-01'"
    ).fetchone()  # type: ignore[misc]
    (raw,) = macro_store.con.execute(
        "SELECT value FROM observations_latest WHERE dataset = 'fred_PAYEMS' "
        "AND period = '2024-06-01'"
    ).fetchone()  # type: ignore[misc]
    assert v == raw
