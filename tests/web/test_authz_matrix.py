"""The authorization matrix: every route of an app × every kind of caller, each answer
checked against the route's declaration (:func:`norte.web.access.route_access`).

Callers: anonymous; a viewer, an editor and an admin of organisation ``acme``; an editor and
an admin of another organisation (``beta``) — each signed in with a session (cookie, with its
CSRF token) and with an API token (scopes ``read,goals``), plus a viewer's and an editor's
``read``-only token (refused on routes declaring ``scope="goals"``) and both admins' tokens
with the ``admin`` scope too (the admin pages' changes declare ``scope="admin"``).

Expected answer of a route declared ``allow(role, same_org=..., scope=...)``:

- caller's role below ``role`` → 401 when anonymous, 403 otherwise;
- a token without ``scope`` → 403;
- ``same_org`` and the ``org`` path parameter (always ``acme`` here) not the caller's → 403;
- otherwise anything but 401 and 403 (a 404 or 422 is an admitted caller meeting a missing
  object or an empty body).

:func:`check_matrix` is generic over an app factory: ``factory(accounts_path)`` returns an
app whose accounts layer uses ``accounts_path`` and the path parameter values to call its
routes with. Today it runs over the accounts routers plus a few dummy routes; pointed at the
full ``norte.web.app.create_app`` it walks the whole route table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from norte.accounts import Accounts
from norte.accounts import goals as gls
from norte.accounts import sessions as ses
from norte.accounts import tokens as tok
from norte.accounts.users import add_user, find_user
from norte.web.access import Role, allow, check_every_route_declared, route_access, set_resolver

BASE = "https://testserver"
ORG = "acme"  # the organisation in every {org} path parameter
PASSWORD = "matrix passphrase, long enough"
#: Path parameter values; unknown names get "x" (an admitted caller then meets a 404 or 422).
PARAMS = {"org": ORG, "goal_id": "acme-goal", "watch_id": "1"}

AppFactory = Callable[[Path], tuple[FastAPI, dict[str, str]]]


@dataclass(frozen=True)
class Caller:
    name: str
    role: Role
    org: str | None
    via: str | None  # "session" | "token" | None
    scopes: frozenset[str] = frozenset()
    email: str = ""


USERS = {
    "viewer": ("viewer@acme.example", "acme", "viewer", Role.VIEWER),
    "editor": ("editor@acme.example", "acme", "editor", Role.EDITOR),
    "admin": ("admin@acme.example", "acme", "admin", Role.ADMIN),
    "other-org editor": ("editor@beta.example", "beta", "editor", Role.EDITOR),
    "other-org admin": ("admin@beta.example", "beta", "admin", Role.ADMIN),
}
ALL = frozenset({"read", "goals"})
CALLERS = [Caller("anonymous", Role.ANONYMOUS, None, None)]
for _name, (_email, _org, _, _role) in USERS.items():
    CALLERS.append(Caller(f"{_name} (session)", _role, _org, "session", frozenset(), _email))
    CALLERS.append(Caller(f"{_name} (token)", _role, _org, "token", ALL, _email))
for _name in ("viewer", "editor"):
    _email, _org, _, _role = USERS[_name]
    CALLERS.append(
        Caller(f"{_name} (read token)", _role, _org, "token", frozenset({"read"}), _email)
    )
for _name in ("admin", "other-org admin"):  # the admin pages' changes need the admin scope
    _email, _org, _, _role = USERS[_name]
    CALLERS.append(Caller(f"{_name} (admin token)", _role, _org, "token", ALL | {"admin"}, _email))


def expected(route: APIRoute, caller: Caller) -> int | None:
    """The refusal the declaration demands (401/403), or None when the caller is admitted."""
    access = route_access(route)
    assert access is not None
    role, same_org, scope = access
    if caller.role < role:
        return 401 if caller.role == Role.ANONYMOUS else 403
    if scope and caller.via == "token" and scope not in caller.scopes:
        return 403
    if same_org and caller.org != ORG:
        return 403
    return None


def _path(route: APIRoute, params: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: params.get(m.group(1), "x"), route.path)


def populate(path: Path) -> None:
    """The matrix's users, and a goal of ``acme`` for the ``{goal_id}`` routes."""
    acc = Accounts(path)
    try:
        for email, org, role, _ in USERS.values():
            if find_user(acc.con, email) is None:
                add_user(acc.con, email, PASSWORD, org, role, org.upper())
        editor = find_user(acc.con, USERS["editor"][0])
        assert editor is not None
        if gls.get_goal(acc.con, ORG, PARAMS["goal_id"]) is None:
            spec = {"id": PARAMS["goal_id"], "parent": 1, "title": "A goal", "indicators": []}
            gls.save(acc.con, editor, spec)
    finally:
        acc.close()


def _credentials(acc: Accounts, caller: Caller, tokens: dict[str, str]) -> dict[str, str]:
    """Headers (and cookie) for one request of ``caller``: a fresh session each time (a
    sign-out route must not sign the next request out)."""
    if caller.via is None:
        return {}
    user = find_user(acc.con, caller.email)
    assert user is not None
    if caller.via == "token":
        key = caller.name
        if key not in tokens:
            tokens[key], _ = tok.create_api(
                acc.con, caller.email, key, tuple(sorted(caller.scopes))
            )
        return {"Authorization": f"Bearer {tokens[key]}"}
    s = ses.create(acc.con, user)
    return {
        "Cookie": f"__Host-norte_session={s.secret}",
        "X-CSRF-Token": s.csrf,
        "Origin": BASE,
        "Sec-Fetch-Site": "same-origin",
    }


