"""Server-side sessions: the cookie holds a random secret, the file holds its sha256 (a copy of
the accounts file gives no live session), the user and the session's CSRF token.

Sign-in always makes a new session (and deletes the one the browser presented: no session
fixation); sign-out deletes it; "sign out everywhere", a password change and disabling a user
delete all of theirs. A session ends :data:`LIFETIME` after sign-in whatever the activity
(absolute expiry) and :data:`IDLE` after its last request (idle expiry; the last request is
written at most once a minute, so a busy browser does not write on every request).
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
#: ... and this long after its last request.
IDLE = 8 * 3600
_SEEN_EVERY = 60  # seconds between two writes of a session's last request


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
            "INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at, last_seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [digest(secret), user.id, csrf, now, now + LIFETIME, now],
        )
    return Session(secret, user, csrf, now + LIFETIME)


def lookup(con: sqlite3.Connection, secret: str, now: float | None = None) -> Session | None:
    """The live session of cookie value ``secret`` (None: unknown, expired — absolutely or
    idle —, user disabled); records the request as the session's last (at most once a
    minute)."""
    now = time.time() if now is None else now
    key = digest(secret)
    row = con.execute(
        "SELECT user_id, csrf, expires_at, coalesce(last_seen_at, created_at) FROM sessions "
        "WHERE id_hash = ?",
        [key],
    ).fetchone()
    if row is None:
        return None
    if float(row[2]) <= now or float(row[3]) + IDLE <= now:
        con.execute("DELETE FROM sessions WHERE id_hash = ?", [key])
        return None
    user = get_user(con, int(row[0]))
    if user is None or user.disabled:
        return None
    if float(row[3]) + _SEEN_EVERY <= now:
        con.execute("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", [now, key])
    return Session("", user, str(row[1]), float(row[2]))


def end(con: sqlite3.Connection, secret: str) -> None:
    con.execute("DELETE FROM sessions WHERE id_hash = ?", [digest(secret)])


def end_all(con: sqlite3.Connection, user_id: int) -> int:
    """End every session of user ``user_id`` (sign out everywhere); how many there were."""
    return con.execute("DELETE FROM sessions WHERE user_id = ?", [user_id]).rowcount
