"""Reporter is a dimension: an indicator never adds two reporters' figures together.

The Census files are U.S.-reported (reporter USA); INEGI's light-vehicle exports are
Mexico-reported (reporter MEX). A definition whose series filter does not pick a reporter is
fine while one reporter matches it, and fails, naming the reporters and the fix, once a second
reporter's rows match it too.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest

from norte.indicators import compute
from norte.indicators.catalog import parse_definition
from norte.indicators.inputs import MixedReportersError
from norte.ingest import ingest
from norte.store import Store

TEXT = {"en": "t", "es": "t", "fr": "t"}


def _defn(series: dict[str, Any]) -> Any:
    return parse_definition(
        {
            "id": "all-exports",
            "title": TEXT,
            "description": TEXT,
            "goal": 3,
            "unit": "mixed",
            "direction": "neutral",
            "series": {
                "source": ["census", "inegi"],
                "dataset": ["trade_by_country", "raiavl_exports"],
                "flow": "export",
                "freq": "M",
                **series,
            },
            "transforms": [{"op": "sum", "over": ["partner", "product_code", "detail"]}],
        },
        "my-catalog.toml",
        0,
    )


def test_a_definition_without_reporter_fails_once_two_reporters_are_loaded(
    census_db: Path, shared: Path, tmp_path: Path
) -> None:
    path = tmp_path / "norte.duckdb"
    shutil.copy(census_db, path)
    with Store(path) as store:
        # one reporter (USA) loaded: the definition computes
        report = compute(store, catalog=[_defn({})])
        assert [r.status for r in report.runs] == ["computed"]
        ingest(
            store,
            [shared / "inegi" / "conjunto_de_datos_raiavl_mensual_exportacion_csv.zip"],
            out=io.StringIO(),
        )
        before = store.con.execute("SELECT count(*) FROM indicator_values").fetchone()
        with pytest.raises(MixedReportersError) as e:
            compute(store, catalog=[_defn({})])
        msg = str(e.value)
        assert "my-catalog.toml" in msg and "'all-exports'" in msg
        assert "2 reporters (MEX, USA)" in msg and "series.reporter" in msg
        # nothing written by the refused run
        assert store.con.execute("SELECT count(*) FROM indicator_values").fetchone() == before
        # naming the reporter makes it one series again, each reporter's own
        for reporter in ("USA", "MEX"):
            report = compute(store, catalog=[_defn({"reporter": reporter})], force=True)
            assert [r.status for r in report.runs] == ["computed"]
        # two reporters named explicitly still add up: refused as well
        with pytest.raises(MixedReportersError):
            compute(store, catalog=[_defn({"reporter": ["USA", "MEX"]})], force=True)


def test_every_shipped_definition_names_one_reporter() -> None:
    from norte.indicators import load_catalog

    for d in load_catalog():
        reporters = d.resolved_series().get("reporter")
        assert reporters is not None and len(reporters) == 1, d.id
