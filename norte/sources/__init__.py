"""Source connectors: one module per official format, all with the same verbs.

A source module exposes ``SOURCE`` (the ``observations.source`` value), ``FORMAT`` (unique,
used by ``norte ingest --format``), ``DESCRIPTION``, ``detect(path) -> bool`` (cheap: looks at
the name and the first bytes) and ``stage(con, path, ctx) -> StageInfo`` (writes the file's
rows into the staging table inside the store's transaction); optionally ``stage_many(con,
paths, ctxs) -> BatchStage`` to load many files of the source with a few multi-file statements
(see :class:`norte.store.db.BatchStage`). Adding a source is one module,
one line in :data:`REGISTRY`, its tests and one row of the docs' source table.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from types import ModuleType

from norte.classify import bea as classify_bea
from norte.classify import hs as classify_hs
from norte.classify import naics as classify_naics
from norte.classify import scheduleb as classify_scheduleb
from norte.classify import scian as classify_scian
from norte.errors import FormatError
from norte.sources import (
    bts_crossings,
    census_api,
    census_api_csv,
    census_api_product,
    census_ft900,
    census_xlsx,
    comtrade_api,
    fred_api,
    fred_csv,
    inegi_api,
    inegi_bcmm,
    inegi_bcmm_paises,
    inegi_pib,
    inegi_pib_csv,
    inegi_raiavl,
    se_sic_balance,
    se_sic_products,
    seed,
    socrata_bts,
    spi_mexico,
    statcan_derived,
    statcan_displayed,
    statcan_table,
    statcan_wds,
    transborder,
    worldbank_api,
)

REGISTRY: dict[str, ModuleType] = {
    census_xlsx.FORMAT: census_xlsx,
    # before census-api: it reads the NAICS/hitech/end-use bodies census-api would misread
    census_api_product.FORMAT: census_api_product,
    census_api.FORMAT: census_api,
    census_api_csv.FORMAT: census_api_csv,
    seed.FORMAT: seed,
    bts_crossings.FORMAT: bts_crossings,
    inegi_raiavl.FORMAT: inegi_raiavl,
    inegi_bcmm.FORMAT: inegi_bcmm,
    inegi_bcmm_paises.FORMAT: inegi_bcmm_paises,
    inegi_pib.FORMAT: inegi_pib,
    inegi_pib_csv.FORMAT: inegi_pib_csv,
    spi_mexico.FORMAT: spi_mexico,
    transborder.FORMAT: transborder,
    se_sic_balance.FORMAT: se_sic_balance,
    se_sic_products.FORMAT: se_sic_products,
    statcan_table.FORMAT: statcan_table,
    statcan_derived.FORMAT: statcan_derived,
    statcan_displayed.FORMAT: statcan_displayed,
    fred_csv.FORMAT: fred_csv,
    fred_api.FORMAT: fred_api,
    census_ft900.FORMAT: census_ft900,
    worldbank_api.FORMAT: worldbank_api,
    statcan_wds.FORMAT: statcan_wds,
    inegi_api.FORMAT: inegi_api,
    # Classification files (crosswalk tables, not observations): norte/classify.
    classify_scheduleb.FORMAT: classify_scheduleb,
    classify_naics.FORMAT: classify_naics,
    classify_hs.FORMAT: classify_hs,
    classify_bea.FORMAT: classify_bea,
    classify_scian.FORMAT: classify_scian,
    socrata_bts.FORMAT: socrata_bts,
    comtrade_api.FORMAT: comtrade_api,
}


def get(fmt: str) -> ModuleType:
    try:
        return REGISTRY[fmt]
    except KeyError:
        raise FormatError(
            f"unknown format {fmt!r} — known formats: {', '.join(sorted(REGISTRY))}"
        ) from None


def detects(module: ModuleType, path: Path) -> bool:
    """Whether ``module`` recognises ``path``. A ``detect`` that cannot read the file (binary
    bytes under a ``.csv`` name, a damaged archive) counts as "not this format"."""
    try:
        return bool(module.detect(path))
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error):
        return False  # UnicodeDecodeError is a ValueError


def detect(path: Path) -> ModuleType | None:
    """The source that recognises ``path``, or None."""
    for module in REGISTRY.values():
        if detects(module, path):
            return module
    return None


def expand(paths: list[Path]) -> list[tuple[Path, bool]]:
    """Files under ``paths`` (folders walked recursively, sorted), each with whether it was
    named explicitly (undetectable explicit files are errors; inside folders they are skipped)."""
    out: list[tuple[Path, bool]] = []
    for p in paths:
        if p.is_dir():
            out.extend((f, False) for f in sorted(p.rglob("*")) if f.is_file())
        else:
            out.append((p, True))
    return out
