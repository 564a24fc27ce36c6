"""The live connectors, one registry: what ``norte fetch NAME`` and ``norte refresh`` call.

A connector fetches from one agency's API through :class:`norte.fetch.http.Client` (retries,
``Retry-After``, the resumable cache, secrets kept out of logs), saves each response as a file
that ``norte ingest`` can read again (a reproducible artefact) and says how to load it.
``norte refresh`` reads the connector's configuration from ``norte.toml`` (``[fetch.NAME]``:
series, tables, ...) and calls :meth:`Connector.fetch`; it never knows an agency's details.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Protocol

from norte.fetch.http import Client


@dataclass(frozen=True)
class Saved:
    """One saved response: load ``path`` with source module ``source`` at ``vintage``."""

    path: Path
    source: ModuleType
    vintage: dt.date | None  # None: the source module infers it from the file
    from_cache: bool
    url: str  # redacted (no key, no token)


class Connector(Protocol):
    name: str  # "census", "fred", "statcan", "inegi", "worldbank", "comtrade", "socrata"

    def fetch(
        self,
        client: Client,
        config: Mapping[str, object],
        out_dir: Path,
        log: Callable[[str], None],
    ) -> list[Saved]:
        """Fetch what ``config`` (the ``[fetch.NAME]`` table of norte.toml) names; save each
        body under ``out_dir``; return the files to load (empty when nothing is new)."""
        ...


CONNECTORS: dict[str, Connector] = {}


def register(connector: Connector) -> Connector:
    CONNECTORS[connector.name] = connector
    return connector
