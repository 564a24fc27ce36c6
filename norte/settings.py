"""Settings, each declared once: name, environment variable, ``norte.toml`` key, default, help.

Precedence: command-line flag > environment (``NORTE_...``) > ``norte.toml`` > default.
Secrets (API keys) are read only from the environment or a secrets file, never from
``norte.toml``, and never printed.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from norte.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    toml: str  # "section.key"
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "NORTE_DB", "store.path", "norte.duckdb", "path of the DuckDB store file"),
    Setting(
        "lock_timeout",
        "NORTE_LOCK_TIMEOUT",
        "store.lock_timeout",
        30,
        "seconds a command waits while another process holds the store (--wait SECONDS);"
        " 0 = fail at once",
    ),
    Setting(
        "threads",
        "NORTE_THREADS",
        "store.threads",
        0,
        "DuckDB threads a command uses on the store; 0 (default) = one per CPU core. Fewer"
        " leave cores to 'norte serve' while an ingest runs beside it",
    ),
    Setting(
        "accounts",
        "NORTE_ACCOUNTS",
        "accounts.path",
        "",
        "the web app's accounts file (SQLite: users, sessions, tokens, goals edited in the"
        " browser, watch lists); empty: beside the store, NAME.accounts.sqlite",
    ),
    Setting("out", "NORTE_OUT", "build.out", "site", "folder the static site is written to"),
    Setting(
        "base_url",
        "NORTE_BASE_URL",
        "build.base_url",
        "",
        "absolute URL the site is published at (e.g. https://example.org/norte/): the pages'"
        " canonical links and the Atom feeds' links use it; empty: relative links only",
    ),
    Setting(
        "findings_review",
        "NORTE_FINDINGS_REVIEW",
        "build.findings_review",
        False,
        "true: the site and its Atom feed show only findings an editor published ('norte"
        " findings review publish ID'); false (default): every stored finding",
    ),
    Setting(
        "ingest_paths",
        "NORTE_INGEST_PATHS",
        "ingest.paths",
        [],
        "files or folders 'norte build' ingests first (os.pathsep-separated in the environment);"
        " missing paths are reported and skipped",
    ),
    Setting(
        "unknown_codes",
        "NORTE_UNKNOWN_CODES",
        "ingest.unknown_codes",
        "error",
        "what to do with a source code norte does not know: 'error' (stop, store unchanged) or"
        " 'keep' (store the raw code, e.g. CENSUS:9999, and warn)",
    ),
    Setting(
        "provenance_dirs",
        "NORTE_PROVENANCE_DIRS",
        "provenance.dirs",
        [],
        "folders holding provenance manifests (X.csv.norte.toml) for files that carry none,"
        " looked up by file name (os.pathsep-separated in the environment)",
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}


def load_toml(path: Path | None) -> tuple[dict[str, Any], Path | None]:
    """Read ``norte.toml`` (the given path, or ``./norte.toml`` when present)."""
    if path is None:
        path = Path("norte.toml")
        if not path.exists():
            return {}, None
    try:
        with open(path, "rb") as f:
            return tomllib.load(f), path
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML ({e}) — fix the file") from e


def flag_on(value: Any) -> bool:
    """A boolean setting from a flag, the environment ("1", "true", "yes") or TOML."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def resolve(name: str, flag: Any, config: dict[str, Any], config_path: Path | None) -> Any:
    """The value of setting ``name`` following the precedence rules."""
    s = BY_NAME[name]
    if flag is not None:
        return flag
    env = os.environ.get(s.env)
    if env:
        if isinstance(s.default, list):
            return [p for p in env.split(os.pathsep) if p]
        return env
    section, _, key = s.toml.partition(".")
    value = config.get(section, {}).get(key)
    if value is not None:
        if isinstance(s.default, list) and not isinstance(value, list):
            raise ConfigError(f"{config_path}: [{section}] {key} must be a list")
        # relative paths in norte.toml are relative to the file
        if config_path is not None and name in ("db", "out", "accounts"):
            return str(config_path.parent / str(value))
        if config_path is not None and name in ("ingest_paths", "provenance_dirs"):
            return [str(config_path.parent / str(v)) for v in value]
        return value
    return s.default


def cache_root() -> Path:
    """Where norte keeps what it can compute again, between processes (compiled indicator
    SQL, rank evaluations, compiled page templates): ``$NORTE_CACHE_DIR``, default
    ``$XDG_CACHE_HOME/norte`` or ``~/.cache/norte``."""
    base = os.environ.get("NORTE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "norte",
    )
    return Path(base)
