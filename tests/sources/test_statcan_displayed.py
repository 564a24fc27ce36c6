"""StatCan "as displayed" CSV (table 14-10-0287-01, Labour Force Survey): the real file, its
release date as the vintage, and bad input named by line and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from norte import sources
from norte.errors import InputError
from norte.sources import statcan_displayed
from norte.store import Store

LFS = "statcan/1410028701-eng.csv"
SA = "adj=sa;age_group=15_years_and_over;gender=total_gender;statistics=estimate"


def test_canadian_employment_june_2026_from_the_store(shared: Path, store: Store) -> None:
    assert sources.detect(shared / LFS) is statcan_displayed
    (r,) = store.load_many([(shared / LFS, statcan_displayed)])
    assert r.vintage == dt.date(2026, 7, 10)
    rows = store.con.execute(
        "SELECT value, unit, vintage, reporter, geo_code, freq FROM observations "
        "WHERE dataset = 'statcan_14100287' AND measure = 'employment' AND detail = ? "
        "AND period = '2026-06-01'",
        [SA],
    ).fetchall()
    assert rows == [(21_139_700.0, "persons", dt.date(2026, 7, 10), "CAN", None, "M")]
    assert f"{rows[0][0] / 1000:,.1f} thousand" == "21,139.7 thousand"
    how = store.con.execute("SELECT vintage_from FROM loads").fetchall()
    assert how == [("the file's release date",)]
    # Every series and month of 1976-01 .. 2026-06: 9 characteristics x 2 data types.
    n, first, last, series = store.con.execute(
        "SELECT count(*), min(period), max(period), count(DISTINCT (measure, detail)) "
        "FROM observations"
    ).fetchall()[0]
    assert (first, last, series) == (dt.date(1976, 1, 1), dt.date(2026, 6, 1), 18)
    assert n == 18 * 606
    # The first value of the file, and a rate (percent, not scaled).
    assert store.con.execute(
        "SELECT value FROM observations WHERE measure = 'population' AND detail = ? "
        "AND period = '1976-01-01'",
        [SA],
    ).fetchall() == [(16_852_400.0,)]
    assert store.con.execute(
        "SELECT value, unit FROM observations WHERE measure = 'unemployment_rate' "
        "AND detail = ? AND period = '2026-06-01'",
        [SA],
    ).fetchall() == [(6.5, "percent")]
    # '..' (not available) is NULL with its status, never 0.
    assert store.con.execute(
        "SELECT count(*) FROM observations WHERE value IS NULL AND status <> 'not_available'"
    ).fetchall() == [(0,)]


def _edited(shared: Path, tmp_path: Path, old: str, new: str) -> Path:
    text = (shared / LFS).read_text(encoding="utf-8-sig")
    assert old in text
    bad = tmp_path / "1410028701-eng.csv"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8-sig")
    return bad


def test_a_bad_value_is_named_and_nothing_is_stored(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    bad = _edited(shared, tmp_path, '"9,636.7","9,659.8"', '"9,636.7","nine"')
    with pytest.raises(
        InputError, match=r"line \d+, column 4 \(February 1976\): 'nine' is not a number"
    ):
        store.load_many([(bad, statcan_displayed)])
    assert store.count() == 0 and store.count("loads") == 0


def test_a_file_without_its_release_date_is_refused(
    shared: Path, store: Store, tmp_path: Path
) -> None:
    bad = _edited(shared, tmp_path, '"Release date: 2026-07-10"', '"Released: soon"')
    assert not statcan_displayed.detect(bad)  # not the layout any more
    with pytest.raises(InputError, match="no 'Release date: YYYY-MM-DD' line"):
        store.load_many([(bad, statcan_displayed)])
