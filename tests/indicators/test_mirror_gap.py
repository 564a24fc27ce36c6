"""Mirror-gap indicators: two reporters' figures of one flow compared, on the real shared files.

The values are recomputed by hand from the stored observations (Census monthly U.S. imports
from Mexico, the Secretaría de Economía's own annual and monthly pages); the guard that a
definition selects its reporter still refuses a series that would add two reporters together.
"""

from __future__ import annotations

import datetime as dt
import io
import tomllib
from pathlib import Path

import pytest

from norte.indicators.catalog import CatalogError, load_catalog, parse_definition
from norte.indicators.engine import compute, evaluate
from norte.indicators.inputs import MixedReportersError
from norte.ingest import ingest
from norte.store import Store

IDS = (
    "mirror-gap-us-imports-mex-annual",
    "mirror-gap-us-exports-mex-annual",
    "mirror-gap-us-imports-mex",
    "mirror-gap-us-exports-mex",
)


@pytest.fixture(scope="module")
def db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gap") / "norte.duckdb"
    se = shared / "se"
    with Store(path) as s:
        ingest(
            s,
            [
                shared / "census" / "country.xlsx",
                se / "bcm_e" / "G8_ESTADOS UNIDOS DE AMERICA.html",
                se / "bc_e" / "G8_ESTADOS UNIDOS DE AMERICA.html",
            ],
            out=io.StringIO(),
        )
    return path


def _defs() -> list:  # type: ignore[type-arg]
    return [d for d in load_catalog() if d.id in IDS]


def _stored(s: Store, sql: str, params: list[object]) -> float:
    row = s.con.execute(sql, params).fetchone()
    assert row is not None and row[0] is not None
    return float(row[0])


def test_annual_gap_2019_by_hand(db: Path) -> None:
    with Store(db) as s:
        us = _stored(
            s,
            "SELECT sum(value) FROM observations_latest WHERE source = 'census' AND "
            "dataset = 'trade_by_country' AND reporter = 'USA' AND partner = 'MEX' AND "
            "flow = 'import' AND product_code IS NULL AND year(period) = ?",
            [2019],
        )
        mx = _stored(
            s,
            "SELECT value FROM observations_latest WHERE dataset = 'se_balance_annual' AND "
            "reporter = 'MEX' AND partner = 'USA' AND flow = 'export' AND period = ?",
            [dt.date(2019, 1, 1)],
        )
        assert mx == 370_788_896_000  # US$370,788,896 thousand, the SE annual page
        got = evaluate(s, catalog=_defs())
    rows = {r["period"]: r["value"] for r in got["mirror-gap-us-imports-mex-annual"].to_pylist()}
    assert sorted(rows)[0] == dt.date(1993, 1, 1) and sorted(rows)[-1] == dt.date(2020, 1, 1)
    assert len(rows) == 28
    assert rows[dt.date(2019, 1, 1)] == pytest.approx((us - mx) / us * 100)
    assert rows[dt.date(2019, 1, 1)] < 0  # Mexico records more exports than the U.S. imports


def test_monthly_gap_and_reverse_flow_by_hand(db: Path) -> None:
    day = dt.date(2019, 3, 1)
    with Store(db) as s:
        us = _stored(
            s,
            "SELECT value FROM observations_latest WHERE source = 'census' AND partner = 'MEX' "
            "AND flow = 'export' AND product_code IS NULL AND period = ?",
            [day],
        )
        mx = _stored(
            s,
            "SELECT value FROM observations_latest WHERE dataset = 'se_balance_monthly' AND "
            "reporter = 'MEX' AND flow = 'import' AND period = ?",
            [day],
        )
        got = evaluate(s, catalog=_defs())
    monthly = {r["period"]: r for r in got["mirror-gap-us-exports-mex"].to_pylist()}
    assert len(monthly) == 12 * 28  # 1993-01 .. 2020-12: the months both sides hold
    assert monthly[day]["value"] == pytest.approx((us - mx) / us * 100)
    assert monthly[day]["flow"] == "export" and monthly[day]["partner"] == "MEX"
    assert monthly[day]["freq"] == "M"


def test_computed_into_indicator_values_with_provenance(db: Path, tmp_path: Path) -> None:
    import shutil

    path = tmp_path / "n.duckdb"
    shutil.copy(db, path)
    with Store(path) as s:
        report = compute(s, catalog=_defs())
        assert {r.base_id: r.status for r in report.runs} == dict.fromkeys(IDS, "computed")
        rows = s.con.execute(
            "SELECT indicator_id, unit, input_vintage IS NOT NULL, inputs_hash IS NOT NULL, "
            "count(*) FROM indicator_values WHERE base_id LIKE 'mirror-gap-%' GROUP BY ALL "
            "ORDER BY 1"
        ).fetchall()
    assert [r[0] for r in rows] == sorted(IDS)
    assert all(r[1] == "percent" and r[2] and r[3] for r in rows)


_BASE = """
id = "g"
goal = 3
unit = "percent"
direction = "neutral"
title = { en = "g", es = "g", fr = "g" }
description = { en = "g", es = "g", fr = "g" }
transforms = []
"""


def _parse(extra: str) -> object:
    return parse_definition(tomllib.loads(_BASE + extra), "x.toml", 0)


def test_mirror_sides_must_each_select_their_reporter() -> None:
    with pytest.raises(CatalogError) as e:
        _parse(
            'series = { source = "census", dataset = "d", reporter = "USA", partner = "MEX", '
            'flow = "import", freq = "M" }\n'
            'mirror = { source = "se", dataset = "d", partner = "USA", flow = "export", '
            'freq = "M" }\n'
        )
    assert e.value.field == "mirror.reporter" and "one reporter" in str(e.value)
    with pytest.raises(CatalogError) as e2:  # side B must be the partner's own figure
        _parse(
            'series = { source = "census", dataset = "d", reporter = "USA", partner = "MEX", '
            'flow = "import", freq = "M" }\n'
            'mirror = { source = "census", dataset = "d", reporter = "USA", partner = "MEX", '
            'flow = "export", freq = "M" }\n'
        )
    assert e2.value.field == "mirror.reporter"
    with pytest.raises(CatalogError) as e3:  # one frequency after the transforms
        _parse(
            'series = { source = "census", dataset = "d", reporter = "USA", partner = "MEX", '
            'flow = "import", freq = "M" }\n'
            'mirror = { source = "se", dataset = "d", reporter = "MEX", partner = "USA", '
            'flow = "export", freq = "A" }\n'
        )
    assert e3.value.field == "mirror.freq"


def test_reporter_guard_still_refuses_a_series_without_reporter(db: Path) -> None:
    defn = _parse(
        'series = { source = ["census", "se"], dataset = ["trade_by_country", '
        '"se_balance_monthly"], flow = "export", measure = "value", freq = "M" }\n'
    )
    with Store(db) as s, pytest.raises(MixedReportersError) as e:
        compute(s, catalog=[defn])  # type: ignore[list-item]
    assert "MEX, USA" in str(e.value) and e.value.field == "series.reporter"


def test_indicators_show_names_both_sides(db: Path) -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "norte.cli", "--db", str(db), "indicators", "show"]
        + ["mirror-gap-us-imports-mex-annual"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    lines = {ln.split()[0]: ln for ln in r.stdout.splitlines() if ln.strip()}
    assert '"reporter": ["USA"]' in lines["series"]
    assert '"reporter": ["MEX"]' in lines["mirror"] and "se_balance_annual" in lines["mirror"]
