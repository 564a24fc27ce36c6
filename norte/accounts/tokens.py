"""API and feed tokens: a high-entropy secret shown once, stored as its sha256, scoped,
expiring, revocable.

- API tokens (``nrt_…``): sent as ``Authorization: Bearer nrt_…``; scopes ``read`` (GET what
  the user's role may see), ``goals`` (change the organisation's goals and the user's
  watch list) and ``admin`` (an admin's changes to the organisation's users and tokens); they
  expire (default 90 days, at most 365).
- Feed tokens (``nrf_…``): one per user, in the URL of the personal Atom feed
  (``/feeds/watches.atom?token=…``, a query value norte's log scrubbing masks); making a new
  one revokes the old.

sha256, not Argon2, is right here: the secret is 256 random bits, not a guessable password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from norte.accounts.db import transaction
from norte.accounts.users import User, find_user, get_user
from norte.errors import UsageError

SCOPES = ("read", "goals", "admin")
DEFAULT_DAYS = 90
MAX_DAYS = 365
API_PREFIX = "nrt_"
FEED_PREFIX = "nrf_"


@dataclass(frozen=True)
class TokenInfo:
    id: int
    user_email: str
    kind: str
    name: str
    scopes: tuple[str, ...]
    created_at: float
    expires_at: float | None
    revoked_at: float | None
    last_used_at: float | None

    def state(self, now: float | None = None) -> str:
        now = time.time() if now is None else now
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def as_dict(self, now: float | None = None) -> dict[str, Any]:
        def iso(t: float | None) -> str | None:
            return None if t is None else dt.datetime.fromtimestamp(t, dt.UTC).isoformat()

        return {
            "id": self.id,
            "user": self.user_email,
            "kind": self.kind,
            "name": self.name,
            "scopes": list(self.scopes),
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "revoked_at": iso(self.revoked_at),
            "last_used_at": iso(self.last_used_at),
            "state": self.state(now),
        }


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(text: str) -> tuple[str, ...]:
    scopes = tuple(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise UsageError(
            f"scopes {text!r}: expected a comma-separated list of {', '.join(SCOPES)} "
            "(e.g. --scopes read,goals)"
        )
    return scopes


def create_api(
    con: sqlite3.Connection,
    email: str,
    name: str,
    scopes: tuple[str, ...],
    days: int = DEFAULT_DAYS,
    now: float | None = None,
) -> tuple[str, TokenInfo]:
    """A new API token of user ``email``: (the secret, shown once; its record)."""
    user = find_user(con, email)
    if user is None:
        raise UsageError(f"no user {email!r} — 'norte users list' shows the users")
    if user.disabled:
        raise UsageError(f"user {email!r} is disabled — a disabled user gets no token")
    if "admin" in scopes and user.role != "admin":
        raise UsageError(
            f"scope 'admin': {email} is {user.role}, not admin — only an admin's token may "
            "manage users and tokens"
        )
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"--days {days}: expected 1 to {MAX_DAYS} (tokens always expire)")
    now = time.time() if now is None else now
    secret = API_PREFIX + secrets.token_urlsafe(32)
    cur = con.execute(
        "INSERT INTO tokens (user_id, kind, name, secret_hash, scopes, created_at, expires_at) "
        "VALUES (?, 'api', ?, ?, ?, ?, ?)",
        [user.id, name, digest(secret), ",".join(scopes), now, now + days * 86400],
    )
    assert cur.lastrowid is not None
    return secret, _info(con, cur.lastrowid)


def new_feed_token(con: sqlite3.Connection, user: User, now: float | None = None) -> str:
    """A new feed token for ``user`` (the old one, if any, is revoked)."""
    now = time.time() if now is None else now
    secret = FEED_PREFIX + secrets.token_urlsafe(32)
    with transaction(con):
        con.execute(
            "UPDATE tokens SET revoked_at = ? "
            "WHERE user_id = ? AND kind = 'feed' AND revoked_at IS NULL",
            [now, user.id],
        )
        con.execute(
            "INSERT INTO tokens (user_id, kind, name, secret_hash, scopes, created_at) "
            "VALUES (?, 'feed', 'Atom feed', ?, 'feed', ?)",
            [user.id, digest(secret), now],
        )
    return secret


def revoke_feed(con: sqlite3.Connection, user: User, now: float | None = None) -> None:
    con.execute(
        "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND kind = 'feed' "
        "AND revoked_at IS NULL",
        [time.time() if now is None else now, user.id],
    )


def verify(
    con: sqlite3.Connection, secret: str, kind: str, now: float | None = None
) -> tuple[User, tuple[str, ...]] | None:
    """The user and scopes of a live token ``secret`` of ``kind`` (None: unknown, revoked,
    expired, or its user disabled)."""
    now = time.time() if now is None else now
    row = con.execute(
        "SELECT id, user_id, scopes, expires_at, revoked_at FROM tokens "
        "WHERE secret_hash = ? AND kind = ?",
        [digest(secret), kind],
    ).fetchone()
    if row is None or row[4] is not None or (row[3] is not None and float(row[3]) <= now):
        return None
    user = get_user(con, int(row[1]))
    if user is None or user.disabled:
        return None
    # at most one write a minute per token: a busy API client does not queue writers
    con.execute(
        "UPDATE tokens SET last_used_at = ? WHERE id = ? "
        "AND (last_used_at IS NULL OR last_used_at < ?)",
        [now, row[0], now - 60],
    )
    return user, tuple(s for s in str(row[2]).split(",") if s)


def revoke(con: sqlite3.Connection, token_id: int, now: float | None = None) -> TokenInfo:
    if con.execute("SELECT 1 FROM tokens WHERE id = ?", [token_id]).fetchone() is None:
        raise UsageError(f"no token {token_id} — 'norte tokens list' shows the tokens")
    con.execute(
        "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
        [time.time() if now is None else now, token_id],
    )
    return _info(con, token_id)


_SELECT = (
    "SELECT t.id, u.email, t.kind, t.name, t.scopes, t.created_at, t.expires_at, t.revoked_at, "
    "t.last_used_at FROM tokens t JOIN users u ON u.id = t.user_id "
)


def _row(r: Any) -> TokenInfo:
    return TokenInfo(
        int(r[0]), str(r[1]), str(r[2]), str(r[3]), tuple(str(r[4]).split(",")), *r[5:]
    )


def _info(con: sqlite3.Connection, token_id: int) -> TokenInfo:
    return _row(con.execute(_SELECT + "WHERE t.id = ?", [token_id]).fetchone())


def list_tokens(con: sqlite3.Connection, email: str | None = None) -> list[TokenInfo]:
    if email is None:
        rows = con.execute(_SELECT + "ORDER BY t.id").fetchall()
    else:
        rows = con.execute(_SELECT + "WHERE u.email = ? ORDER BY t.id", [email]).fetchall()
    return [_row(r) for r in rows]


def org_tokens(con: sqlite3.Connection, org: str) -> list[TokenInfo]:
    """The API tokens of the users of organisation ``org`` (feed tokens are each user's own)."""
    rows = con.execute(
        _SELECT + "JOIN orgs o ON o.id = u.org_id WHERE o.slug = ? AND t.kind = 'api' "
        "ORDER BY t.id",
        [org],
    ).fetchall()
    return [_row(r) for r in rows]


def token_org(con: sqlite3.Connection, token_id: int) -> str | None:
    """The organisation (slug) of token ``token_id``'s user, None for no such token."""
    row = con.execute(
        "SELECT o.slug FROM tokens t JOIN users u ON u.id = t.user_id "
        "JOIN orgs o ON o.id = u.org_id WHERE t.id = ?",
        [token_id],
    ).fetchone()
    return None if row is None else str(row[0])
