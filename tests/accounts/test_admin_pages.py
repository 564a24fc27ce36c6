"""An organisation's admin in the browser (``/orgs/ORG/admin``): users added, re-roled and
disabled, API tokens created (shown once, stored hashed) and revoked — through the functions
of ``norte users`` / ``norte tokens``, with their rules and messages; another organisation's
users and tokens are out of reach (403 on its pages, 404 for its objects); nothing changes on
a refusal."""

from __future__ import annotations

import hashlib
import html
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from norte.accounts import Accounts
from norte.accounts import tokens as tok
from norte.accounts import users as usr
from norte.errors import UsageError

from .conftest import PASSWORD, USERS, sign_in

ADMIN, EDITOR, OTHER = USERS["admin"][0], USERS["editor"][0], USERS["other"][0]


def _user(path: Path, email: str) -> usr.User | None:
    acc = Accounts(path)
    try:
        return usr.find_user(acc.con, email)
    finally:
        acc.close()


def _id(path: Path, email: str) -> int:
    u = _user(path, email)
    assert u is not None
    return u.id


def test_admin_page_lists_only_the_organisations_users(client: TestClient) -> None:
    sign_in(client, ADMIN)
    page = client.get("/orgs/acme/admin")
    assert page.status_code == 200
    assert ADMIN in page.text and EDITOR in page.text and OTHER not in page.text


