"""Census FT-900 exhibits 1 (SA) and 12 (NSA): every released month of the sheets, identities
between columns, and the FRED trade balance against exhibit 1."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import python_calamine as calamine

from norte import sources
from norte.sources import census_ft900
from norte.store import Store

EXH1 = "census/ft900/exh1.xlsx"
EXH12 = "census/ft900/exh12.xlsx"


def cell(path: Path, label: str, year: str, col: int) -> float:
    """The value in column ``col`` of the row ``label`` under the year row ``year``."""
    rows = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    current = None
    for r in rows:
        if str(r[0]).strip() == year:
            current = year
        elif current == year and str(r[0]).strip() == label:
            return float(r[col])
    raise AssertionError(label)


def test_exhibit_1_months_and_columns(shared: Path, store: Store) -> None:
    path = shared / EXH1
    assert sources.detect(path) is census_ft900
    assert sources.detect(shared / "census/country.xlsx") is not census_ft900
    r = store.load_file(path, census_ft900)
    assert r.rows == 25 * 9  # 2024-01 .. 2026-01, balance/exports/imports x total/goods/services
    q = store.con.execute(
        "SELECT flow, detail, value, status FROM observations WHERE period = ? ORDER BY flow, detail",
        [dt.date(2024, 1, 1)],
    ).fetchall()
    assert (
        "balance",
        "adj=sa;basis=bop;scope=goods_services",
        cell(path, "January", "2024", 1) * 1e6,
        None,
    ) in q
    assert (
        "import",
        "adj=sa;basis=bop;scope=services",
        cell(path, "January", "2024", 9) * 1e6,
        None,
    ) in q
    rev = store.con.execute(
        "SELECT DISTINCT status FROM observations WHERE year(period) = 2025"
    ).fetchall()
    assert rev == [("revised",)]
    assert store.con.execute(
        "SELECT DISTINCT dataset, reporter, partner, unit, freq FROM observations"
    ).fetchall() == [("ft900_exh1", "USA", "WORLD", "USD", "M")]
    # balance = exports - imports, each month (rounded to US$ 1 million in the release)
    bad = store.con.execute(
        """SELECT period, detail FROM observations GROUP BY period, detail
           HAVING abs(sum(CASE flow WHEN 'balance' THEN value WHEN 'export' THEN -value ELSE value END)) > 1.5e6"""
    ).fetchall()
    assert bad == []


def test_exhibit_12_census_and_bop_basis(shared: Path, store: Store) -> None:
    store.load_file(shared / EXH12, census_ft900)
    got = dict(
        ((f, m, d), v)
        for f, m, d, v in store.con.execute(
            "SELECT flow, measure, detail, value FROM observations WHERE period = '2024-01-01'"
        ).fetchall()
    )
    assert got[("export", "value", "adj=nsa;basis=census;scope=goods")] == 160_165e6
    assert got[("export", "value", "adj=nsa;basis=bop;scope=goods")] == 161_408e6
    assert got[("export", "bop_adjustment", "adj=nsa;scope=goods")] == 1_242e6
    assert got[("balance", "value", "adj=nsa;basis=census;scope=goods")] == -93_527e6
    assert len(got) == 8


def test_fred_trade_balance_and_exhibit_1_are_two_vintages(shared: Path, store: Store) -> None:
    """BOPGSTB is exhibit 1's total balance. The FRED copy (August 2026) is a later release
    than the exhibit (January 2026 data, before the June 2026 annual revision): both are kept,
    the FRED rows with the later vintage, and January 2026 (revised least) agrees within 1%."""
    repo = Path(__file__).resolve().parents[2]
    from norte.sources import fred_csv

    a = store.load_file(shared / EXH1, census_ft900)
    b = store.load_file(
        shared / "fred/BOPGSTB.csv",
        fred_csv,
        options={"provenance_dirs": [str(repo / "provenance")]},
    )
    assert a.vintage is not None and b.vintage is not None and a.vintage < b.vintage
    pairs = dict(
        (p, (e, f))
        for p, e, f in store.con.execute(
            """SELECT e.period, e.value, f.value FROM observations e JOIN observations f
               USING (period) WHERE e.dataset = 'ft900_exh1' AND e.flow = 'balance'
               AND e.detail LIKE '%goods_services' AND f.dataset = 'fred_BOPGSTB'"""
        ).fetchall()
    )
    assert len(pairs) == 25
    e, f = pairs[dt.date(2026, 1, 1)]
    assert e == -54_455e6 and abs(f - e) < 0.01 * abs(e)
