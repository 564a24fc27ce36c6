"""The accounts file: a SQLite database of its own, never the DuckDB store.

The store allows one writing process at a time and is rebuilt by ``norte build``; accounts
(organisations, users, sessions, tokens, stakeholder goals edited in the browser, watch lists)
are written by the web app on every sign-in, so they live apart, in SQLite (WAL journal:
readers never block the writer).

Where: ``--accounts PATH`` / ``NORTE_ACCOUNTS`` / ``[accounts] path``; default beside the
store (``norte.duckdb`` → ``norte.accounts.sqlite``).

Schema versions are SQLite's ``PRAGMA user_version``: a new file gets :data:`STEPS` in order,
an older file is upgraded by the missing steps in one transaction, a newer file is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from norte.errors import StoreDamagedError, StoreError, SystemFailure

#: Step n (index n-1) upgrades a file of version n-1 to version n. Frozen once released.
STEPS: tuple[str, ...] = (
    """
CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled_at TEXT
);
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('api', 'feed')),
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL,
    revoked_at REAL,
    last_used_at REAL
);
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);
CREATE TABLE goals (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    goal_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    spec TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    updated_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT
);
CREATE TABLE watches (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('series', 'indicator', 'light', 'partner')),
    target TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, kind, target)
);
""",
    # 2: sessions end after IDLE seconds without a request (norte.accounts.sessions)
    """
ALTER TABLE sessions ADD COLUMN last_seen_at REAL;
UPDATE sessions SET last_seen_at = created_at;
""",
)
SCHEMA_VERSION = len(STEPS)


def default_path(store: Path) -> Path:
    """The accounts file beside the store: ``norte.duckdb`` → ``norte.accounts.sqlite``."""
    return store.with_name(store.stem + ".accounts.sqlite")


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating or upgrading) the accounts file; errors name the file and the fix."""
    try:
        con = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    except sqlite3.OperationalError as e:
        raise SystemFailure(f"cannot open the accounts file {path}: {e}") from e
    try:
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA busy_timeout = 10000")
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the accounts file {path} is of schema version {version}, newer than this "
                f"norte's {SCHEMA_VERSION} — upgrade norte"
            )
        if version < SCHEMA_VERSION:
            _upgrade(con, version)
        con.execute("PRAGMA journal_mode = WAL")
    except sqlite3.DatabaseError as e:
        con.close()
        if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
            raise StoreError(f"the accounts file {path} is busy: {e} — try again") from e
        raise StoreDamagedError(
            f"{path} is not a norte accounts file (SQLite said: {e}) — move it away or point "
            "--accounts / NORTE_ACCOUNTS at the right file"
        ) from e
    except BaseException:
        con.close()
        raise
    return con


def _upgrade(con: sqlite3.Connection, version: int) -> None:
    con.execute("BEGIN IMMEDIATE")
    try:
        # re-read inside the write lock: another process may have upgraded meanwhile
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        for step in STEPS[version:]:
            for statement in step.split(";"):
                if statement.strip():
                    con.execute(statement)
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: all of it or nothing."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
