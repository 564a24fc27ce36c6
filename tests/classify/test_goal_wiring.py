"""Canada's jobs (goal 1) and FDI positions with the U.S. and Mexico (goal 4): the catalog
indicators computed from the real StatCan files, wired into the goals, written as people read
them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

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
    assert value_text(21_139_700.0, "persons") == "21.1 million persons"
    assert value_text(618_238e6, "CAD") == "C$618.2 bn"


def test_goal_pages_write_canadian_numbers_as_people_read_them(
    shared: Path, tmp_path: Path
) -> None:
    """The goal pages' (and board cards') formatter and chart axes on the real StatCan values:
    C$ in billions and persons in millions, in each language with Babel's locale rules — not
    "618,238,000,000 CAD" or "21,139,700 persons"."""
    from types import SimpleNamespace

    from norte.indicators import compute
    from norte.publish.i18n import Translator
    from norte.publish.pages.goals import _fmt, axis_scale

    with Store(tmp_path / "n.duckdb") as s:
        ingest(s, [shared / LFS, shared / FDI])
        compute(s, only=["ca-employment", "ca-fdi-inward"])
        (jobs,) = s.con.execute(
            "SELECT value FROM indicator_values_latest WHERE indicator_id = 'ca-employment' "
            "AND period = '2026-06-01'"
        ).fetchone() or (None,)
        (fdi,) = s.con.execute(
            "SELECT value FROM indicator_values_latest WHERE indicator_id = 'ca-fdi-inward.usa' "
            "AND period = '2023-01-01'"
        ).fetchone() or (None,)
    want = {
        "en": ("C$618.2 bn", "21.1 million persons", "C$ billions", "Millions of persons"),
        "es": (
            "618,2 mil millones de C$",
            "21,1 millones de personas",
            "Miles de millones de C$",
            "Millones de personas",
        ),
        "fr": (
            "618,2 G$ CA",
            "21,1 millions de personnes",
            "Milliards de $ CA",
            "Millions de personnes",
        ),
    }
    for lang, (cad, persons, cad_axis, persons_axis) in want.items():
        tr = Translator(lang)
        ctx: Any = SimpleNamespace(tr=tr, t=tr.t, lang=lang)
        assert _fmt(ctx, fdi, "CAD") == cad
        assert _fmt(ctx, jobs, "persons") == persons
        assert _fmt(ctx, -fdi, "CAD") == "-" + cad
        assert axis_scale(ctx, "CAD") == (1e9, cad_axis)
        assert axis_scale(ctx, "persons") == (1e6, persons_axis)
    # the U.S. side keeps the site's US$ style, in millions below a billion
    en: Any = SimpleNamespace(tr=Translator("en"), t=Translator("en").t, lang="en")
    assert _fmt(en, 839_555_104_875, "USD") == "$839.6 bn"
    assert _fmt(en, 28_200_000, "USD") == "$28.2 mn"
    assert _fmt(en, 12_611_000, "jobs") == "12.6 million jobs"


def test_goals_name_the_new_indicators() -> None:
    from norte.goals.catalog import load_shared

    goals = {g.number: g for g in load_shared()}
    assert "ca-employment" in {i.id for i in goals[1].indicators}
    assert {"ca-fdi-inward.usa", "ca-fdi-inward.mex"} <= {i.id for i in goals[4].indicators}
    assert "us-jobs-manufacturing" in {i.id for i in goals[1].indicators}  # the others stay
