"""Census Schedule C country codes -> norte partner codes.

The table ``norte/data/census_schedule_c.csv`` maps every code found in Census files to an ISO
3166-1 alpha-3 code or a documented grouping code (``WORLD``, ``EU``, ``USMCA``, ``CONT_ASIA``...).
A code can mean different things in different products: in the ``country.xlsx`` workbook
``0021``/``0022`` are "USMCA with Mexico/Canada (imports for consumption)", while in the
international trade API they are "Twenty Latin American republics" and "OECD". The ``context``
column (``xlsx``, ``api`` or ``any``) says where a mapping applies.

Unknown codes are never dropped silently: by default the load fails naming the code; with
``--unknown-codes keep`` the raw code is stored as ``CENSUS:<code>`` and a warning is printed.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from pathlib import Path

from norte.errors import UnknownCodeError


@cache
def schedule_c() -> dict[tuple[str, str], str]:
    table: dict[tuple[str, str], str] = {}
    path = resources.files("norte") / "data" / "census_schedule_c.csv"
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            table[(row["census_code"], row["context"])] = row["partner"]
    return table


class PartnerMapper:
    """Maps Census codes for one file, remembering unknown codes kept as raw."""

    def __init__(self, path: Path, context: str, unknown: str = "error") -> None:
        self.path = path
        self.context = context
        self.unknown = unknown
        self.kept: dict[str, str] = {}  # code -> first place seen
        self._table = schedule_c()
        self._cache: dict[str, str] = {}

    def __call__(self, code: str, place: str) -> str:
        hit = self._cache.get(code)
        if hit is not None:
            return hit
        partner = self._table.get((code, self.context)) or self._table.get((code, "any"))
        if partner is None:
            if self.unknown != "keep":
                raise UnknownCodeError(
                    self.path,
                    place,
                    "Census Schedule C country",
                    code,
                    hint="add it to norte/data/census_schedule_c.csv, or rerun with "
                    "--unknown-codes keep to store it as CENSUS:<code>",
                )
            partner = f"CENSUS:{code}"
            self.kept.setdefault(code, place)
        self._cache[code] = partner
        return partner

    def warnings(self) -> list[str]:
        return [
            f"unknown Census country code {c!r} (first at {p}) kept as CENSUS:{c}"
            for c, p in self.kept.items()
        ]
