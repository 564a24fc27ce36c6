"""A store holding the real Census files (built once per session) and one Spark session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from norte.ingest import ingest
from norte.store import Store


@pytest.fixture(scope="session")
def census_db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file with census country.xlsx and the three API responses (read in place)."""
    path = tmp_path_factory.mktemp("ind") / "census.duckdb"
    with Store(path) as s:
        ingest(s, [shared / "census" / "country.xlsx", shared / "census" / "api"])
    return path


@pytest.fixture
def census_store(census_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the Census store (tests may write indicator values into it)."""
    path = tmp_path / "norte.duckdb"
    shutil.copy(census_db, path)
    s = Store(path)
    yield s
    s.close()


@pytest.fixture(scope="session")
def spark() -> Any:
    pytest.importorskip("pyspark")
    from norte.indicators.spark import session

    return session()
