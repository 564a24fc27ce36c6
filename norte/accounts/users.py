"""Organisations and their users: one role per user in its organisation (viewer < editor <
admin), passwords hashed with Argon2 (pwdlib; the hash starts ``$argon2id$``)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from norte.accounts.db import transaction
from norte.accounts.roles import Role
from norte.errors import UsageError

ROLES = {"viewer": Role.VIEWER, "editor": Role.EDITOR, "admin": Role.ADMIN}
MIN_PASSWORD = 12
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane) rather than
#: argon2-cffi's 64 MiB x 4 lanes: forty concurrent sign-ins then need ~0.8 GB, not 2.6 GB.
#: The parameters are stored in each hash, so changing them later keeps old hashes valid.
_hasher = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19 * 1024, parallelism=1),))


@functools.cache
def _dummy() -> str:
    """Verified against when the e-mail is unknown, so an unknown account takes as long to
    refuse as a wrong password (no account enumeration by timing); hashed on first use, not
    at import (every ``norte`` command imports this module to build its parsers)."""
    return _hasher.hash("norte-no-such-account")


class WrongPassword(UsageError):
    """The current password given to change it is not the user's."""


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: str
    org_id: int
    org: str  # slug
    org_name: str
    disabled: bool

    @property
    def level(self) -> Role:
        return ROLES[self.role]


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return _hasher.verify(password, hashed)


def check_password(password: str) -> None:
    """Refuse a password too short to resist guessing."""
    if len(password) < MIN_PASSWORD:
        raise UsageError(
            f"the password is {len(password)} characters long; use at least {MIN_PASSWORD} "
            "(a passphrase of four or more words is easiest to remember)"
        )


def ensure_org(con: sqlite3.Connection, slug: str, name: str | None = None) -> int:
    """The id of organisation ``slug``, created (named ``name`` or ``slug``) if new."""
    if not _SLUG.match(slug):
        raise UsageError(
            f"organisation {slug!r}: expected a short name of lowercase letters, digits and "
            "dashes (e.g. 'acme-trade'), used in URLs"
        )
    row = con.execute("SELECT id FROM orgs WHERE slug = ?", [slug]).fetchone()
    if row:
        return int(row[0])
    cur = con.execute(
        "INSERT INTO orgs (slug, name, created_at) VALUES (?, ?, ?)", [slug, name or slug, _now()]
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def add_user(
    con: sqlite3.Connection, email: str, password: str, org: str, role: str, org_name: str | None
) -> User:
    """A new user of organisation ``org`` (created if new) with ``role``."""
    if not _EMAIL.match(email):
        raise UsageError(f"{email!r} is not an e-mail address — write name@example.org")
    if role not in ROLES:
        raise UsageError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    check_password(password)
    hashed = hash_password(password)
    with transaction(con):
        if con.execute("SELECT 1 FROM users WHERE email = ?", [email]).fetchone():
            raise UsageError(
                f"a user {email!r} exists already — 'norte users list' shows it; "
                "'norte users disable' stops it"
            )
        org_id = ensure_org(con, org, org_name)
        con.execute(
            "INSERT INTO users (email, org_id, role, password_hash, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [email, org_id, role, hashed, _now()],
        )
    user = find_user(con, email)
    assert user is not None
    return user


_SELECT = (
    "SELECT u.id, u.email, u.role, u.org_id, o.slug, o.name, u.disabled_at IS NOT NULL "
    "FROM users u JOIN orgs o ON o.id = u.org_id "
)


def _user(row: Any) -> User:
    uid, email, role, org_id, slug, name, disabled = row
    return User(int(uid), str(email), str(role), int(org_id), str(slug), str(name), bool(disabled))


def find_user(con: sqlite3.Connection, email: str) -> User | None:
    row = con.execute(_SELECT + "WHERE u.email = ?", [email]).fetchone()
    return _user(row) if row else None


def get_user(con: sqlite3.Connection, user_id: int) -> User | None:
    row = con.execute(_SELECT + "WHERE u.id = ?", [user_id]).fetchone()
    return _user(row) if row else None


def list_users(con: sqlite3.Connection) -> list[User]:
    return [_user(r) for r in con.execute(_SELECT + "ORDER BY o.slug, u.email").fetchall()]


def org_users(con: sqlite3.Connection, org: str) -> list[User]:
    """The users of organisation ``org`` (slug), by e-mail."""
    return [_user(r) for r in con.execute(_SELECT + "WHERE o.slug = ? ORDER BY u.email", [org])]


def _keeps_an_admin(con: sqlite3.Connection, user: User, doing: str) -> None:
    """Refuse to demote or disable the last active admin of an organisation: nobody could
    manage its users in the browser any more."""
    if user.role != "admin" or user.disabled:
        return
    (others,) = con.execute(
        "SELECT count(*) FROM users WHERE org_id = ? AND role = 'admin' "
        "AND disabled_at IS NULL AND id <> ?",
        [user.org_id, user.id],
    ).fetchone()
    if not others:
        raise UsageError(
            f"{user.email} is the last admin of {user.org}; {doing} would leave it without "
            "one — make another user admin first ('norte users role EMAIL admin')"
        )


def set_role(con: sqlite3.Connection, email: str, role: str) -> User:
    """Give ``email`` the role ``role`` in its organisation (its sessions keep going: the
    role is read at every request)."""
    if role not in ROLES:
        raise UsageError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    user = find_user(con, email)
    if user is None:
        raise UsageError(f"no user {email!r} — 'norte users list' shows the users")
    with transaction(con):
        if role != "admin":
            _keeps_an_admin(con, user, f"making it {role}")
        con.execute("UPDATE users SET role = ? WHERE id = ?", [role, user.id])
    return get_user(con, user.id) or user


def change_password(con: sqlite3.Connection, user_id: int, current: str, new: str) -> User:
    """Replace the password of user ``user_id`` after checking the current one; every
    session of the user ends (the caller makes a new one for the browser that asked)."""
    row = con.execute("SELECT email, password_hash FROM users WHERE id = ?", [user_id]).fetchone()
    if row is None or not verify_password(current, str(row[1])):
        raise WrongPassword("the current password is wrong — nothing was changed")
    check_password(new)
    hashed = hash_password(new)
    with transaction(con):
        con.execute("UPDATE users SET password_hash = ? WHERE id = ?", [hashed, user_id])
        con.execute("DELETE FROM sessions WHERE user_id = ?", [user_id])
    user = get_user(con, user_id)
    assert user is not None
    return user


def disable_user(con: sqlite3.Connection, email: str) -> User:
    """Disable ``email``: it can no longer sign in, its sessions end and its tokens stop. The
    last active admin of an organisation is not disabled."""
    user = find_user(con, email)
    if user is None:
        raise UsageError(f"no user {email!r} — 'norte users list' shows the users")
    with transaction(con):
        _keeps_an_admin(con, user, "disabling it")
        con.execute(
            "UPDATE users SET disabled_at = coalesce(disabled_at, ?) WHERE id = ?",
            [_now(), user.id],
        )
        con.execute("DELETE FROM sessions WHERE user_id = ?", [user.id])
    return get_user(con, user.id) or user


def authenticate(con: sqlite3.Connection, email: str, password: str) -> User | None:
    """The user whose e-mail and password these are, or None (same work either way)."""
    row = con.execute("SELECT password_hash FROM users WHERE email = ?", [email]).fetchone()
    ok = verify_password(password, str(row[0]) if row else _dummy())
    if not row or not ok:
        return None
    user = find_user(con, email)
    return user if user is not None and not user.disabled else None
