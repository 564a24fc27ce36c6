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

#: A ``[fetch.NAME]`` table of norte.toml (the command line builds the same table).
Config = Mapping[str, object]
#: Where a connector reports progress (one line a call).
Log = Callable[[str], None]


@dataclass(frozen=True)
class Need:
    """One setting a connector reads (listed by ``norte settings``): ``kind`` is ``url`` (an
    environment variable, default the public host), ``secret`` (environment or secrets file,
    never norte.toml, never shown) or ``toml`` (a ``norte.toml`` table or key)."""

    key: str
    kind: str
    default: str
    help: str


def needs(
    name: str, base: str, secret: str = "", secret_help: str = "", url_env: str = ""
) -> tuple[Need, ...]:
    """A connector's usual settings: its base URL ``NORTE_<NAME>_URL`` (or ``url_env``), its
    key or token ``secret`` (when it has one) and its ``[fetch.NAME]`` table."""
    out = [Need(url_env or f"NORTE_{name.upper()}_URL", "url", base, f"{name} API base URL")]
    if secret:
        out.append(Need(secret, "secret", "", secret_help))
    out.append(Need(f"fetch.{name}", "toml", "", f"what norte refresh fetches from {name}"))
    return tuple(out)


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
    needs: tuple[Need, ...]  # every setting it reads (``norte settings`` lists them)

    def fetch(self, client: Client, config: Config, out_dir: Path, log: Log) -> list[Saved]:
        """Fetch what ``config`` (the ``[fetch.NAME]`` table of norte.toml) names; save each
        body under ``out_dir``; return the files to load (empty when nothing is new)."""
        ...


CONNECTORS: dict[str, Connector] = {}


def register(connector: Connector) -> Connector:
    CONNECTORS[connector.name] = connector
    return connector
