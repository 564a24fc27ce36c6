"""The Census connector of :data:`norte.fetch.live.CONNECTORS` (wraps :mod:`norte.fetch.census`).

``[fetch.census]`` in norte.toml: ``flows`` (default both), ``level`` (e.g. "HS2"; default by
country only), ``from`` (first month, default 13 months before the run) and ``to`` (default the
month before the run). The vintage of what it saves is the retrieval date (UTC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from norte.errors import ConfigError
from norte.fetch.census import DEFAULT_BASE, fetch_trade
from norte.fetch.http import Client
from norte.fetch.live import Config, Log, Saved, needs, register
from norte.sources import census_api


def _months_back(today: dt.date, n: int) -> str:
    m = today.year * 12 + today.month - 1 - n
    return f"{m // 12}-{m % 12 + 1:02d}"


class CensusConnector:
    name = "census"
    source = "census"  # the store source its files load as (the calendar's key)
    needs = needs(
        "census",
        DEFAULT_BASE,
        "NORTE_CENSUS_KEY",
        "Census API key (optional for small requests)",
        url_env="NORTE_CENSUS_API_URL",
    )

    def __init__(self, today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date()):
        self._today = today

    def fetch(self, client: Client, config: Config, out_dir: Path, log: Log) -> list[Saved]:
        flows = config.get("flows", ["exports", "imports"])
        if not isinstance(flows, list) or not set(flows) <= {"exports", "imports"}:
            raise ConfigError(
                f"[fetch.census] flows = {flows!r}: expected a list of 'exports', 'imports'"
            )
        today = self._today()
        start = str(config.get("from", _months_back(today, 13)))
        end = str(config.get("to", _months_back(today, 1)))
        level = config.get("level")
        out: list[Saved] = []
        for flow in flows:
            f = fetch_trade(
                client, str(flow), start, end, out_dir, str(level) if level else None, log=log
            )
            if f.path is not None:
                out.append(Saved(f.path, census_api, f.retrieved, f.from_cache, f.url))
            else:
                log(f"census: {f.message}")
        return out


CENSUS = register(CensusConnector())
