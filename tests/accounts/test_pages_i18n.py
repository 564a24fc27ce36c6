"""The account pages in Spanish and French: ``/es/…`` and ``/fr/…`` (the site's URL prefixes)
give every page — sign-in, account and watch list, the organisation's goals, the goal form
with its errors, the admin pages — with no English UI string left, links and redirects that
stay in the language."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from norte.accounts import Accounts
from norte.accounts import goals as gls
from norte.accounts.users import find_user
from norte.publish.i18n import NATIVE_NAMES, catalog

from .conftest import BASE, PASSWORD, USERS
from .test_goals_watches import form

ADMIN = USERS["admin"][0]
#: text of the pages that is data, not UI (the same in every language)
DATA = {
    *(email for email, _, _ in USERS.values()),
    "ACME Trade Association",
    "norte",
    "Atom",
    "acme",
    "MEX",
    "acme-goal",
    "tok",
    "api",
    *NATIVE_NAMES.values(),
    *form("").values(),  # what the user typed, shown back on the form
}


class _Text(HTMLParser):
    """The visible text nodes of a page (scripts, styles and code left out), and the values of the
    attributes a reader meets (``aria-label``, ``placeholder``, ``title``)."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code"):  # code: commands and identifiers
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "placeholder", "title") and value:
                self.nodes.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.nodes.append(data)


def texts(page: str) -> set[str]:
    p = _Text()
    p.feed(page)
    out = set()
    for node in p.nodes:
        text = " ".join(node.split()).strip(" ·:().")
        if re.search(r"[A-Za-z]{2}", text) and text not in DATA:
            out.add(text)
    return out


def _sign_in(client: TestClient, prefix: str, email: str) -> str:
    page = client.get(f"{prefix}/signin")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    data = {"email": email, "password": PASSWORD, "csrf": csrf, "next": f"{prefix}/me"}
    r = client.post(f"{prefix}/signin", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{prefix}/me", r.text
    me = client.get(f"{prefix}/me")
    return me.text.split('name="csrf" value="')[1].split('"')[0]


@pytest.fixture
def goal(accounts_path: Path) -> None:
    acc = Accounts(accounts_path)
    editor = find_user(acc.con, USERS["editor"][0])
    assert editor is not None
    gls.save(acc.con, editor, {"id": "acme-goal", "parent": 1, "title": "x", "indicators": []})
    acc.close()


def pages(app: FastAPI, prefix: str) -> Iterator[tuple[str, str]]:
    """(name, HTML) of every account page in the language of ``prefix`` ("" = English), the
    admin signed in; form errors included."""
    with TestClient(app, base_url=BASE) as client:
        yield "sign-in", client.get(f"{prefix}/signin").text
        csrf = client.get(f"{prefix}/signin").text.split('name="csrf" value="')[1].split('"')[0]
        wrong = {"email": ADMIN, "password": "not the password", "csrf": csrf}
        yield "sign-in, wrong password", client.post(f"{prefix}/signin", data=wrong).text
        csrf = _sign_in(client, prefix, ADMIN)
        yield "account", client.get(f"{prefix}/me").text
        client.post(f"{prefix}/me/watches", data={"csrf": csrf, "kind": "partner", "target": "MEX"})
        yield "account with a watch", client.get(f"{prefix}/me").text
        bad = {"csrf": csrf, "kind": "partner", "target": "NOWHERE"}
        r = client.post(f"{prefix}/me/watches", data=bad)
        assert r.status_code == 422
        yield "watch error", r.text
        yield "goals", client.get(f"{prefix}/orgs/acme/goals").text
        yield "goal form", client.get(f"{prefix}/orgs/acme/goals/new").text
        r = client.post(f"{prefix}/orgs/acme/goals", data=form(csrf, "2030-13"))
        assert r.status_code == 422
        yield "goal form error", r.text
        yield "admin", client.get(f"{prefix}/orgs/acme/admin").text
        bad = {"csrf": csrf, "email": "x@acme.example", "role": "viewer", "password": "short"}
        r = client.post(f"{prefix}/orgs/acme/users", data=bad)
        assert r.status_code == 422
        yield "admin error", r.text
        new = {"csrf": csrf, "email": ADMIN, "name": "tok", "scope_read": "1"}
        r = client.post(f"{prefix}/orgs/acme/tokens", data=new)
        assert r.status_code == 201
        yield "admin, new token", r.text.replace(r.text.split('id="new-token">')[1][:47], "")


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_no_english_ui_string_left(app: FastAPI, goal: None, lang: str) -> None:
    english = dict(pages(app, ""))
    translated = dict(pages(app, f"/{lang}"))
    en, other = catalog("en"), catalog(lang)
    # the strings of the catalogs that differ between the languages ("Description" is French)
    ui = {
        v
        for k, v in en.items()
        if k.startswith("acct_") and other[k] != v and "{" not in v and len(v) > 3
    }
    for name, page in translated.items():
        assert f'<html lang="{lang}">' in page, name
        left = texts(english[name]) & texts(page)
        left -= {v for k, v in en.items() if other.get(k) == v}
        assert not left, f"{name} ({lang}): English left: {sorted(left)}"
        # the validators' own detail (norte goals add's messages) is English, after a
        # translated lead that says so (acct_err_field): the lead stays, the detail goes
        lead = other["acct_err_field"].split("{detail}")[0].strip()
        visible = " | ".join(n.split(lead)[0] + (lead if lead in n else "") for n in texts(page))
        for email, _, _ in USERS.values():
            visible = visible.replace(email, "")
        found = [s for s in ui if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", visible)]
        assert not found, f"{name} ({lang}): English strings of the catalog: {found}"


def test_english_pages_are_english(app: FastAPI, goal: None) -> None:
    """The control: the English pages show the English strings (the test above can fail)."""
    english = dict(pages(app, ""))
    assert "Wrong e-mail or password." in html.unescape(english["sign-in, wrong password"])
    assert "Add to the watch list" in english["account"]


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_links_redirects_and_errors_stay_in_the_language(app: FastAPI, lang: str) -> None:
    t = catalog(lang)
    with TestClient(app, base_url=BASE) as client:
        csrf = _sign_in(client, f"/{lang}", ADMIN)
        me = client.get(f"/{lang}/me").text
        assert f'action="/{lang}/me/watches"' in me and f'href="/{lang}/orgs/acme/goals"' in me
        r = client.post(
            f"/{lang}/me/watches",
            data={"csrf": csrf, "kind": "partner", "target": "MEX"},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"].startswith(f"/{lang}/me?message=")
        assert t["acct_kind_partner"] in html.unescape(client.get(r.headers["location"]).text)
        bad = {"csrf": csrf, "kind": "partner", "target": "NOWHERE"}
        r = client.post(f"/{lang}/me/watches", data=bad)
        assert r.status_code == 422
        assert t["acct_watch_err_partner"].format(target="NOWHERE") in html.unescape(r.text)
        r = client.post(f"/{lang}/orgs/acme/goals", data=form(csrf, "2030-13"))
        block = html.unescape(r.text.split('id="target_date-error"')[1].split("</p>")[0])
        assert t["acct_err_field"].split("{")[0] in block and "2030-13" in block
        r = client.post(f"/{lang}/signout", data={"csrf": csrf}, follow_redirects=False)
        assert r.headers["location"].startswith(f"/{lang}/signin?message=")
