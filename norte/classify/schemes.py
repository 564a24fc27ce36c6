"""The classification schemes norte knows, each a code list of one edition (version)."""

from __future__ import annotations

from dataclasses import dataclass

from norte.errors import UsageError


@dataclass(frozen=True)
class Scheme:
    """One code list of one edition: ``family`` (NAICS, HS, ...) and ``version``."""

    name: str
    family: str
    version: str
    title: str


SCHEMES: dict[str, Scheme] = {
    s.name: s
    for s in (
        Scheme("scheduleb2019", "Schedule B", "2019", "Census Schedule B 2019 (HS10 export codes)"),
        Scheme("scheduleb2017", "Schedule B", "2017", "Census Schedule B 2017 (HS10 export codes)"),
        Scheme("hs2022", "HS", "2022", "Harmonized System 2022 (HS6)"),
        Scheme("hs2017", "HS", "2017", "Harmonized System 2017 (HS6)"),
        Scheme("naics2022", "NAICS", "2022", "NAICS U.S. 2022"),
        Scheme("naics2017", "NAICS", "2017", "NAICS U.S. 2017"),
        Scheme("naics2012", "NAICS", "2012", "NAICS U.S. 2012 (used by the 2017 concordance)"),
        Scheme("scian2023", "SCIAN", "2023", "SCIAN México 2023 (INEGI)"),
        Scheme("bea", "BEA", "2017", "BEA industry codes (detail level, 2017 benchmark)"),
        Scheme("atp", "ATP", "", "Census Advanced Technology Products groups (hitech)"),
        Scheme("enduse", "End-Use", "", "Census End-Use classification"),
        Scheme("sitc", "SITC", "Rev. 4", "Standard International Trade Classification"),
    )
}


def scheme(name: str) -> Scheme:
    """The scheme called ``name``; a usage error listing the known ones otherwise."""
    try:
        return SCHEMES[name.lower()]
    except KeyError:
        raise UsageError(
            f"unknown classification scheme {name!r} — known schemes: {', '.join(SCHEMES)}"
        ) from None
