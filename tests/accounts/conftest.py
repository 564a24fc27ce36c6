"""Accounts fixtures: an accounts file with two organisations and a user of every role, and
a FastAPI app made of the account routers (over https, so the ``__Host-`` cookie is used)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from norte.accounts import Accounts
from norte.accounts.users import add_user
from norte.web.access import set_resolver
from norte.web.routes.accounts import install

PASSWORD = "correct horse battery staple"
USERS = {
    "viewer": ("viewer@acme.example", "acme", "viewer"),
    "editor": ("editor@acme.example", "acme", "editor"),
    "admin": ("admin@acme.example", "acme", "admin"),
    "other": ("editor@beta.example", "beta", "editor"),
}
BASE = "https://testserver"


def populate(path: Path) -> None:
    acc = Accounts(path)
    try:
        for email, org, role in USERS.values():
            name = "ACME Trade Association" if org == "acme" else "Beta Council"
            add_user(acc.con, email, PASSWORD, org, role, name)
    finally:
        acc.close()


@pytest.fixture
def accounts_path(tmp_path: Path) -> Path:
    path = tmp_path / "norte.accounts.sqlite"
    populate(path)
    return path


@pytest.fixture
def app(accounts_path: Path) -> Iterator[FastAPI]:
    app = FastAPI()
    acc = install(app, accounts_path)
    yield app
    set_resolver(None)
    acc.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE) as c:
        yield c


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token (from the account page)."""
    form = client.get("/signin")
    assert form.status_code == 200, form.text
    csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post(
        "/signin",
        data={"email": email, "password": password, "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    me = client.get("/me")
    return me.text.split('name="csrf" value="')[1].split('"')[0]
