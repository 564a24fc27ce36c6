"""The newest vintage without the window when no cell holds two loads (:mod:`norte.store.latest`):
the site's chart selections and the indicators' input slice give the same rows either way, and
``observations_latest``'s rows, on real files (the Census workbook and API overlap; a TransBorder
month does not)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from norte.indicators import inputs, load_catalog
from norte.ingest import ingest
from norte.publish import queries
from norte.store import Store
from norte.store.latest import multi_load_cells

CENSUS = "source = 'census' AND dataset = 'trade_by_country' AND measure = 'value'"
TRANSBORDER = "source = 'transborder' AND dataset = 'transborder_dot1' AND measure = 'value'"
COLUMNS = ("source", "dataset", "vintage", "period", "freq", "flow", "partner", "mode", "value")


@pytest.fixture(scope="module")
def store(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    db = tmp_path_factory.mktemp("latest") / "latest.duckdb"
    files = [
        "census/country.xlsx",
        "census/api/exports-country-2013-2024.json.gz",
        "transborder/raw/year_2023/December2023.zip",
    ]
    with Store(db) as st:
        ingest(st, [shared / f for f in files], out=io.StringIO())
        yield st


def _rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    return sorted(store.con.execute(sql).fetchall(), key=repr)


def _cells(store: Store, where: str) -> bool:
    return multi_load_cells(
        store.con, f"SELECT source, dataset, period, load_id FROM observations WHERE {where}"
    )


def test_the_workbook_and_the_api_overlap_a_transborder_month_does_not(store: Store) -> None:
    assert _cells(store, CENSUS) and not _cells(store, TRANSBORDER)


@pytest.mark.parametrize("where", [CENSUS, TRANSBORDER])
def test_a_selection_holds_what_observations_latest_holds(store: Store, where: str) -> None:
    name = queries.select_latest(store.con, "_t_latest", where, COLUMNS)
    cols = ", ".join(COLUMNS)
    got = _rows(store, f"SELECT {cols} FROM {name}")
    want = _rows(store, f"SELECT {cols} FROM observations_latest WHERE {where}")
    assert got == want and len(got) > 1000


def test_the_window_left_out_gives_the_slice_the_window_gives(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The indicators' input slice of the TransBorder definitions (no cell with two loads),
    with the window left out and (forced) with it: the same rows."""
    defs = [d for d in load_catalog() if d.id.startswith("transborder")]
    assert defs
    fast = inputs.prepare_input(store, defs, None)
    without = _rows(store, f"SELECT * FROM {inputs.INPUT_TABLE}")
    monkeypatch.setattr(inputs, "multi_load_cells", lambda *_a, **_k: True)
    assert inputs.prepare_input(store, defs, None) == fast > 0
    assert _rows(store, f"SELECT * FROM {inputs.INPUT_TABLE}") == without
