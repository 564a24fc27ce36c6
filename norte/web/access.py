"""Who may call a route: every route of the app declares it, and the app refuses to start if one
does not (:func:`check_every_route_declared`).

A route declares its access with ``dependencies=[allow(Role.VIEWER)]`` (or
``Depends(allow(...))`` as a parameter, to receive the :class:`Principal`). The caller's
principal comes from the resolver the accounts layer installs with :func:`set_resolver`
(session cookie or API token); until one is installed every caller is anonymous.

Roles are ordered: anonymous < viewer < editor < admin. ``same_org=True`` also requires the
route's ``org`` path parameter to be the caller's organisation (admins of another organisation
are refused too: an organisation's data is its own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI, HTTPException, Request
from fastapi.routing import APIRoute

from norte.accounts.roles import Role as Role  # re-exported: the routes import it from here


@dataclass(frozen=True)
class Principal:
    role: Role = Role.ANONYMOUS
    user_id: int | None = None
    org_id: int | None = None
    org: str | None = None  # the organisation's slug
    via: str | None = None  # "session" | "token" | None
    scopes: frozenset[str] = field(default_factory=frozenset)  # token scopes ("read", "goals")


ANONYMOUS = Principal()
Resolver = Callable[[Request], Principal]
_resolver: list[Resolver] = []


def set_resolver(resolver: Resolver | None) -> None:
    """Install (or, with None, remove) the function that says who the caller is."""
    _resolver.clear()
    if resolver is not None:
        _resolver.append(resolver)


def principal(request: Request) -> Principal:
    return _resolver[0](request) if _resolver else ANONYMOUS


_ACCESS_ATTR = "__norte_access__"


def allow(
    role: Role, *, same_org: bool = False, scope: str | None = None
) -> Callable[[Request], Principal]:
    """A dependency admitting callers with at least ``role`` (and the token ``scope``, when the
    caller authenticated with a token); 401 for an anonymous caller, 403 otherwise."""

    def dependency(request: Request) -> Principal:
        who = principal(request)
        if who.role < role:
            status = 401 if who.role == Role.ANONYMOUS else 403
            raise HTTPException(status, "sign in first" if status == 401 else "not allowed")
        if scope and who.via == "token" and scope not in who.scopes:
            raise HTTPException(403, f"this token lacks the '{scope}' scope")
        if same_org and request.path_params.get("org") != who.org:
            raise HTTPException(403, "this belongs to another organisation")
        return who

    setattr(dependency, _ACCESS_ATTR, (role, same_org, scope))
    return dependency


def route_access(route: APIRoute) -> tuple[Role, bool, str | None] | None:
    """The declared (role, same_org, scope) of ``route``, or None when it declares none."""
    for dep in route.dependant.dependencies:
        found = getattr(dep.call, _ACCESS_ATTR, None)
        if found is not None:
            return found  # type: ignore[no-any-return]
    return None


def check_every_route_declared(app: FastAPI) -> None:
    """Raise at start-up if a route of ``app`` does not say who may call it."""
    missing = [
        f"{sorted(r.methods or ())} {r.path}"
        for r in app.routes
        if isinstance(r, APIRoute) and route_access(r) is None
    ]
    if missing:
        raise RuntimeError("routes without an access declaration: " + ", ".join(missing))