def check_matrix(factory: AppFactory, tmp: Path) -> list[str]:
    """Every route × caller; returns the mismatches (empty: the matrix holds)."""
    accounts_path = tmp / "matrix.accounts.sqlite"
    populate(accounts_path)
    app, extra = factory(accounts_path)
    params = PARAMS | extra
    check_every_route_declared(app)
    routes = [r for r in app.routes if isinstance(r, APIRoute)]
    assert routes, "the app has no routes"
    acc = Accounts(accounts_path)
    tokens: dict[str, str] = {}
    problems: list[str] = []
    try:
        with TestClient(app, base_url=BASE) as client:
            for route in routes:
                for method in sorted((route.methods or set()) - {"HEAD"}):
                    path = _path(route, params)
                    for caller in CALLERS:
                        headers = _credentials(acc, caller, tokens)
                        client.cookies.clear()
                        r = client.request(
                            method,
                            path,
                            headers=headers,
                            json={} if method != "GET" else None,
                            follow_redirects=False,
                        )
                        want = expected(route, caller)
                        ok = r.status_code == want if want else r.status_code not in (401, 403)
                        if not ok:
                            problems.append(
                                f"{method} {path} as {caller.name}: got {r.status_code} "
                                f"({r.text[:80]!r}), expected {want or 'admitted'}"
                            )
    finally:
        acc.close()
    return problems


def accounts_app(accounts_path: Path) -> tuple[FastAPI, dict[str, str]]:
    """The accounts routers, plus dummy public, viewer and editor routes of the data API's
    kind."""
    from norte.web.routes.accounts import install

    app = FastAPI()

    @app.get("/health", dependencies=[Depends(allow(Role.ANONYMOUS))])
    def health() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/api/v1/things", dependencies=[Depends(allow(Role.VIEWER, scope="read"))])
    def things() -> list[str]:
        return []

    @app.post(
        "/api/v1/orgs/{org}/things", dependencies=[Depends(allow(Role.EDITOR, same_org=True))]
    )
    def add_thing(org: str) -> dict[str, str]:
        return {"org": org}

    install(app, accounts_path)
    return app, {}


def full_app(accounts_path: Path) -> tuple[FastAPI, dict[str, str]]:
    """The whole web app (``norte.web.app.create_app``) over an empty store."""
    from norte.store import Store
    from norte.web import app as web
    from norte.web.snapshots import ensure_published

    db = accounts_path.parent / "norte.duckdb"
    Store(db).close()
    ensure_published(db)  # the app reads read snapshots only
    return web.create_app(db, accounts=accounts_path), {}


@pytest.fixture
def reset_resolver() -> Iterator[None]:
    yield
    set_resolver(None)


def test_matrix_over_the_accounts_routes(tmp_path: Path, reset_resolver: None) -> None:
    problems = check_matrix(accounts_app, tmp_path)
    assert not problems, "\n".join(problems)


def test_matrix_over_the_whole_app(tmp_path: Path, reset_resolver: None) -> None:
    problems = check_matrix(full_app, tmp_path)
    assert not problems, "\n".join(problems)


def test_matrix_catches_a_wrong_declaration(tmp_path: Path, reset_resolver: None) -> None:
    """The matrix fails when a route's behaviour does not match its declaration: a route
    declared for editors whose handler is reachable by viewers is reported."""

    def lax_app(accounts_path: Path) -> tuple[FastAPI, dict[str, str]]:
        app, params = accounts_app(accounts_path)
        lax = allow(Role.VIEWER)
        strict = allow(Role.EDITOR)

        @app.get("/api/v1/lax", dependencies=[Depends(lax)])
        def lax_route() -> dict[str, str]:
            return {}

        # claim the stricter declaration on the route without enforcing it
        route = next(r for r in app.routes if isinstance(r, APIRoute) and r.path == "/api/v1/lax")
        route.dependant.dependencies[0].call = _claims(strict, lax)
        return app, params

    problems = check_matrix(lax_app, tmp_path)
    assert problems and all("/api/v1/lax" in p for p in problems)
    assert any("viewer (session)" in p for p in problems)


def _claims(
    declared: Callable[..., object], enforced: Callable[..., object]
) -> Callable[..., object]:
    """``enforced`` wearing ``declared``'s access declaration."""
    from norte.web.access import _ACCESS_ATTR

    def dependency(request: object) -> object:
        return enforced(request)

    setattr(dependency, _ACCESS_ATTR, getattr(declared, _ACCESS_ATTR))
    return dependency


def test_matrix_walks_the_admin_pages(tmp_path: Path, reset_resolver: None) -> None:
    """The admin pages are in the table the matrix walks (nothing to register by hand), and
    their declarations refuse another organisation's admin and a token without ``admin``."""
    populate(tmp_path / "a.sqlite")
    app, _ = accounts_app(tmp_path / "a.sqlite")
    routes = {(m, r.path): r for r in app.routes if isinstance(r, APIRoute) for m in r.methods}
    admin_routes = [
        ("GET", "/orgs/{org}/admin"),
        ("GET", "/orgs/{org}/tokens.json"),
        ("POST", "/orgs/{org}/users"),
        ("POST", "/orgs/{org}/users/{user_id}/role"),
        ("POST", "/orgs/{org}/users/{user_id}/disable"),
        ("POST", "/orgs/{org}/tokens"),
        ("POST", "/orgs/{org}/tokens/{token_id}/revoke"),
    ]
    by_name = {c.name: c for c in CALLERS}
    for key in admin_routes:
        route = routes[key]
        assert expected(route, by_name["other-org admin (session)"]) == 403, key
        assert expected(route, by_name["editor (session)"]) == 403, key
        assert expected(route, by_name["admin (session)"]) is None, key
        if key[0] == "POST":
            assert expected(route, by_name["admin (token)"]) == 403, key  # no admin scope
            assert expected(route, by_name["admin (admin token)"]) is None, key
