"""API tokens (scoped, expiring, revocable, stored hashed), ``norte users`` and ``norte tokens``,
and secrets kept out of logs and output."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from norte.accounts import Accounts
from norte.accounts import tokens as tok
from norte.cli import main

from .conftest import PASSWORD, USERS, sign_in

EDITOR = USERS["editor"][0]
GOAL = {"id": "acme-tok", "parent": 3, "title": "Goal by token", "indicators": []}


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_token_scopes_expiry_and_revocation(client: TestClient, accounts_path: Path) -> None:
    acc = Accounts(accounts_path)
    read, _ = tok.create_api(acc.con, EDITOR, "reader", ("read",))
    write, info = tok.create_api(acc.con, EDITOR, "writer", ("read", "goals"))
    old, _ = tok.create_api(acc.con, EDITOR, "old", ("read",), days=1, now=time.time() - 2 * 86400)
    stored = {r[0] for r in acc.con.execute("SELECT secret_hash FROM tokens")}
    assert read not in stored and write not in stored and len(stored) == 3
    assert read.startswith("nrt_") and len(read) > 40

    me = client.get("/me.json", headers=_bearer(read))
    assert me.status_code == 200 and me.json()["via"] == "token"
    # a read token cannot change goals; a goals token can (no CSRF: a token is no cookie)
    assert client.post("/orgs/acme/goals", json=GOAL, headers=_bearer(read)).status_code == 403
    created = client.post("/orgs/acme/goals", json=GOAL, headers=_bearer(write))
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "draft"

    for bad in (old, "nrt_not-a-token", read + "x"):
        r = client.get("/me.json", headers=_bearer(bad))
        assert r.status_code == 401 and "expired or revoked" in r.text
        assert r.headers["www-authenticate"].startswith("Bearer")
    tok.revoke(acc.con, info.id)
    assert client.get("/me.json", headers=_bearer(write)).status_code == 401
    states = {t.name: t.state() for t in tok.list_tokens(acc.con)}
    assert states == {"reader": "active", "writer": "revoked", "old": "expired"}
    acc.close()


def test_token_of_disabled_user_stops(client: TestClient, accounts_path: Path) -> None:
    from norte.accounts.users import disable_user

    acc = Accounts(accounts_path)
    secret, _ = tok.create_api(acc.con, EDITOR, "x", ("read",))
    assert client.get("/me.json", headers=_bearer(secret)).status_code == 200
    disable_user(acc.con, EDITOR)
    assert client.get("/me.json", headers=_bearer(secret)).status_code == 401
    acc.close()


def _run(
    args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_users_and_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "norte.duckdb"
    monkeypatch.delenv("NORTE_ACCOUNTS", raising=False)
    pw = "a passphrase nobody guesses"
    code, out, err = _run(
        [
            "--db",
            str(db),
            "users",
            "add",
            "ana@acme.example",
            "--org",
            "acme",
            "--role",
            "editor",
            "--org-name",
            "ACME",
            "--password-stdin",
        ],
        monkeypatch,
        capsys,
        pw + "\n",
    )
    assert code == 0 and "added ana@acme.example (editor of acme)" in err
    assert pw not in out + err
    path = tmp_path / "norte.accounts.sqlite"  # beside the store
    assert path.exists() and not db.exists()

    code, out, err = _run(
        ["--db", str(db), "users", "add", "bo@acme.example", "--org", "acme", "--password-stdin"],
        monkeypatch,
        capsys,
        "short\n",
    )
    assert code == 2 and "at least 12" in err

    code, out, _ = _run(["--db", str(db), "users", "list", "--json"], monkeypatch, capsys)
    assert json.loads(out) == [
        {"email": "ana@acme.example", "org": "acme", "role": "editor", "disabled": False}
    ]
    code, out, err = _run(
        [
            "--db",
            str(db),
            "tokens",
            "create",
            "ana@acme.example",
            "--scopes",
            "read,goals",
            "--name",
            "ci",
        ],
        monkeypatch,
        capsys,
    )
    secret = out.strip()
    assert code == 0 and secret.startswith("nrt_") and "not shown again" in err
    code, out, _ = _run(["--db", str(db), "tokens", "list"], monkeypatch, capsys)
    assert "ana@acme.example" in out and "read,goals" in out and "active" in out
    assert secret not in out
    code, _, err = _run(
        ["--db", str(db), "tokens", "create", "ana@acme.example", "--scopes", "write"],
        monkeypatch,
        capsys,
    )
    assert code == 2 and "expected a comma-separated list of read, goals, admin" in err
    code, _, err = _run(
        ["--db", str(db), "tokens", "create", "ana@acme.example", "--scopes", "admin"],
        monkeypatch,
        capsys,
    )
    assert code == 2 and "scope 'admin'" in err and "not admin" in err  # ana is an editor
    code, _, err = _run(["--db", str(db), "tokens", "revoke", "1"], monkeypatch, capsys)
    assert code == 0 and "revoked" in err
    code, _, err = _run(["--db", str(db), "tokens", "revoke", "99"], monkeypatch, capsys)
    assert code == 2 and "no token 99" in err
    code, _, err = _run(
        ["--db", str(db), "users", "disable", "ana@acme.example"], monkeypatch, capsys
    )
    assert code == 0
    code, out, _ = _run(["--db", str(db), "users", "list"], monkeypatch, capsys)
    assert "(disabled)" in out
    other = tmp_path / "elsewhere.sqlite"
    monkeypatch.setenv("NORTE_ACCOUNTS", str(other))
    code, out, _ = _run(["--db", str(db), "users", "list", "--json"], monkeypatch, capsys)
    assert code == 0 and json.loads(out) == [] and other.exists()


def test_cli_refuses_prompt_without_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        ["--db", str(tmp_path / "n.duckdb"), "users", "add", "x@y.example", "--org", "acme"],
        monkeypatch,
        capsys,
        "piped password\n",
    )
    assert code == 2 and "--password-stdin" in err
    assert not (tmp_path / "n.accounts.sqlite").exists()


def test_secrets_never_logged(
    client: TestClient, accounts_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    csrf = sign_in(client, EDITOR)
    session = client.cookies.get("__Host-norte_session")
    client.post("/signin", data={"email": EDITOR, "password": "wrong " + PASSWORD, "csrf": "x"})
    acc = Accounts(accounts_path)
    api, _ = tok.create_api(acc.con, EDITOR, "x", ("read",))
    client.get("/me.json", headers=_bearer(api))
    r = client.post("/me/feed-token", data={"csrf": csrf}, headers={"Accept": "application/json"})
    feed_url = r.json()["feed_url"]
    feed_token = feed_url.split("token=")[1]
    assert client.get(feed_url).status_code == 200
    # what uvicorn's access log would write for the feed request
    logging.getLogger("uvicorn.access").info(
        '%s - "GET %s HTTP/1.1" %d', "127.0.0.1", feed_url, 200
    )
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "signed in editor@acme.example" in caplog.text  # there is something to look at
    for secret in (PASSWORD, session, csrf, api, feed_token):
        assert secret and secret not in text
    acc.close()
    rows = sqlite3.connect(accounts_path).execute("SELECT secret_hash FROM tokens").fetchall()
    assert all(len(r[0]) == 64 for r in rows)
