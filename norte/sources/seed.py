"""The bundled seed dataset: figures transcribed from the seed documents, with citations.

``norte build`` loads it when the store holds no official data, so a newcomer sees a site at
once. Every row names its document in ``dataset`` (documented in the ``codes`` table, scheme
``dataset``) and its cited original source in ``detail`` (``cited=...``); approximate figures
("about $1.4 trillion") have ``status = 'approximate'``. Each row carries the document's
publication date as its vintage.
"""

from __future__ import annotations

import csv
import datetime as dt
from importlib import resources
from pathlib import Path

import duckdb

from norte.errors import InputError
from norte.sources.common import stage_columns
from norte.store.db import StageContext, StageInfo

SOURCE = "seed"
FORMAT = "seed-figures"
DESCRIPTION = "Figures transcribed from the seed documents (bundled with norte)"
COLUMNS = (
    "dataset", "flow", "reporter", "partner", "product_scheme", "product_code", "measure",
    "unit", "period", "freq", "value", "status", "vintage", "detail",
)  # fmt: skip


def bundled_path() -> Path:
    return Path(str(resources.files("norte") / "data" / "seed_figures.csv"))


def detect(path: Path) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    with open(path, encoding="utf-8") as f:
        return f.readline().strip() == ",".join(COLUMNS)


def stage(con: duckdb.DuckDBPyConnection, path: Path, ctx: StageContext) -> StageInfo:
    cols: dict[str, list[object]] = {c: [] for c in COLUMNS}
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        for line, row in enumerate(reader, start=2):
            for c in COLUMNS:
                v: object = row.get(c) or None
                try:
                    if c in ("period", "vintage") and v is not None:
                        v = dt.date.fromisoformat(str(v))
                    elif c == "value" and v is not None:
                        v = float(str(v))
                except ValueError:
                    raise InputError(path, f"line {line}, column {c}", f"bad value {v!r}") from None
                cols[c].append(v)
    stage_columns(con, {"source": SOURCE, **cols})
    return StageInfo(
        format=FORMAT,
        vintage=dt.date(2025, 10, 1),
        vintage_from="each row: publication date of its document",
        notes=[f"{len(cols['value'])} transcribed figures"],
    )
