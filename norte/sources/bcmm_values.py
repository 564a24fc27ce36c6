"""The observation values and statuses of INEGI's BCMM files, shared by both BCMM readers
(:mod:`norte.sources.inegi_bcmm`, :mod:`norte.sources.inegi_bcmm_paises`).

``ESTATUS`` (``Cifras Definitivas.`` / ``Revisadas.`` / ``Ajustadas.`` / ``Preliminares.``) is
the status ``definitive`` / ``revised`` / ``adjusted`` / ``preliminary``; where
``ESTATUS_CIFRA`` is ``Confidencial`` the value is empty (withheld): stored NULL with status
``confidential``.
"""

from __future__ import annotations

from pathlib import Path

from norte.errors import InputError, UnknownCodeError
from norte.sources.common import fold

CODES = "inegi_bcmm.csv"
STATUS = {
    "definitiv": "definitive",
    "revisad": "revised",
    "ajustad": "adjusted",
    "preliminar": "preliminary",
}


def status_code(path: Path, place: str, raw: str) -> str:
    n = fold(raw)
    code = next((c for k, c in STATUS.items() if k in n), None)
    if code is None:
        raise UnknownCodeError(
            path,
            place,
            "INEGI ESTATUS",
            raw,
            hint="expected Cifras Preliminares, Revisadas, Ajustadas or Definitivas; a new "
            f"status needs a row (scheme status) in norte/data/codes/{CODES}",
        )
    return code


def value_and_status(
    path: Path, at: str, g: dict[str, str], scale: float, expected: str
) -> tuple[float | None, str | None]:
    """A BCMM row's ``VAL_USD`` in US$ (× ``scale``) and its status (``ESTATUS``): a
    confidential figure (``ESTATUS_CIFRA`` = Confidencial, no value) is NULL with status
    ``confidential``; anything else that is not a number is an InputError naming the place."""
    status = status_code(path, f"{at}, column ESTATUS", g["ESTATUS"])
    if fold(g["ESTATUS_CIFRA"]) == "confidencial" and g["VAL_USD"] == "":
        return None, "confidential"
    try:
        return float(g["VAL_USD"]) * scale, status
    except ValueError:
        raise InputError(
            path,
            f"{at}, column VAL_USD",
            f"{g['VAL_USD']!r} is not a number",
            expected=expected,
        ) from None
