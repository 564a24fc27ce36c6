"""``norte mirror`` on real data: both sides of a flow, the gap, and bad arguments."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from norte.ingest import ingest
from norte.store import Store


@pytest.fixture(scope="module")
def census_db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mirror") / "norte.duckdb"
    with Store(path) as s:
        ingest(
            s, [shared / "census" / "country.xlsx", shared / "census" / "api"], out=io.StringIO()
        )
    return path


def _norte(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "norte.cli", "--db", str(db), "mirror", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_us_side_alone_sums_complete_years_only(census_db: Path) -> None:
    r = _norte(census_db, "--reporter", "USA", "--partner", "MEX", "--freq", "A", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["side_b"] == {"reporter": "MEX", "partner": "USA", "flow": "export"}
    rows = {x["period"][:4]: x for x in out["rows"]}
    # U.S. general imports from Mexico, 2023: the twelve months of the newest (API) vintage
    with Store(census_db, read_only=True) as s:
        (want,) = s.con.execute(
            "SELECT sum(value) FROM observations_latest WHERE source = 'census' AND "
            "dataset = 'trade_by_country' AND partner = 'MEX' AND flow = 'import' AND "
            "year(period) = 2023"
        ).fetchone()  # type: ignore[misc]
    assert rows["2023"]["value_a"] == pytest.approx(want)
    assert rows["2023"]["source_a"] == "census" and rows["2023"]["value_b"] is None
    assert rows["2023"]["gap"] is None
    assert {x["reason"] for x in out["reasons"]} >= {"valuation", "partner attribution"}


@pytest.fixture(scope="module")
def both_sides_db(census_db: Path, shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Census plus Mexico's own pages for the U.S. (SE monthly and annual) and StatCan."""
    import shutil

    path = tmp_path_factory.mktemp("mirror2") / "norte.duckdb"
    shutil.copy(census_db, path)
    se = shared / "se"
    with Store(path) as s:
        ingest(
            s,
            [
                se / "bcm_e" / "G8_ESTADOS UNIDOS DE AMERICA.html",
                se / "bc_e" / "G8_ESTADOS UNIDOS DE AMERICA.html",
                # the product pages hold a total row too (2008-2020): never added to the above
                se / "ppx_e" / "G8_ESTADOS UNIDOS DE AMERICA.html",
                se / "ppm_e" / "G8_ESTADOS UNIDOS DE AMERICA.html",
            ],
            out=io.StringIO(),
        )
    return path


def test_both_sides_1993_2020_with_the_gap(both_sides_db: Path) -> None:
    r = _norte(
        both_sides_db,
        "--reporter",
        "USA",
        "--partner",
        "MEX",
        "--freq",
        "A",
        "--from",
        "1993",
        "--to",
        "2020",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    rows = {x["period"][:4]: x for x in json.loads(r.stdout)["rows"]}
    assert sorted(rows) == [str(y) for y in range(1993, 2021)]
    with Store(both_sides_db, read_only=True) as s:
        se = dict(
            s.con.execute(
                "SELECT year(period), value FROM observations_latest WHERE source = 'se' AND "
                "dataset = 'se_balance_annual' AND partner = 'USA' AND flow = 'export'"
            ).fetchall()
        )
    for y, row in rows.items():
        # side B is Mexico's own annual page; the gap is computed, not stored
        assert row["source_a"] == "census" and row["source_b"] == "se"
        assert row["value_b"] == pytest.approx(se[int(y)])
        assert row["gap"] == pytest.approx(row["value_a"] - row["value_b"])
        assert row["gap_pct"] == pytest.approx(row["gap"] / row["value_b"] * 100)
    assert rows["2019"]["value_b"] == 370_788_896_000  # SE: US$370,788,896 thousand
    # the reverse flow: U.S. exports to Mexico vs Mexico's imports from the U.S.
    r = _norte(
        both_sides_db,
        "--reporter",
        "USA",
        "--partner",
        "MEX",
        "--flow",
        "exports",
        "--freq",
        "M",
        "--from",
        "2019-01",
        "--to",
        "2019-12",
        "--json",
    )
    out = json.loads(r.stdout)
    assert out["side_b"]["flow"] == "import" and len(out["rows"]) == 12
    assert all(x["source_b"] == "se" and x["gap"] is not None for x in out["rows"])


def test_bad_arguments_are_one_line_errors(census_db: Path) -> None:
    r = _norte(census_db, "--reporter", "USA", "--partner", "USA")
    assert r.returncode == 2 and "both USA" in r.stderr and "Traceback" not in r.stderr
    r = _norte(census_db, "--reporter", "USA", "--partner", "MEX", "--from", "2019-13")
    assert r.returncode == 2 and "not a period" in r.stderr
    r = _norte(census_db, "--reporter", "CAN", "--partner", "JPN")
    assert r.returncode == 2 and "no import figures" in r.stderr
