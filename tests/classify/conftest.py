"""A store with every classification file of the shared data loaded (read in place)."""

from __future__ import annotations

from pathlib import Path

import pytest

from norte.ingest import ingest
from norte.store import Store

FILES = (
    "census/concordance/exp-code-2019.txt",
    "census/concordance/expconcord17.xls",
    "classifications/2022_to_2017_NAICS.xlsx",
    "classifications/BEA-Industry-and-Commodity-Codes-and-NAICS-Concordance.xlsx",
    "classifications/HS2022toHS2017ConversionAndCorrelationTables.xlsx",
    "classifications/scian_2023_categorias_y_productos.xlsx",
)


@pytest.fixture(scope="package")
def crosswalk_db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("classify") / "norte.duckdb"
    with Store(db) as store:
        summary = ingest(store, [shared / f for f in FILES])
    assert summary.loaded == len(FILES)
    return db
