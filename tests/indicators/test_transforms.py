"""Transforms on small tables, hand-checkable, on DuckDB and on Spark.

No shared file holds production volumes, so the import share of availability is checked on a
small table whose numbers are illustrative (not an official series): the formula is what is
under test."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import ibis
import pytest

from norte.indicators.catalog import parse_definition
from norte.indicators.engine import expression
from norte.indicators.inputs import INPUT_COLUMNS

TEXT = {"en": "t", "es": "t", "fr": "t"}
ROWS = [
    # flow, partner, geo_code, period, value
    ("production", None, None, "2023-01-01", 100.0),
    ("export", None, None, "2023-01-01", 20.0),
    ("import", None, None, "2023-01-01", 80.0),
    ("export", "MEX", None, "2018-01-01", 100.0),
    ("export", "MEX", None, "2023-01-01", 161.051),  # 100 * 1.1^5
    ("export", "CAN", None, "2022-01-01", 50.0),  # no 2021: YoY for 2022 must be NULL
    ("export", "CAN", None, "2020-01-01", 40.0),
    ("export", "CAN", None, "2023-01-01", 55.0),
    ("score", None, "NAC", "2023-01-01", 60.0),
    ("score", None, "MX-NLE", "2023-01-01", 70.0),
    ("score", None, "MX-CHP", "2023-01-01", 45.0),
    # quarterly (flow "gdp" rows are freq Q): Q1..Q3 2023, then Q1 2024 after a missing Q4
    ("gdp", None, None, "2023-01-01", 100.0),
    ("gdp", None, None, "2023-04-01", 101.0),
    ("gdp", None, None, "2023-07-01", 100.0),
    ("gdp", None, None, "2024-01-01", 103.0),
]


def _table(backend: str, spark: Any, tmp: Path) -> Any:
    values = []
    for flow, partner, geo, period, value in ROWS:
        row = {c: None for c in INPUT_COLUMNS}
        row.update(
            source="t",
            dataset="d",
            flow=flow,
            partner=partner,
            geo_code=geo,
            measure="value",
            unit="x",
            freq="Q" if flow == "gdp" else "A",
            value=value,
            period=dt.date.fromisoformat(period),
        )
        values.append(row)
    import pyarrow as pa

    schema = pa.schema(
        [
            (c, pa.date32() if c == "period" else pa.float64() if c == "value" else pa.string())
            for c in INPUT_COLUMNS
        ]
    )
    arrow = pa.Table.from_pylist(values, schema=schema)
    if backend == "duckdb":
        con = ibis.duckdb.connect()
        con.con.register("_arrow", arrow)
        con.raw_sql("CREATE TABLE inp AS SELECT * FROM _arrow")
        return con, con.table("inp")
    import pyarrow.parquet as pq

    path = tmp / "inp.parquet"
    pq.write_table(arrow, path)
    spark.read.parquet(str(path)).createOrReplaceTempView("inp")
    con = ibis.pyspark.connect(spark)
    return con, con.table("inp")


def _run(con: Any, table: Any, series: dict[str, Any], transforms: list[dict[str, Any]]) -> dict:
    d = parse_definition(
        {
            "id": "t",
            "title": TEXT,
            "description": TEXT,
            "goal": 1,
            "unit": "x",
            "direction": "neutral",
            "series": {"source": "t", "dataset": "d", "freq": "A", **series},
            "transforms": transforms,
        },
        "test.toml",
        0,
    )
    out = con.to_pyarrow(expression(d, table)).to_pylist()
    return {(r["partner"] or r["geo_code"] or r["flow"], r["period"].year): r["value"] for r in out}


@pytest.fixture(params=["duckdb", "spark"])
def backend(request: pytest.FixtureRequest) -> Any:
    spark = request.getfixturevalue("spark") if request.param == "spark" else None
    with tempfile.TemporaryDirectory() as tmp:
        yield _table(request.param, spark, Path(tmp))


def test_import_share_of_availability(backend: Any) -> None:
    con, t = backend
    got = _run(con, t, {"flow": ["production", "export", "import"]}, [{"op": "availability_share"}])
    # imports / (production − exports + imports) = 80 / (100 − 20 + 80) = 50 %
    assert got == {("availability_share", 2023): pytest.approx(50.0, rel=1e-12)}


def test_cagr_and_yoy_respect_gaps(backend: Any) -> None:
    con, t = backend
    cagr = _run(con, t, {"flow": "export", "partner": "MEX"}, [{"op": "cagr", "years": 5}])
    assert cagr == {("MEX", 2023): pytest.approx(10.0, rel=1e-9)}
    yoy = _run(con, t, {"flow": "export", "partner": "CAN"}, [{"op": "yoy", "kind": "pct"}])
    assert yoy == {("CAN", 2023): pytest.approx(10.0, rel=1e-12)}  # 2022 has no 2021: no value


def test_period_on_period_growth_plain_and_annualized(backend: Any) -> None:
    con, t = backend

    def run(annualize: bool) -> dict[Any, float]:
        out = con.to_pyarrow(
            expression(
                parse_definition(
                    {
                        "id": "t",
                        "title": TEXT,
                        "description": TEXT,
                        "goal": 2,
                        "unit": "percent",
                        "direction": "higher_is_better",
                        "series": {"source": "t", "dataset": "d", "freq": "Q", "flow": "gdp"},
                        "transforms": [{"op": "pop", "annualize": annualize}],
                    },
                    "test.toml",
                    0,
                ),
                t,
            )
        ).to_pylist()
        return {r["period"].isoformat(): r["value"] for r in out if r["value"] is not None}

    # 2024-Q1 follows a missing 2023-Q4: no value (a gap never pairs the wrong quarters)
    assert run(False) == {
        "2023-04-01": pytest.approx(1.0, rel=1e-12),
        "2023-07-01": pytest.approx((100 / 101 - 1) * 100, rel=1e-12),
    }
    assert run(True) == {
        "2023-04-01": pytest.approx((1.01**4 - 1) * 100, rel=1e-12),  # 4.060401 %
        "2023-07-01": pytest.approx(((100 / 101) ** 4 - 1) * 100, rel=1e-12),
    }


def test_gap_to_national_and_spread(backend: Any) -> None:
    con, t = backend
    gap = _run(con, t, {"flow": "score"}, [{"op": "gap", "dim": "geo_code", "ref": "NAC"}])
    assert gap == {("MX-NLE", 2023): 10.0, ("MX-CHP", 2023): -15.0}
    spread = _run(
        con,
        t,
        {"flow": "score", "geo_code": ["MX-NLE", "MX-CHP"]},
        [{"op": "spread", "dim": "geo_code"}],
    )
    assert spread == {("score", 2023): 25.0}


def test_fill_names_the_national_row_for_gap(backend: Any) -> None:
    """The national row of SPI México has no geography (NULL): fill gives it a code, and gap
    then measures each state against it."""
    con, t = backend
    got = _run(
        con,
        t,
        {"flow": "export"},
        [
            {"op": "fill", "dim": "partner", "value": "ALL"},
            {"op": "gap", "dim": "partner", "ref": "ALL"},
        ],
    )
    # 2023 exports: NULL partner 20 -> "ALL"; MEX 161.051 - 20, CAN 55 - 20; other years have no
    # "ALL" row, so no gap
    assert got == {
        ("MEX", 2023): pytest.approx(141.051, rel=1e-12),
        ("CAN", 2023): pytest.approx(35.0, rel=1e-12),
    }
