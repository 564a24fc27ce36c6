"""The accounts layer's HTTP pieces: who the caller is (:func:`make_resolver`, installed
into :mod:`norte.web.access`), the session cookie, and CSRF protection.

**Cookies.** Over TLS the session cookie is ``__Host-norte_session`` (``Secure``,
``HttpOnly``, ``SameSite=Lax``, ``Path=/``, no ``Domain``: browsers then guarantee it was set
by this very origin). Browsers refuse ``Secure`` cookies, hence ``__Host-`` ones, from a
plain-http page, so on plain http to ``127.0.0.1`` / ``localhost`` / ``::1`` (a developer's
``norte serve``) the cookie is ``norte_session``, same flags without ``Secure``. Plain http
to any other host gets no session at all: sign-in says to serve over HTTPS (behind a TLS
proxy, run uvicorn with ``--proxy-headers`` so the request's scheme is ``https``).

**CSRF.** Every state-changing request (POST, PUT, PATCH, DELETE) that does not carry an
``Authorization`` header (cookies are the only ambient credential) passes two checks:
:class:`CSRFMiddleware` refuses it (403) when the browser says it comes from elsewhere
(``Sec-Fetch-Site`` other than ``same-origin``/``none``, or an ``Origin`` that is not this
server's); and the account routes require the session's CSRF token in the form (``csrf``)
or the ``X-CSRF-Token`` header (sign-in, before a session exists: a double-submit cookie).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any, cast

from fastapi import HTTPException, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from norte.accounts import Accounts
from norte.accounts import sessions as ses
from norte.accounts import tokens as tok
from norte.web.access import ANONYMOUS, Principal, Resolver

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SECURE_SESSION = "__Host-norte_session"
LOCAL_SESSION = "norte_session"
_MISSING = object()
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_tls(request: Request) -> bool:
    return request.url.scheme == "https"


def cookie_name(request: Request, base: str = "norte_session") -> str | None:
    """The cookie name for this request: ``__Host-`` over TLS, plain on http to a loopback
    host, None (no cookies) on plain http elsewhere."""
    if is_tls(request):
        return "__Host-" + base
    if (request.url.hostname or "").strip("[]") in LOCAL_HOSTS:
        return base
    return None


def set_cookie(response: Response, request: Request, base: str, value: str, max_age: int) -> None:
    name = cookie_name(request, base)
    assert name is not None
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=is_tls(request),
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, request: Request, base: str) -> None:
    name = cookie_name(request, base)
    if name is not None:
        response.delete_cookie(
            name, path="/", secure=is_tls(request), httponly=True, samesite="lax"
        )


def session_of(request: Request, acc: Accounts) -> ses.Session | None:
    """The live session the request's cookie names (cached on the request)."""
    cached = getattr(request.state, "norte_session", _MISSING)
    if cached is not _MISSING:
        return cast("ses.Session | None", cached)
    name = cookie_name(request)
    secret = request.cookies.get(name) if name else None
    found = ses.lookup(acc.con, secret) if secret else None
    request.state.norte_session = found
    return found


def make_resolver(acc: Accounts) -> Resolver:
    """Who calls: a ``Bearer`` API token (a bad, expired or revoked one is a 401, never a
    silent anonymous), else the session cookie, else anonymous."""

    def resolve(request: Request) -> Principal:
        auth = request.headers.get("authorization")
        if auth:
            scheme, _, secret = auth.partition(" ")
            found = (
                tok.verify(acc.con, secret.strip(), "api") if scheme.lower() == "bearer" else None
            )
            if found is None:
                raise HTTPException(
                    401,
                    "the API token is unknown, expired or revoked — ask an admin for a new one "
                    "('norte tokens create')",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            user, scopes = found
            return Principal(user.level, user.id, user.org_id, user.org, "token", frozenset(scopes))
        s = session_of(request, acc)
        if s is None:
            return ANONYMOUS
        u = s.user
        return Principal(u.level, u.id, u.org_id, u.org, "session", frozenset())

    return resolve


def new_csrf() -> str:
    return secrets.token_urlsafe(32)


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def _own_origin(scope: Scope, headers: dict[str, str]) -> str:
    scheme = scope.get("scheme", "http")
    host = headers.get("host", "")
    return f"{scheme}://{host}".lower()


def cross_site_reason(scope: Scope) -> str | None:
    """Why this state-changing request looks cross-site, or None."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    if "authorization" in headers:
        return None  # a token is no ambient credential
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"the browser says this request comes from another site (Sec-Fetch-Site: {site})"
    origin = headers.get("origin")
    if origin is not None and origin.lower() != _own_origin(scope, headers):
        return f"the request comes from {origin}, not from this site"
    return None


class CSRFMiddleware:
    """Refuse (403) state-changing requests a browser sent from another site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE:
            why = cross_site_reason(scope)
            if why is not None:
                body: dict[str, Any] = {
                    "error": {
                        "status": 403,
                        "code": "csrf",
                        "message": f"refused: {why} — nothing was changed; use the form on "
                        "this site",
                    }
                }
                await JSONResponse(body, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)
