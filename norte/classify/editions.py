"""Which edition of a classification a product observation is in, from its scheme and period.

HS: the World Customs Organization's editions, in force from 1 January of their year (HS 2002,
2007, 2012, 2017, 2022); U.S. Schedule B and HTS follow them. NAICS in Census trade data: the
concordances in the shared data show NAICS 2012 codes in the 2017 edition (``211111``) and
NAICS 2017 codes in the 2019 edition (``211120``); the switch years used here (NAICS 2017 from
2018, NAICS 2022 from 2023) follow Census's adoption of each NAICS edition the year after it
and are an assumption to check against Census's release notes where it matters. The view
``product_observations`` computes the same column in SQL (:data:`SQL`).
"""

from __future__ import annotations

import datetime as dt

#: (family scheme of ``observations.product_scheme``, [(first year, edition), ...] newest first)
HS = (
    (2022, "hs2022"),
    (2017, "hs2017"),
    (2012, "hs2012"),
    (2007, "hs2007"),
    (2002, "hs2002"),
    (1996, "hs1996"),
    (1988, "hs1988"),
)
NAICS = (
    (2023, "naics2022"),
    (2018, "naics2017"),
    (2013, "naics2012"),
    (2008, "naics2007"),
    (2003, "naics2002"),
    (1997, "naics1997"),
)


def edition(product_scheme: str | None, period: dt.date) -> str | None:
    """The classification edition of a row (``hs2017``, ``naics2022``, ``atp``, ...)."""
    if product_scheme is None:
        return None
    s = product_scheme.upper()
    table = HS if s.startswith("HS") and s[2:].isdigit() else NAICS if s == "NAICS" else None
    if table is None:
        return product_scheme.lower()
    for year, name in table:
        if period.year >= year:
            return name
    return table[-1][1]


def _case(table: tuple[tuple[int, str], ...]) -> str:
    whens = " ".join(f"WHEN period >= DATE '{y}-01-01' THEN '{n}'" for y, n in table)
    return f"CASE {whens} ELSE '{table[-1][1]}' END"


#: The ``classification`` column of ``product_observations``.
SQL = (
    "CASE WHEN regexp_matches(product_scheme, '^HS[0-9]+$') THEN "
    + _case(HS)
    + " WHEN product_scheme = 'NAICS' THEN "
    + _case(NAICS)
    + " ELSE lower(product_scheme) END"
)
