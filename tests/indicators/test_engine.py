"""The engine on the real Census data: hand-checkable values, DuckDB = Spark, incremental
recomputation and the as-of view."""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

import pyarrow as pa
import pytest

from norte.indicators import compute, evaluate, load_catalog
from norte.indicators.catalog import DIMS
from norte.ingest import ingest
from norte.store import Store
from norte.store.db import first
from tests.indicators.conftest import DETAIL_ONLY, NO_OVERLAP


def _value(store: Store, indicator: str, period: str, partner: str | None = None) -> float:
    sql = "SELECT value FROM indicator_values_latest WHERE indicator_id = ? AND period = ?"
    params: list[Any] = [indicator, period]
    if partner:
        sql += " AND partner = ?"
        params.append(partner)
    rows = store.con.execute(sql, params).fetchall()
    assert len(rows) == 1, (indicator, period, partner, rows)
    return float(rows[0][0])


def test_tdr_and_ranks_match_the_raw_observations(census_store: Store) -> None:
    report = compute(census_store)
    census = {d.id for d in load_catalog() if d.resolved_series()["source"] == ("census",)}
    census -= DETAIL_ONLY
    assert {r.base_id for r in report.runs if r.status == "computed"} == census
    assert {r.status for r in report.runs if r.base_id not in census} == {"no-input"}
    ex, im = first(
        census_store.con.execute(
            "SELECT sum(value) FILTER (flow = 'export'), sum(value) FILTER (flow = 'import') "
            "FROM observations_latest WHERE source = 'census' AND dataset = 'trade_by_country' "
            "AND partner = 'MEX' AND period BETWEEN '2023-01-01' AND '2023-12-01'"
        )
    ) or (None, None)
    assert ex and im
    tdr = _value(census_store, "tdr-annual.mex", "2023-01-01")
    assert tdr == pytest.approx((im - ex) / ex, rel=1e-12)
    assert 0.4 < tdr < 0.5  # 472.9 / 323.6 − 1
    # the half-year TDRs add up to the year's exports and imports
    h1 = _value(census_store, "tdr-half.mex", "2023-01-01")
    h2 = _value(census_store, "tdr-half.mex", "2023-07-01")
    assert min(h1, h2) < tdr < max(h1, h2)
    # Mexico: 2nd total-trade partner in 2022 (Canada 796.5 $bn > 779.0), 1st in 2023 (796.5 > 772.4)
    assert _value(census_store, "us-trade-partner-rank-annual", "2022-01-01", "MEX") == 2
    assert _value(census_store, "us-trade-partner-rank-annual", "2023-01-01", "MEX") == 1
    assert _value(census_store, "us-trade-partner-rank-annual", "2022-01-01", "CAN") == 1
    total_2023 = _value(census_store, "us-total-trade-annual.mex", "2023-01-01")
    assert total_2023 == pytest.approx(ex + im, rel=1e-12)
    # groupings are never ranked as countries
    ranked = census_store.con.execute(
        "SELECT DISTINCT v.partner FROM indicator_values v JOIN codes c "
        "ON c.scheme = 'partner' AND c.code = v.partner "
        "WHERE v.unit = 'rank' AND c.kind <> 'country'"
    ).fetchall()
    assert ranked == []
    top5 = census_store.con.execute(
        "SELECT list(partner ORDER BY partner) FROM indicator_values "
        "WHERE indicator_id = 'tdr-top5-annual' AND period = '2023-01-01'"
    ).fetchall()[0][0]
    assert top5 == ["CAN", "CHN", "DEU", "JPN", "MEX"]


def test_shares_and_concentration_are_consistent(census_store: Store) -> None:
    compute(census_store, only=["us-import-share-hs2-annual", "us-import-hhi-partner-annual"])
    mex87 = first(
        census_store.con.execute(
            "SELECT sum(value) FILTER (partner = 'MEX') / sum(value) FILTER (partner = 'WORLD') "
            "* 100 FROM observations_latest WHERE dataset = 'trade_by_country_hs' "
            "AND product_code = '87' AND year(period) = 2023"
        )
    )
    assert mex87 is not None
    got = census_store.con.execute(
        "SELECT value FROM indicator_values WHERE indicator_id = 'us-import-share-hs2-annual.mex'"
        " AND product_code = '87' AND period = '2023-01-01'"
    ).fetchall()
    assert got[0][0] == pytest.approx(mex87[0], rel=1e-12)
    hhi = _value(census_store, "us-import-hhi-partner-annual", "2023-01-01")
    assert 0 < hhi < 10_000


def _rows(t: pa.Table) -> dict[tuple[Any, ...], float]:
    d = t.to_pydict()
    keys = list(zip(*(d[c] for c in (*DIMS, "period", "freq")), strict=True))
    out = dict(zip(keys, d["value"], strict=True))
    assert len(out) == t.num_rows, "duplicate keys in a result"
    return out


