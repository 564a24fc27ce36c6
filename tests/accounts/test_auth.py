"""Passwords, sessions, cookies, CSRF and login throttling."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from norte.accounts import Accounts, throttle
from norte.accounts import goals as gls
from norte.accounts.users import add_user, authenticate, hash_password, verify_password
from norte.errors import StoreDamagedError, StoreError, UsageError

from .conftest import BASE, PASSWORD, USERS, sign_in

EDITOR = USERS["editor"][0]


def test_password_hash_is_argon2_and_verifies(accounts_path: Path) -> None:
    h = hash_password("a long enough passphrase")
    assert h.startswith("$argon2id$") and "$m=19456,t=2,p=1$" in h
    assert verify_password("a long enough passphrase", h)
    assert not verify_password("a long enough passphrasE", h)
    stored = (
        sqlite3.connect(accounts_path)
        .execute("SELECT password_hash FROM users WHERE email = ?", [EDITOR])
        .fetchone()[0]
    )
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    acc = Accounts(accounts_path)
    assert authenticate(acc.con, EDITOR, PASSWORD) is not None
    assert authenticate(acc.con, EDITOR, PASSWORD + "x") is None
    assert authenticate(acc.con, "nobody@acme.example", PASSWORD) is None
    acc.close()


def test_short_password_and_duplicate_user_refused(accounts_path: Path) -> None:
    acc = Accounts(accounts_path)
    with pytest.raises(UsageError, match="at least 12"):
        add_user(acc.con, "new@acme.example", "short", "acme", "viewer", None)
    with pytest.raises(UsageError, match="exists already"):
        add_user(acc.con, EDITOR, PASSWORD, "acme", "viewer", None)
    acc.close()


def test_not_an_accounts_file_and_newer_schema_refused(tmp_path: Path) -> None:
    bad = tmp_path / "junk.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreDamagedError, match="not a norte accounts file"):
        Accounts(bad)
    newer = tmp_path / "newer.sqlite"
    sqlite3.connect(newer).execute("PRAGMA user_version = 99").connection.close()
    with pytest.raises(StoreError, match="newer than this norte"):
        Accounts(newer)


def test_session_cookie_flags_over_tls(client: TestClient) -> None:
    form = client.get("/signin")
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post(
        "/signin",
        data={"email": EDITOR, "password": PASSWORD, "csrf": csrf},
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in r.headers.multi_items() if k == "set-cookie" and "norte_session" in v
    )
    assert cookie.startswith("__Host-norte_session=")
    flags = {f.strip().lower() for f in cookie.split(";")[1:]}
    assert {"httponly", "secure", "path=/", "samesite=lax"} <= flags
    assert not any(f.startswith("domain") for f in flags)


def test_plain_http_localhost_falls_back_and_other_hosts_refused(app: FastAPI) -> None:
    with TestClient(app, base_url="http://127.0.0.1:8000") as local:
        sign_in(local, EDITOR)
        names = {c.name for c in local.cookies.jar}
        assert "norte_session" in names and "__Host-norte_session" not in names
        assert local.get("/me.json").json()["email"] == EDITOR
    with TestClient(app, base_url="http://norte.example.org") as remote:
        r = remote.get("/signin")
        assert r.status_code == 400 and "needs HTTPS" in r.text


def test_new_session_id_at_sign_in(client: TestClient, accounts_path: Path) -> None:
    """Session fixation: a session id planted before sign-in is not the one signed in."""
    planted = "attacker-chosen-session-id"
    client.cookies.set("__Host-norte_session", planted, domain="testserver.local")
    sign_in(client, EDITOR)
    got = client.cookies.get("__Host-norte_session")
    assert got and got != planted
    first = got
    sign_in(client, EDITOR)  # signing in again also changes the id, and ends the old one
    second = client.cookies.get("__Host-norte_session")
    assert second and second != first
    con = sqlite3.connect(accounts_path)
    ids = {r[0] for r in con.execute("SELECT id_hash FROM sessions")}
    assert hashlib.sha256(second.encode()).hexdigest() in ids
    assert hashlib.sha256(first.encode()).hexdigest() not in ids
    assert first not in ids and second not in ids  # only digests are stored


def test_sign_out_invalidates_the_session(app: FastAPI, client: TestClient) -> None:
    csrf = sign_in(client, EDITOR)
    secret = client.cookies.get("__Host-norte_session")
    assert secret
    r = client.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    with TestClient(app, base_url=BASE) as replay:  # the old cookie, replayed
        replay.cookies.set("__Host-norte_session", secret, domain="testserver.local")
        assert replay.get("/me.json").status_code == 401


def test_disabled_user_loses_session(client: TestClient, accounts_path: Path) -> None:
    from norte.accounts.users import disable_user

    sign_in(client, EDITOR)
    assert client.get("/me.json").status_code == 200
    acc = Accounts(accounts_path)
    disable_user(acc.con, EDITOR)
    acc.close()
    assert client.get("/me.json").status_code == 401


def _goal_form(csrf: str) -> dict[str, str]:
    return {
        "csrf": csrf,
        "id": "acme-mx-trade",
        "parent": "3",
        "title": "U.S.–Mexico trade above US$1 trillion",
        "indicators": "us-total-trade-annual.mex",
    }


def test_cross_site_post_refused_and_nothing_changes(
    client: TestClient, accounts_path: Path
) -> None:
    csrf = sign_in(client, EDITOR)
    before = accounts_path.read_bytes(), Path(str(accounts_path) + "-wal").read_bytes()
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
    ):
        r = client.post("/orgs/acme/goals", data=_goal_form(csrf), headers=headers)
        assert r.status_code == 403, headers
        assert r.json()["error"]["code"] == "csrf"
    r = client.post("/orgs/acme/goals", data=_goal_form(""))  # same site, no form token
    assert r.status_code == 403 and "CSRF token" in r.text
    after = accounts_path.read_bytes(), Path(str(accounts_path) + "-wal").read_bytes()
    assert after == before
    acc = Accounts(accounts_path)
    assert gls.org_goals(acc.con, "acme") == []
    acc.close()
    ok = client.post(
        "/orgs/acme/goals",
        data=_goal_form(csrf),
        headers={"Origin": BASE, "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert ok.status_code == 303


def test_sign_in_form_needs_its_csrf_cookie(client: TestClient) -> None:
    client.get("/signin")
    r = client.post("/signin", data={"email": EDITOR, "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 400 and "form expired" in r.text
    assert client.get("/me.json").status_code == 401


def _attempt(client: TestClient, email: str, password: str) -> tuple[int, str, str | None]:
    form = client.get("/signin")
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post(
        "/signin",
        data={"email": email, "password": password, "csrf": csrf},
        follow_redirects=False,
    )
    return r.status_code, r.text, r.headers.get("retry-after")


def test_throttling_per_account(client: TestClient) -> None:
    for _ in range(throttle.PER_ACCOUNT):
        status, text, _ = _attempt(client, EDITOR, "wrong password!!")
        assert status == 401 and "Wrong e-mail or password" in text
    status, text, retry = _attempt(client, EDITOR, PASSWORD)  # even the right password
    assert status == 429
    assert "Too many failed sign-ins for this account" in text and "Try again in 15 minutes" in text
    assert retry is not None and 0 < int(retry) <= throttle.WINDOW
    # another account from the same address is not throttled yet
    assert _attempt(client, USERS["viewer"][0], PASSWORD)[0] == 303


def test_throttling_per_address_and_window(accounts_path: Path) -> None:
    acc = Accounts(accounts_path)
    t0 = 1_000_000.0
    for i in range(throttle.PER_ADDRESS):
        assert throttle.check(acc.con, f"u{i}@x.example", "10.0.0.1", now=t0 + i) is None
        throttle.failed(acc.con, f"u{i}@x.example", "10.0.0.1", now=t0 + i)
    refusal = throttle.check(acc.con, "fresh@x.example", "10.0.0.1", now=t0 + 30)
    assert refusal is not None and "from your network address" in refusal.message
    assert refusal.retry_after == throttle.WINDOW - 30
    assert throttle.check(acc.con, "fresh@x.example", "10.0.0.2", now=t0 + 30) is None
    # once the oldest failure leaves the window, one more try is allowed
    assert throttle.check(acc.con, "fresh@x.example", "10.0.0.1", now=t0 + throttle.WINDOW) is None
    acc.close()


def test_members_for_the_organisations_admins_only(app: FastAPI) -> None:
    with TestClient(app, base_url=BASE) as c:
        sign_in(c, USERS["admin"][0])
        got = c.get("/orgs/acme/members.json").json()
        assert sorted(m["email"] for m in got) == sorted(
            e for e, org, _ in USERS.values() if org == "acme"
        )
        assert c.get("/orgs/beta/members.json").status_code == 403
    with TestClient(app, base_url=BASE) as c:
        sign_in(c, EDITOR)
        assert c.get("/orgs/acme/members.json").status_code == 403


@pytest.mark.parametrize(
    ("nxt", "lands"),
    [
        ("/orgs/acme/goals", "/orgs/acme/goals"),
        ("//evil.example/x", "/me"),
        ("https://evil.example", "/me"),
    ],
)
def test_sign_in_returns_only_to_this_site(client: TestClient, nxt: str, lands: str) -> None:
    form = client.get("/signin", params={"next": nxt})
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post(
        "/signin",
        data={"email": EDITOR, "password": PASSWORD, "csrf": csrf, "next": nxt},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == lands
