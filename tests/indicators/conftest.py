"""Stores built once per test session and one Spark session.

- ``census_db``: the real Census files (tests that write take a private copy: ``census_store``);
- ``sources_db``: the Census store plus a subset of every other source the catalog reads — the
  TransBorder zips of 2023 and of January-March 2022, the BTS crossings file, the INEGI RAIAVL zip and the SPI
  México LONG workbook — for the DuckDB-vs-Spark parity test and the hand checks;
- compiled SQL is cached in a session folder (``NORTE_CACHE_DIR``), never in the user's home.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from norte.indicators import compute
from norte.ingest import ingest
from norte.store import Store

#: What ``sources_db`` loads beside the Census files (read in place).
SUBSET = (
    "bts",
    "inegi/conjunto_de_datos_raiavl_mensual_exportacion_csv.zip",
    "spi/mexico-states/00_IPS_COMPLETE_LONG.xlsx",
    # the macro catalog: GDP of the three countries, U.S. jobs (derived copies: manifests)
    "fred",
    "statcan/gdp-36100104-real-gdp-canada-quarterly-derived.csv",
    "inegi/pib/pibt_cte_valor.xlsx",
    # Mexico's own trade with the U.S. and Canada (SE annual pages; goals_extra.toml)
    "se/bc_e",
    # and its monthly pages for the U.S. (the monthly mirror gaps, mirror.toml)
    "se/bcm_e/G8_ESTADOS UNIDOS DE AMERICA.html",
    # Canada's jobs (LFS, "as displayed") and FDI positions (classify.toml)
    "statcan/1410028701-eng.csv",
    "statcan/3610000801_databaseLoadingData.csv",
)
#: Definitions over Census product detail no shared file holds (ATP/hitech, NAICS and HS4
#: endpoints, fetched live: classify.toml): no input in these stores.
DETAIL_ONLY = frozenset(
    {
        "us-atp-balance-annual",
        "us-imports-naics-334-335-annual",
        "us-imports-naics-334-335-supplier-share",
        "us-imports-autos-parts-hs4-annual",
        "us-imports-autos-naics-annual",
    }
)
#: Mirror gaps whose two sides share no period in the shared data (INEGI's partner file is a
#: January 2026 extract, Census ends in 2024): empty on both engines.
NO_OVERLAP = frozenset({"mirror-gap-us-imports-mex-inegi"})
PROVENANCE = Path(__file__).resolve().parents[2] / "provenance"
#: TransBorder zips: all of 2023 and January-March 2022 (year-over-year for 2023 Q1)
TRANSBORDER = (
    "year_2023",
    "year_2022/January2022.zip",
    "year_2022/February2022.zip",
    "year_2022/March2022.zip",
)


@pytest.fixture(scope="session", autouse=True)
def _sql_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    old = os.environ.get("NORTE_CACHE_DIR")
    os.environ["NORTE_CACHE_DIR"] = str(tmp_path_factory.mktemp("norte-cache"))
    yield
    if old is None:
        os.environ.pop("NORTE_CACHE_DIR", None)
    else:
        os.environ["NORTE_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def census_db(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file with census country.xlsx and the three API responses (read in place)."""
    path = tmp_path_factory.mktemp("ind") / "census.duckdb"
    with Store(path) as s:
        ingest(
            s, [shared / "census" / "country.xlsx", shared / "census" / "api"], out=io.StringIO()
        )
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
def sources_db(census_db: Path, shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Census store plus the subset of the other sources (:data:`SUBSET`)."""
    path = tmp_path_factory.mktemp("ind") / "sources.duckdb"
    shutil.copy(census_db, path)
    zips = [shared / "transborder" / "raw" / x for x in TRANSBORDER]
    with Store(path) as s:
        ingest(
            s,
            [*zips, *(shared / x for x in SUBSET)],
            options={"provenance_dirs": [str(PROVENANCE)]},
            out=io.StringIO(),
        )
    return path


@pytest.fixture(scope="session")
def sources_store(sources_db: Path) -> Iterator[Store]:
    """``sources_db`` with the whole catalog computed into ``indicator_values`` (read-only use)."""
    s = Store(sources_db)
    compute(s)
    yield s
    s.close()


@pytest.fixture(scope="session")
def spark() -> Any:
    pytest.importorskip("pyspark")
    from norte.indicators.spark import session

    return session()