def test_whole_catalog_same_on_duckdb_and_spark(sources_store: Store, spark: Any) -> None:
    """Every value of every indicator: relative difference below 1e-9 (CI runs this). The store
    holds every Census file and a subset of each other source (see conftest)."""
    t0 = time.perf_counter()
    duck = evaluate(sources_store, "duckdb")
    t1 = time.perf_counter()
    sp = evaluate(sources_store, "spark", spark=spark)
    t2 = time.perf_counter()
    print(f"catalog: duckdb {t1 - t0:.1f}s, spark {t2 - t1:.1f}s")
    assert duck.keys() == sp.keys() == {d.id for d in load_catalog()}
    compared = 0
    for ident in duck:
        a, b = _rows(duck[ident]), _rows(sp[ident])
        # no shared file holds its input (or no period both sides hold): empty on both engines
        if ident in DETAIL_ONLY or ident in NO_OVERLAP:
            assert not a and not b, f"{ident} has input now: remove it from DETAIL_ONLY"
            continue
        assert a, f"{ident}: no values"
        assert a.keys() == b.keys(), f"{ident}: different rows"
        for k, va in a.items():
            vb = b[k]
            assert math.isfinite(va) and math.isfinite(vb), (ident, k, va, vb)
            assert abs(va - vb) <= 1e-9 * max(abs(va), abs(vb), 1e-300), (ident, k, va, vb)
            compared += 1
    assert compared > 300_000


def test_recompute_is_incremental_and_as_of_keeps_older_inputs(
    census_store: Store, shared: Any
) -> None:
    first_run = compute(census_store)
    with_input = [r.base_id for r in first_run.runs if r.status != "no-input"]
    assert first_run.computed == len(with_input) > 30  # the Census definitions
    again = compute(census_store)
    assert again.computed == 0
    assert {r.status for r in again.runs if r.base_id in with_input} == {"unchanged"}
    # As of 2024-09-01 only country.xlsx (vintage 2024-08-06) was known.
    old = compute(census_store, as_of=dt.date(2024, 9, 1), only=["tdr-annual", "us-exports-ytd"])
    assert {r.input_vintage for r in old.runs} == {dt.date(2024, 8, 6)}
    latest = _value(census_store, "tdr-annual.mex", "2023-01-01")
    as_of = census_store.con.execute(
        "SELECT value, input_vintage FROM indicator_values_as_of('2024-09-01') "
        "WHERE indicator_id = 'tdr-annual.mex' AND period = '2023-01-01'"
    ).fetchall()
    assert as_of[0][1] == dt.date(2024, 8, 6)
    assert as_of[0][0] != latest  # 2023 was revised between the workbook and the API
    assert census_store.con.execute(
        "SELECT count(*) FROM indicator_values_as_of('2024-09-01') WHERE base_id = 'us-exports'"
    ).fetchall() == [(0,)]
    # A revised release of the country files (new vintage) recomputes only what reads them.
    ingest(
        census_store,
        [shared / "census" / "api" / "exports-country-2013-2024.json.gz"],
        vintage=dt.date(2025, 6, 1),
    )
    after = {r.base_id: r.status for r in compute(census_store).runs}
    assert after["us-exports"] == "computed"
    assert after["us-import-share-hs2"] == "unchanged"
    assert after["us-imports"] == "unchanged"
    vintages = census_store.con.execute(
        "SELECT DISTINCT input_vintage FROM indicator_values_latest WHERE base_id = 'us-exports'"
    ).fetchall()
    assert vintages == [(dt.date(2025, 6, 1),)]


def test_compiled_sql_is_cached_by_definition_and_dialect(tmp_path: Any, monkeypatch: Any) -> None:
    from dataclasses import replace

    from norte.indicators import engine

    monkeypatch.setenv("NORTE_CACHE_DIR", str(tmp_path))
    engine.clear_sql_cache()
    d = next(x for x in load_catalog() if x.id == "tdr-annual")
    sql, hit = engine.compiled_sql(d, "duckdb")
    assert not hit and "_norte_ind_input" in sql
    assert [p.name for p in (tmp_path / "indicator-sql").iterdir()] == [
        f"{engine.sql_key(d, 'duckdb')}.sql"
    ]
    engine.clear_sql_cache()  # memory only: the next call reads the file
    assert engine.compiled_sql(d, "duckdb") == (sql, True)
    spark_sql, hit = engine.compiled_sql(d, "pyspark")
    assert not hit and spark_sql != sql
    # an edited definition (another partner list) is compiled afresh
    edited = replace(d, partners=("MEX",))
    assert engine.sql_key(edited, "duckdb") != engine.sql_key(d, "duckdb")
    assert engine.compiled_sql(edited, "duckdb")[1] is False
    engine.clear_sql_cache(disk=True)
    assert list((tmp_path / "indicator-sql").glob("*.sql")) == []
