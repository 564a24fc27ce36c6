"""Import every live connector so that :data:`norte.fetch.live.CONNECTORS` holds them all
(``norte fetch`` and ``norte refresh`` import this module)."""

from __future__ import annotations

from norte.fetch import census_live, comtrade, fred, inegi_api, socrata, statcan_wds, worldbank

#: The connectors' modules (importing them registered each in ``CONNECTORS``).
MODULES = (census_live, comtrade, fred, inegi_api, socrata, statcan_wds, worldbank)
