"""The shared goals on the real files their indicators read (Census, FRED, Statistics Canada,
INEGI, SPI, BTS): every goal has at least two lights lit, at least 12 in all, and goal 2
includes real GDP growth of the three countries (issue 13, "what it must show")."""

from __future__ import annotations

import io
from pathlib import Path

from norte.goals import lights, load_shared
from norte.indicators import compute, load_catalog
from norte.ingest import ingest
from norte.store import Store

REPO = Path(__file__).resolve().parents[2]
LIT = ("on_track", "at_risk", "off_track")


def test_every_goal_lights_on_real_files(shared: Path, tmp_path: Path) -> None:
    goals = load_shared()
    used = {r.id for g in goals for r in g.indicators}
    used |= {
        r.assess.benchmark for g in goals for r in g.indicators if r.assess and r.assess.benchmark
    }
    with Store(tmp_path / "goals.duckdb") as s:
        ingest(
            s,
            [
                shared / "census" / "country.xlsx",
                shared / "census" / "api" / "exports-country-2013-2024.json.gz",
                shared / "census" / "api" / "imports-country-2013-2024.json.gz",
                shared / "fred",
                shared / "statcan" / "gdp-36100104-real-gdp-canada-quarterly-derived.csv",
                shared / "inegi" / "pib" / "pibt_cte_valor.xlsx",
                shared / "inegi" / "conjunto_de_datos_raiavl_mensual_exportacion_csv.zip",
                shared / "spi" / "mexico-states",
                shared / "bts",
            ],
            options={"provenance_dirs": [str(REPO / "provenance")]},
            out=io.StringIO(),
        )
        defs = [
            d for d in load_catalog() if any(u == d.id or u.startswith(d.id + ".") for u in used)
        ]
        compute(s, catalog=defs)
        got = lights(s.con, goals)
    lit = [x for x in got if x.status.status in LIT]
    for g in goals:
        assert sum(1 for x in lit if x.goal_id == g.id) >= 2, g.id
    assert len(lit) >= 12
    gdp = {x.indicator_id for x in lit if x.goal_id == "goal-2" and x.status.method == "threshold"}
    assert gdp == {"real-gdp-yoy-usa", "real-gdp-yoy-mex", "real-gdp-yoy-can"}
    for x in lit:  # every light has its from X to Y
        assert x.status.latest_value is not None and x.status.baseline_value is not None, x.id
