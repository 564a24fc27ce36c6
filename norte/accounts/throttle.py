"""Login throttling: failed sign-ins are counted per account and per client address over a
sliding window; past the limit, sign-in is refused (HTTP 429 with ``Retry-After``) without
checking the password, until the oldest counted failure leaves the window.

The counts live in the accounts file, so they hold across server workers and restarts. A
successful sign-in clears the account's count (not the address's).
"""

from __future__ import annotations

import math
import sqlite3
import time
from dataclasses import dataclass

WINDOW = 15 * 60  # seconds
PER_ACCOUNT = 5
PER_ADDRESS = 20


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # seconds
    message: str
    per: str = "account"  # what was counted: "account" or "address"
    limit: int = PER_ACCOUNT  # failures allowed in the window
    minutes: int = 1  # retry_after in whole minutes, rounded up


def _keys(email: str, address: str) -> tuple[tuple[str, int, str], ...]:
    return (
        ("account:" + email.strip().lower(), PER_ACCOUNT, "account"),
        ("address:" + address, PER_ADDRESS, "address"),
    )


def check(
    con: sqlite3.Connection, email: str, address: str, now: float | None = None
) -> Refusal | None:
    """None when a sign-in may be tried now; else how long to wait and why."""
    now = time.time() if now is None else now
    for key, limit, per in _keys(email, address):
        rows = con.execute(
            "SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at DESC LIMIT ?",
            [key, now - WINDOW, limit],
        ).fetchall()
        if len(rows) >= limit:
            wait = max(1, math.ceil(float(rows[-1][0]) + WINDOW - now))
            minutes = max(1, math.ceil(wait / 60))
            what = "for this account" if per == "account" else "from your network address"
            return Refusal(
                wait,
                f"Too many failed sign-ins {what} ({limit} in {WINDOW // 60} minutes). "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                per,
                limit,
                minutes,
            )
    return None


def failed(con: sqlite3.Connection, email: str, address: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    con.execute("DELETE FROM login_failures WHERE at <= ?", [now - WINDOW])
    for key, _, _ in _keys(email, address):
        con.execute("INSERT INTO login_failures (key, at) VALUES (?, ?)", [key, now])


def succeeded(con: sqlite3.Connection, email: str) -> None:
    con.execute("DELETE FROM login_failures WHERE key = ?", ["account:" + email.strip().lower()])
