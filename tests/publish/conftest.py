"""A store with the real shared files of every source that has landed, and the site built
from it once per test session (maps use the test geometry in ../shared/data/geo)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from norte import sources
from norte.ingest import ingest
from norte.publish.site import write_site
from norte.store import Store

#: shared files per source format; a format not (yet) registered is skipped
FILES = {
    "census-api": [
        "census/api/exports-country-2013-2024.json.gz",
        "census/api/imports-country-2013-2024.json.gz",
    ],
    "census-xlsx": ["census/country.xlsx"],
    "spi-mexico": ["spi/mexico-states/00_IPS_COMPLETE_LONG.xlsx"],
    "bts-crossings": ["bts/border_crossing_entry_data.csv.gz"],
    "transborder": ["transborder/raw/year_2023"],
}


@dataclass
class BuiltSite:
    db: Path
    out: Path
    pages: int
    geo: Path


@pytest.fixture(scope="session")
def official_site(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    root = tmp_path_factory.mktemp("site")
    db = root / "norte.duckdb"
    paths = [shared / f for fmt, files in FILES.items() if fmt in sources.REGISTRY for f in files]
    with Store(db) as store:
        ingest(store, paths, out=io.StringIO())
        pages = write_site(store, root / "site", "official", geo_dir=shared / "geo")
    return BuiltSite(db, root / "site", pages, shared / "geo")