def test_add_user_with_the_rules_of_norte_users_add(
    client: TestClient, accounts_path: Path
) -> None:
    csrf = sign_in(client, ADMIN)
    short = {"csrf": csrf, "email": "new@acme.example", "role": "editor", "password": "short"}
    r = client.post("/orgs/acme/users", data=short)
    assert r.status_code == 422
    with pytest.raises(UsageError) as e:
        usr.check_password("short")
    assert str(e.value) in html.unescape(r.text)  # the CLI's own message
    assert _user(accounts_path, "new@acme.example") is None  # nothing written

    ok = short | {"password": "a long enough first password"}
    r = client.post("/orgs/acme/users", data=ok, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/orgs/acme/admin?message=")
    new = _user(accounts_path, "new@acme.example")
    assert new is not None and new.org == "acme" and new.role == "editor"
    r = client.post("/orgs/acme/users", data=ok)
    assert r.status_code == 422 and "exists already" in r.text  # the CLI's duplicate rule
    with TestClient(client.app, base_url=str(client.base_url)) as fresh:
        sign_in(fresh, "new@acme.example", "a long enough first password")


def test_change_role_and_disable_keep_the_last_admin(
    client: TestClient, accounts_path: Path
) -> None:
    csrf = sign_in(client, ADMIN)
    editor_id, admin_id = _id(accounts_path, EDITOR), _id(accounts_path, ADMIN)
    with TestClient(client.app, base_url=str(client.base_url)) as editor:
        sign_in(editor, EDITOR)
        r = client.post(f"/orgs/acme/users/{editor_id}/role", data={"csrf": csrf, "role": "viewer"})
        assert r.status_code == 200
        after = _user(accounts_path, EDITOR)
        assert after is not None and after.role == "viewer"
        assert editor.get("/orgs/acme/goals/new").status_code == 403  # at the next request

        r = client.post(f"/orgs/acme/users/{editor_id}/disable", data={"csrf": csrf})
        assert r.status_code == 200
        after = _user(accounts_path, EDITOR)
        assert after is not None and after.disabled
        assert editor.get("/me").status_code == 401  # its session ended

    for path, data in (
        (f"/orgs/acme/users/{admin_id}/role", {"csrf": csrf, "role": "editor"}),
        (f"/orgs/acme/users/{admin_id}/disable", {"csrf": csrf}),
    ):
        r = client.post(path, data=data)
        assert r.status_code == 422 and "last admin of acme" in r.text, path
    me = _user(accounts_path, ADMIN)
    assert me is not None and me.role == "admin" and not me.disabled


def test_tokens_shown_once_stored_hashed_and_revoked(
    client: TestClient, accounts_path: Path
) -> None:
    csrf = sign_in(client, ADMIN)
    form = {"csrf": csrf, "email": EDITOR, "name": "dashboards", "scope_read": "1", "days": "30"}
    r = client.post("/orgs/acme/tokens", data=form)
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    secret = r.text.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("nrt_")
    raw = b"".join(p.read_bytes() for p in accounts_path.parent.glob("*.sqlite*"))
    assert secret.encode() not in raw  # only the hash is kept
    assert hashlib.sha256(secret.encode()).hexdigest().encode() in raw
    listing = client.get("/orgs/acme/admin").text
    assert secret not in listing and "dashboards" in listing
    api = client.get("/me.json", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200 and api.json()["email"] == EDITOR

    (info,) = [t for t in client.get("/orgs/acme/tokens.json").json() if t["name"] == "dashboards"]
    assert info["scopes"] == ["read"] and "token" not in info
    r = client.post(f"/orgs/acme/tokens/{info['id']}/revoke", data={"csrf": csrf})
    assert r.status_code == 200
    assert client.get("/me.json", headers={"Authorization": f"Bearer {secret}"}).status_code == 401

    bad = form | {"days": "400"}
    r = client.post("/orgs/acme/tokens", data=bad)
    assert r.status_code == 422 and "expected 1 to 365" in r.text
    r = client.post("/orgs/acme/tokens", data=form | {"scope_read": "", "scope_admin": "1"})
    assert r.status_code == 422 and "not admin" in r.text  # an editor's token: no admin scope


def test_another_organisations_objects_are_out_of_reach(
    client: TestClient, accounts_path: Path
) -> None:
    acc = Accounts(accounts_path)
    usr.add_user(acc.con, "admin@beta.example", PASSWORD, "beta", "admin", None)
    _, beta_token = tok.create_api(acc.con, OTHER, "beta's", ("read",))
    acc.close()
    other_id = _id(accounts_path, OTHER)

    csrf = sign_in(client, ADMIN)
    r = client.post(f"/orgs/acme/users/{other_id}/disable", data={"csrf": csrf})
    assert r.status_code == 404
    r = client.post(f"/orgs/acme/users/{other_id}/role", data={"csrf": csrf, "role": "viewer"})
    assert r.status_code == 404
    r = client.post(f"/orgs/acme/tokens/{beta_token.id}/revoke", data={"csrf": csrf})
    assert r.status_code == 404
    r = client.post("/orgs/acme/tokens", data={"csrf": csrf, "email": OTHER, "scope_read": "1"})
    assert r.status_code == 422 and "no user" in html.unescape(r.text)
    r = client.post(f"/orgs/beta/users/{other_id}/disable", data={"csrf": csrf})
    assert r.status_code == 403  # acme's admin on beta's pages
    after = _user(accounts_path, OTHER)
    assert after is not None and not after.disabled and after.role == "editor"

    with TestClient(client.app, base_url=str(client.base_url)) as beta:
        sign_in(beta, "admin@beta.example")
        assert beta.get("/orgs/acme/admin").status_code == 403
        assert beta.get("/orgs/acme/tokens.json").status_code == 403
        assert beta.get("/orgs/beta/admin").status_code == 200


def test_a_change_without_the_csrf_token_changes_nothing(
    client: TestClient, accounts_path: Path
) -> None:
    sign_in(client, ADMIN)
    editor_id = _id(accounts_path, EDITOR)
    r = client.post(f"/orgs/acme/users/{editor_id}/disable", data={})
    assert r.status_code == 403
    r = client.post(
        f"/orgs/acme/users/{editor_id}/disable",
        data={},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403
    after = _user(accounts_path, EDITOR)
    assert after is not None and not after.disabled


def test_cli_role_is_the_same_function_and_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``norte users role`` calls ``users.set_role``: the same change, the same refusal."""
    from .test_tokens_cli import _run

    db = tmp_path / "norte.duckdb"
    monkeypatch.delenv("NORTE_ACCOUNTS", raising=False)
    accounts = tmp_path / "norte.accounts.sqlite"
    acc = Accounts(accounts)
    usr.add_user(acc.con, "boss@acme.example", PASSWORD, "acme", "admin", None)
    usr.add_user(acc.con, "ana@acme.example", PASSWORD, "acme", "viewer", None)
    acc.close()
    code, _, err = _run(
        ["--db", str(db), "users", "role", "ana@acme.example", "editor"], monkeypatch, capsys
    )
    assert code == 0 and "now editor" in err
    ana = _user(accounts, "ana@acme.example")
    assert ana is not None and ana.role == "editor"
    code, _, err = _run(
        ["--db", str(db), "users", "role", "boss@acme.example", "viewer"], monkeypatch, capsys
    )
    assert code == 2 and "last admin of acme" in err
    code, _, err = _run(
        ["--db", str(db), "users", "disable", "boss@acme.example"], monkeypatch, capsys
    )
    assert code == 2 and "last admin of acme" in err
