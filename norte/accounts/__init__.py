"""Accounts: organisations, users and roles, sessions, API and feed tokens, login throttling,
stakeholder goals edited in the browser and watch lists — in a SQLite file of their own
(:mod:`norte.accounts.db`), never the DuckDB store.

>>> from norte.accounts import Accounts, published_goals
>>> acc = Accounts(Path("norte.accounts.sqlite"))          # doctest: +SKIP
>>> published_goals(acc.path)                              # for the board  # doctest: +SKIP
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from norte.accounts.db import SCHEMA_VERSION, connect, default_path
from norte.accounts.goals import published_goals


class Accounts:
    """The accounts file, with one SQLite connection per thread (the web app answers
    requests on a thread pool)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.con  # noqa: B018 - create or upgrade the file now, so a bad file fails at start

    @property
    def con(self) -> sqlite3.Connection:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = connect(self.path)
            self._local.con = con
            with self._lock:
                self._all.append(con)
        return con

    def close(self) -> None:
        with self._lock:
            for con in self._all:
                con.close()
            self._all.clear()
        self._local = threading.local()


def resolve_path(setting: str | None, store: Path) -> Path:
    """The accounts file: the setting (``--accounts`` / ``NORTE_ACCOUNTS``) or beside the store."""
    return Path(setting) if setting else default_path(store)


__all__ = [
    "SCHEMA_VERSION",
    "Accounts",
    "connect",
    "default_path",
    "published_goals",
    "resolve_path",
]
