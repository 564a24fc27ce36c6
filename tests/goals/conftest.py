"""A store with the real Census files and the indicators goals tests use, computed at two
input vintages (the mid-2024 workbook, first release; the 2025 API files, revised)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from norte.indicators import compute, load_catalog
from norte.sources import census_api, census_xlsx
from norte.store import Store

USED = ("us-total-trade-annual", "us-total-trade", "us-balance-annual")
#: before the API files' vintage, after the workbook's: what was known in September 2024
AS_OF_2024 = dt.date(2024, 9, 1)


@pytest.fixture(scope="session")
def real_db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("goals") / "real.duckdb"
    with Store(path) as s:
        s.load_file(shared / "census/country.xlsx", census_xlsx)
        s.load_file(shared / "census/api/exports-country-2013-2024.json.gz", census_api)
        s.load_file(shared / "census/api/imports-country-2013-2024.json.gz", census_api)
        defs = [d for d in load_catalog() if d.id in USED]
        compute(s, catalog=defs, as_of=AS_OF_2024)
        compute(s, catalog=defs)
    return path


@pytest.fixture
def real(real_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the real store (tests may write to it)."""
    p = tmp_path / "real.duckdb"
    shutil.copy(real_db, p)
    s = Store(p)
    yield s
    s.close()
