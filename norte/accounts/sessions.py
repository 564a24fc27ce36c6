"""Server-side sessions: the cookie holds a random secret, the file holds its sha256 (a copy of
the accounts file gives no live session), the user and the session's CSRF token.

Sign-in always makes a new session (and deletes the one the browser presented: no session
fixation); sign-out deletes it; disabling a user deletes all of theirs.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass

from norte.accounts.db import transaction
from norte.accounts.users import User, get_user

#: A session ends this long after sign-in, whatever the activity.
LIFETIME = 7 * 24 * 3600


@dataclass(frozen=True)
class Session:
    secret: str  # the cookie value (only known at creation)
    user: User
    csrf: str
    expires_at: float


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(
    con: sqlite3.Connection, user: User, replaces: str | None = None, now: float | None = None
) -> Session:
    """A new session for ``user``; the session whose cookie was ``replaces`` is deleted."""
    now = time.time() if now is None else now
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    with transaction(con):
        if replaces:
            con.execute("DELETE FROM sessions WHERE id_hash = ?", [digest(replaces)])
        con.execute("DELETE FROM sessions WHERE expires_at <= ?", [now])
        con.execute(
            "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [digest(secret), user.id, csrf, now, now + LIFETIME],
        )
    return Session(secret, user, csrf, now + LIFETIME)


def lookup(con: sqlite3.Connection, secret: str, now: float | None = None) -> Session | None:
    """The live session of cookie value ``secret`` (None: unknown, expired, user disabled)."""
    now = time.time() if now is None else now
    row = con.execute(
        "SELECT user_id, csrf, expires_at FROM sessions WHERE id_hash = ?", [digest(secret)]
    ).fetchone()
    if row is None or float(row[2]) <= now:
        return None
    user = get_user(con, int(row[0]))
    if user is None or user.disabled:
        return None
    return Session("", user, str(row[1]), float(row[2]))


def end(con: sqlite3.Connection, secret: str) -> None:
    con.execute("DELETE FROM sessions WHERE id_hash = ?", [digest(secret)])
