"""Canada's jobs (goal 1) and FDI positions with the U.S. and Mexico (goal 4): the catalog
indicators computed from the real StatCan files, wired into the goals, written as people read
them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from norte.goals.fmt import value_text
from norte.ingest import ingest
from norte.store import Store

LFS = "statcan/1410028701-eng.csv"
FDI = "statcan/3610000801_databaseLoadingData.csv"


def test_canadian_jobs_and_fdi_indicators(shared: Path, tmp_path: Path) -> None:
    from norte.indicators import compute

    with Store(tmp_path / "n.duckdb") as s:
        ingest(s, [shared / LFS, shared / FDI])
        compute(s, only=["ca-employment", "ca-fdi-inward", "ca-fdi-outward"])
        got = dict(
            ((r[0], r[1]), r[2])
            for r in s.con.execute(
                "SELECT indicator_id, period, value FROM indicator_values_latest "
                "WHERE period IN ('2026-06-01', '2023-01-01')"
            ).fetchall()
        )
    assert got[("ca-employment", dt.date(2026, 6, 1))] == 21_139_700.0
    assert got[("ca-fdi-inward.usa", dt.date(2023, 1, 1))] == 618_238e6
    assert got[("ca-fdi-outward.mex", dt.date(2023, 1, 1))] == 40_424e6
    assert value_text(21_139_700.0, "persons") == "21.14 million persons"
    assert value_text(618_238e6, "CAD") == "C$618.2 bn"


def test_goals_name_the_new_indicators() -> None:
    from norte.goals.catalog import load_shared

    goals = {g.number: g for g in load_shared()}
    assert "ca-employment" in {i.id for i in goals[1].indicators}
    assert {"ca-fdi-inward.usa", "ca-fdi-inward.mex"} <= {i.id for i in goals[4].indicators}
    assert "us-jobs-manufacturing" in {i.id for i in goals[1].indicators}  # the others stay
