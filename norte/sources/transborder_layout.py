"""TransBorder's columns, table layouts, code schemes and code lists (the layout the
reader of :mod:`norte.sources.transborder` checks each file against)."""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from importlib import resources

SOURCE = "transborder"

CODE_COLUMNS: tuple[str, ...] = ("TRDTYPE", "USASTATE", "DEPE", "COMMODITY2", "DISAGMOT")
CODE_COLUMNS += ("MEXSTATE", "CANPROV", "COUNTRY", "DF", "CONTCODE")
MEASURES = (
    ("VALUE", "value", "USD"),
    ("SHIPWT", "shipping_weight", "kg"),
    ("FREIGHT_CHARGES", "freight_charges", "USD"),
)
TYPES: dict[str, str] = {c: "VARCHAR" for c in CODE_COLUMNS}
TYPES.update({m: "DOUBLE" for m, _, _ in MEASURES})
TYPES.update({"MONTH": "INTEGER", "YEAR": "INTEGER"})

#: The column sets of the three tables (monthly); annual files lack MONTH.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "dot1": (
        "TRDTYPE",
        "USASTATE",
        "DEPE",
        "DISAGMOT",
        "MEXSTATE",
        "CANPROV",
        "COUNTRY",
        "VALUE",
        "SHIPWT",
        "FREIGHT_CHARGES",
        "DF",
        "CONTCODE",
        "MONTH",
        "YEAR",
    ),
    "dot2": (
        "TRDTYPE",
        "USASTATE",
        "COMMODITY2",
        "DISAGMOT",
        "MEXSTATE",
        "CANPROV",
        "COUNTRY",
        "VALUE",
        "SHIPWT",
        "FREIGHT_CHARGES",
        "DF",
        "CONTCODE",
        "MONTH",
        "YEAR",
    ),
    "dot3": (
        "TRDTYPE",
        "DEPE",
        "COMMODITY2",
        "DISAGMOT",
        "COUNTRY",
        "VALUE",
        "SHIPWT",
        "FREIGHT_CHARGES",
        "DF",
        "CONTCODE",
        "MONTH",
        "YEAR",
    ),
}
#: Columns that must not be empty.
REQUIRED: tuple[str, ...] = ("TRDTYPE", "USASTATE", "DEPE", "COMMODITY2", "DISAGMOT", "COUNTRY")
REQUIRED += ("VALUE", "MONTH", "YEAR")

#: code column -> (code scheme shipped in norte/data/codes, what the code list is called)
SCHEMES: dict[str, tuple[str, str]] = {
    "TRDTYPE": ("transborder_trdtype", "trade type"),
    "DISAGMOT": ("transborder_disagmot", "mode of transportation"),
    "COUNTRY": ("transborder_country", "country"),
    "USASTATE": ("transborder_usastate", "U.S. state"),
    "MEXSTATE": ("transborder_mexstate", "Mexican state"),
    "CANPROV": ("transborder_canprov", "Canadian province"),
    "DEPE": ("transborder_port", "port/district"),
    "COMMODITY2": ("HS2", "HS2 commodity"),
    "DF": ("transborder_df", "domestic/foreign"),
    "CONTCODE": ("transborder_contcode", "container"),
}

#: Code lists whose codes are stored unchanged.
IDENTITY_SCHEMES = ("transborder_port", "HS2")

_DATA_NAME = re.compile(r"^dot[123]_.*\.csv$", re.IGNORECASE)
_YTD = re.compile(r"ytd", re.IGNORECASE)


@lru_cache(maxsize=1)
def code_maps() -> dict[str, dict[str, str]]:
    """BTS code -> the code norte stores, per column, from the shipped code lists."""
    by_scheme: dict[str, dict[str, str]] = {}
    root = resources.files("norte") / "data" / "codes"
    for f in sorted(
        (p for p in root.iterdir() if p.name.startswith("transborder_")), key=lambda p: p.name
    ):
        for r in csv.DictReader(io.StringIO(f.read_text(encoding="utf-8"))):
            # BTS code lists (transborder_*): parent = the code norte stores. Ports and HS2
            # are stored as BTS gives them (a port's parent is its district).
            keep = r["scheme"] in IDENTITY_SCHEMES or not r["parent"]
            by_scheme.setdefault(r["scheme"], {})[r["code"]] = r["code"] if keep else r["parent"]
    return {col: by_scheme[scheme] for col, (scheme, _) in SCHEMES.items()}
