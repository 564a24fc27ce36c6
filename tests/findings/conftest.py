"""One store for the findings tests, built in two real releases: the Census workbook alone
(vintage 2024-08-06), then the revised API files (vintage 2025-02-06) on top."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from norte.findings import Finding, detect, write
from norte.indicators import compute
from norte.ingest import ingest
from norte.store import Store


@dataclass
class Built:
    store: Store
    path: Path
    first: list[Finding]  # findings with the workbook only
    latest: list[Finding]  # findings after the API files were loaded


@pytest.fixture(scope="session")
def built(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    path = tmp_path_factory.mktemp("findings") / "norte.duckdb"
    store = Store(path)
    census = shared / "census"
    ingest(store, [census / "country.xlsx"])
    compute(store)
    first = detect(store).findings
    ingest(
        store,
        [
            census / "api" / "exports-country-2013-2024.json.gz",
            census / "api" / "imports-country-2013-2024.json.gz",
        ],
    )
    compute(store)
    latest = detect(store).findings
    write(store, latest)
    yield Built(store, path, first, latest)
    store.close()


@dataclass
class Subset:
    """A store loaded with a subset of every shared source: the Census files (both vintages),
    the BTS border-crossing file, the INEGI RAIAVL zip and the 2023 TransBorder zips."""

    store: Store
    findings: list[Finding]


@pytest.fixture(scope="session")
def subset(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Subset]:
    path = tmp_path_factory.mktemp("findings-subset") / "norte.duckdb"
    store = Store(path)
    census = shared / "census"
    ingest(store, [census / "country.xlsx"])
    ingest(
        store,
        [
            census / "api" / "exports-country-2013-2024.json.gz",
            census / "api" / "imports-country-2013-2024.json.gz",
        ],
    )
    ingest(store, [shared / "bts" / "border_crossing_entry_data.csv.gz"])
    ingest(store, [shared / "inegi" / "conjunto_de_datos_raiavl_mensual_exportacion_csv.zip"])
    ingest(store, sorted((shared / "transborder" / "raw" / "year_2023").glob("*.zip")))
    compute(store)
    yield Subset(store, detect(store).findings)
    store.close()
