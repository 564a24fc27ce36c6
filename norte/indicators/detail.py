"""Product detail of an indicator: which level it reads (HS chapter, HS heading, NAICS
industry, ATP group), whether any row of it is loaded, and — when none is — the command that
loads it (``norte fetch census --product hs --level HS4 ...``). The indicator's JSON
(``norte indicators show --json``) and the goal pages show it instead of an empty chart."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import duckdb

from norte.indicators.catalog import Definition, Indicator
from norte.indicators.inputs import series_where

#: product_scheme -> (level as people read it, ``norte fetch census`` options)
_HS = {
    "HS2": ("HS2 (chapter)", "--product hs --level HS2"),
    "HS4": ("HS4 (heading)", "--product hs --level HS4"),
    "HS6": ("HS6 (subheading)", "--product hs --level HS6"),
    "HS10": ("HS10 (statistical reporting number)", "--product hs --level HS10"),
    "ATP": ("ATP group (Census advanced technology products)", "--product hitech"),
    "ENDUSE": ("End-Use category", "--product enduse"),
}


@dataclass(frozen=True)
class Detail:
    level: str
    product_scheme: str
    codes: tuple[str, ...]
    rows: int
    #: the command that loads the detail
    command: str
    #: what to do when none is loaded (None when some is)
    hint: str | None

    @property
    def loaded(self) -> bool:
        return self.rows > 0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "codes": list(self.codes), "loaded": self.loaded}


def level(defn: Definition) -> tuple[str, str, str] | None:
    """(product scheme, level, fetch options) of a product-detail definition, else None."""
    series = defn.resolved_series()
    schemes = series.get("product_scheme", ())
    if len(schemes) != 1:
        return None
    s = schemes[0].upper()
    if s == "NAICS":
        digits = sorted({len(c) for c in series.get("product_code", ())}) or [3]
        n = digits[0]
        return s, f"NAICS {n}-digit industry", f"--product naics --level NA{n}"
    if s in _HS:
        return (s, *_HS[s])
    return None


def detail(
    con: duckdb.DuckDBPyConnection, defn: Definition, partner: str | None = None
) -> Detail | None:
    """The product detail in the store of the definition (of one partner's instance with
    ``partner``); None: not a product-detail indicator."""
    if partner is not None and defn.partners:
        defn = replace(defn, partners=(partner,))
    lv = level(defn)
    if lv is None:
        return None
    scheme, label, options = lv
    cond, params = series_where([defn])
    rows = con.execute(
        f"SELECT count(*) FROM observations WHERE {cond}",  # noqa: S608
        params,
    ).fetchall()
    n = int(rows[0][0]) if rows else 0
    series = defn.resolved_series()
    who = ""
    if len(series.get("partner", ())) == 1 and series["partner"][0] in _SCHEDULE_C:
        who = f" --partner {_SCHEDULE_C[series['partner'][0]]}"
    command = f"norte fetch census {options}{who} --from YYYY-MM --to YYYY-MM"
    hint = None if n else f"no product detail loaded: run `{command}`"
    return Detail(label, scheme, tuple(series.get("product_code", ())), n, command, hint)


#: Census Schedule C codes of the partners the catalog names alone
_SCHEDULE_C = {"MEX": "2010", "CAN": "1220"}


def store_notes(con: duckdb.DuckDBPyConnection, ind: Indicator) -> dict[str, Any]:
    """What the store says about one indicator beyond its definition: ``classification`` (its
    plan across an edition change, ``norte.indicators.bridging``; None when it spans none) and
    ``product_detail`` (``detail``; None when it is not a product-detail indicator). One
    function for ``norte indicators show --json`` and ``/api/v1/indicators/ID``."""
    from norte.indicators import bridging

    (bridged,) = bridging.attach(con, [ind.definition])
    got = detail(con, ind.definition, ind.partner)
    return {
        "classification": bridged.bridge.as_dict() if bridged.bridge is not None else None,
        "product_detail": got.as_dict() if got is not None else None,
    }
