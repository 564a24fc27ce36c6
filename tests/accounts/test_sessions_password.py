"""Password change and "sign out everywhere" on the account page, and session expiry: absolute
(``LIFETIME`` after sign-in) and idle (``IDLE`` after the last request)."""

from __future__ import annotations

import html
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from norte.accounts import Accounts
from norte.accounts import db as adb
from norte.accounts import sessions as ses
from norte.accounts import users as usr
from norte.errors import UsageError
from norte.publish.i18n import catalog

from .conftest import PASSWORD, USERS, sign_in

EDITOR = USERS["editor"][0]
NEW = "a brand new passphrase here"


def _hash(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return str(
            con.execute("SELECT password_hash FROM users WHERE email = ?", [EDITOR]).fetchone()[0]
        )
    finally:
        con.close()


def test_password_change_checks_and_ends_the_other_sessions(
    client: TestClient, accounts_path: Path
) -> None:
    csrf = sign_in(client, EDITOR)
    before = _hash(accounts_path)
    with TestClient(client.app, base_url=str(client.base_url)) as other:
        sign_in(other, EDITOR)
        cases = [
            ({"current": "not my password"}, catalog("en")["acct_password_wrong"]),
            (
                {"new_password_again": "something else entirely"},
                catalog("en")["acct_password_differ"],
            ),
            ({"new_password": "short", "new_password_again": "short"}, None),
        ]
        for change, message in cases:
            data = {
                "csrf": csrf,
                "current": PASSWORD,
                "new_password": NEW,
                "new_password_again": NEW,
            }
            r = client.post("/me/password", data=data | change)
            assert r.status_code == 422, change
            shown = html.unescape(r.text.split('id="password-error"')[1].split("</p>")[0])
            if message is None:
                with pytest.raises(UsageError) as e:
                    usr.check_password("short")
                message = str(e.value)  # the rule and message of norte users add
            assert message in shown, change
            assert _hash(accounts_path) == before  # nothing changed
            assert other.get("/me").status_code == 200

        data = {"csrf": csrf, "current": PASSWORD, "new_password": NEW, "new_password_again": NEW}
        r = client.post("/me/password", data=data, follow_redirects=False)
        assert r.status_code == 303 and "message=" in r.headers["location"]
        assert _hash(accounts_path) != before and _hash(accounts_path).startswith("$argon2id$")
        assert other.get("/me").status_code == 401  # the other browser is signed out
        assert client.get("/me").status_code == 200  # this one got a new session
    acc = Accounts(accounts_path)
    try:
        assert usr.authenticate(acc.con, EDITOR, PASSWORD) is None
        assert usr.authenticate(acc.con, EDITOR, NEW) is not None
    finally:
        acc.close()


def test_sign_out_everywhere(client: TestClient) -> None:
    csrf = sign_in(client, EDITOR)
    with TestClient(client.app, base_url=str(client.base_url)) as other:
        sign_in(other, EDITOR)
        r = client.post("/me/sessions/end", data={"csrf": csrf}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/signin?message=")
        assert other.get("/me").status_code == 401
        assert client.get("/me").status_code == 401
        assert client.post("/me/sessions/end", data={"csrf": csrf}).status_code == 401


def test_sessions_expire_when_idle_and_absolutely(accounts_path: Path) -> None:
    acc = Accounts(accounts_path)
    try:
        user = usr.find_user(acc.con, EDITOR)
        assert user is not None
        t0 = 1_800_000_000.0
        idle = ses.create(acc.con, user, now=t0)
        assert ses.lookup(acc.con, idle.secret, now=t0 + ses.IDLE - 1) is not None
        # that request counts as activity: the idle window starts again from it
        assert ses.lookup(acc.con, idle.secret, now=t0 + ses.IDLE + 3600) is not None
        assert ses.lookup(acc.con, idle.secret, now=t0 + 2 * ses.IDLE + 3600) is None
        assert ses.lookup(acc.con, idle.secret, now=t0 + 1) is None  # deleted, not revived

        busy = ses.create(acc.con, user, now=t0)
        t = t0
        while t + 3600 < t0 + ses.LIFETIME:
            t += 3600
            assert ses.lookup(acc.con, busy.secret, now=t) is not None
        assert ses.lookup(acc.con, busy.secret, now=t0 + ses.LIFETIME) is None  # absolute
    finally:
        acc.close()


def test_a_version_1_accounts_file_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.accounts.sqlite"
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript(adb.STEPS[0] + "PRAGMA user_version = 1;")
    con.execute("INSERT INTO orgs VALUES (1, 'acme', 'ACME', '2026-01-01')")
    con.execute(
        "INSERT INTO users VALUES (1, 'a@acme.example', 1, 'viewer', 'x', '2026-01-01', NULL)"
    )
    con.execute("INSERT INTO sessions VALUES ('h', 1, 'c', 100.0, 200.0)")
    con.close()
    acc = Accounts(path)
    try:
        assert acc.con.execute("PRAGMA user_version").fetchone()[0] == adb.SCHEMA_VERSION == 2
        row = acc.con.execute("SELECT created_at, last_seen_at FROM sessions").fetchone()
        assert row == (100.0, 100.0)
    finally:
        acc.close()
