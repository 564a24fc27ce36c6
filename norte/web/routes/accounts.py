"""Sign-in and out, the account page (watch list, Atom feed address) and the personal Atom
feed; with :mod:`norte.web.routes.account_goals`, an organisation's own goals. :func:`install`
mounts both routers on the web app and installs the caller resolver and CSRF middleware.

Every page has a JSON twin (``/me.json``, ``/orgs/ORG/goals.json``, ``/orgs/ORG/goals/ID.json``);
the POST routes take a form or, with ``Content-Type: application/json``, a JSON body, and
answer JSON when asked (``Accept: application/json``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from norte.accounts import Accounts, throttle
from norte.accounts import sessions as ses
from norte.accounts import tokens as tok
from norte.accounts import watches as wat
from norte.accounts.users import WrongPassword, authenticate, list_users
from norte.accounts.users import change_password as change_pw
from norte.accounts.web import (
    CSRFMiddleware,
    clear_cookie,
    cookie_name,
    make_resolver,
    new_csrf,
    same,
    set_cookie,
)
from norte.errors import UsageError
from norte.web.access import Principal, set_resolver
from norte.web.routes.account_i18n import LanguagePrefix, href
from norte.web.routes.account_pages import (
    ORG_ADMIN,
    PUBLIC,
    VIEWER,
    VIEWER_CHANGE,
    Viewer,
    ViewerChange,
    accounts,
    back,
    body,
    page,
    text,
    user_of,
    wants_json,
)

log = logging.getLogger("norte.accounts")
router = APIRouter()
KINDS = ("series", "indicator", "light", "partner")  # labels: acct_kind_<kind>
CSRF_COOKIE = "norte_csrf"


def _local(request: Request, path: str) -> str:
    """``path`` if it is a path of this site (no open redirect), else ``/me`` (in the
    request's language)."""
    ok = path.startswith("/") and not path.startswith("//") and "\\" not in path
    return path if ok else href(request, "/me")


def _signin_page(
    request: Request, status: int, nxt: str, email: str, error: str, headers: dict[str, str]
) -> Response:
    """The sign-in form with a fresh double-submit CSRF token (cookie + hidden field)."""
    if cookie_name(request) is None:
        error = text(request).t("acct_err_tls")
        return page(request, "account_signin.html", 400, csrf="", next=nxt, email="", error=error)
    token = new_csrf()
    resp = page(
        request, "account_signin.html", status, csrf=token, next=nxt, email=email, error=error
    )
    set_cookie(resp, request, CSRF_COOKIE, token, 3600)
    resp.headers.update(headers)
    return resp


@router.get("/signin", dependencies=[PUBLIC], response_class=HTMLResponse)
def signin_form(request: Request, next: str = "") -> Response:
    return _signin_page(request, 200, _local(request, next), "", "", {})


@router.post("/signin", dependencies=[PUBLIC])
async def signin(request: Request) -> Response:
    acc = accounts(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    email, password = form.get("email", "").strip(), form.get("password", "")
    nxt = _local(request, form.get("next", ""))
    t = text(request).t
    name = cookie_name(request)
    if name is None:
        return _signin_page(request, 400, nxt, email, t("acct_err_tls"), {})
    if not same(form.get("csrf"), request.cookies.get(cookie_name(request, CSRF_COOKIE) or "")):
        # a missing or forged double-submit token: a bad request, not an authorization answer
        return _signin_page(request, 400, nxt, email, t("acct_err_expired"), {})
    address = request.client.host if request.client else "unknown"
    refusal = throttle.check(acc.con, email, address)
    if refusal is not None:
        log.warning("sign-in throttled for %s from %s", email, address)
        headers = {"Retry-After": str(refusal.retry_after)}
        why = t(
            f"acct_err_throttled_{refusal.per}", limit=refusal.limit, window=throttle.WINDOW // 60
        )
        wait = (
            t("acct_retry_in_one")
            if refusal.minutes == 1
            else t("acct_retry_in", minutes=refusal.minutes)
        )
        message = f"{why} {wait}"
        return _signin_page(request, 429, nxt, email, message, headers)
    # Argon2 takes tens of milliseconds: off the event loop (each thread has its connection)
    user = await run_in_threadpool(lambda: authenticate(acc.con, email, password))
    if user is None:
        throttle.failed(acc.con, email, address)
        log.info("sign-in failed for %s from %s", email, address)
        return _signin_page(request, 401, nxt, email, t("acct_err_wrong"), {})
    throttle.succeeded(acc.con, email)
    # a new session id at every sign-in; the one the browser brought (if any) is deleted
    session = ses.create(acc.con, user, replaces=request.cookies.get(name))
    log.info("signed in %s (%s of %s)", user.email, user.role, user.org)
    resp = RedirectResponse(nxt, 303)
    set_cookie(resp, request, "norte_session", session.secret, ses.LIFETIME)
    clear_cookie(resp, request, CSRF_COOKIE)
    return resp


@router.post("/signout", dependencies=[Depends(VIEWER)])
async def signout(request: Request, who: Viewer) -> Response:
    await body(request, who)
    name = cookie_name(request)
    secret = request.cookies.get(name) if name else None
    if secret:
        ses.end(accounts(request).con, secret)
    resp = back(request, "/signin", "acct_signed_out")
    clear_cookie(resp, request, "norte_session")
    return resp


def _me(request: Request, who: Principal, status: int = 200, **extra: Any) -> Response:
    acc = accounts(request)
    user = user_of(request, who)
    feeds = [t for t in tok.list_tokens(acc.con, user.email) if t.kind == "feed"]
    ctx = {
        "watches": wat.list_watches(acc.con, user.id),
        "has_feed": any(t.state() == "active" for t in feeds),
        "kinds": KINDS,
        "form": {"kind": "series", "target": ""},
        "error": "",
        "feed_url": "",
        "password_error": "",
        "lifetime_days": ses.LIFETIME // 86400,
        "idle_hours": ses.IDLE // 3600,
    } | extra
    return page(request, "account_me.html", status, **ctx)


@router.get("/me", dependencies=[Depends(VIEWER)], response_class=HTMLResponse)
def me(request: Request, who: Viewer) -> Response:
    return _me(request, who)


@router.get("/me.json", dependencies=[Depends(VIEWER)])
def me_json(request: Request, who: Viewer) -> dict[str, Any]:
    user = user_of(request, who)
    return {
        "email": user.email,
        "org": user.org,
        "org_name": user.org_name,
        "role": user.role,
        "via": who.via,
        "watches": [w.as_dict() for w in wat.list_watches(accounts(request).con, user.id)],
    }


@router.post("/me/watches", dependencies=[Depends(VIEWER_CHANGE)])
async def add_watch(request: Request, who: ViewerChange) -> Response:
    data = await body(request, who)
    kind, target = str(data.get("kind", "")), str(data.get("target", ""))
    try:
        w = wat.add(accounts(request).con, user_of(request, who).id, kind, target)
    except wat.WatchError as e:
        if wants_json(request):
            err = {"status": 422, "field": "target", "message": str(e)}
            return JSONResponse({"error": err}, 422)
        names = ", ".join(wat.SERIES_DIMS)
        error = text(request).t(f"acct_watch_err_{e.key}", target=e.target, names=names)
        return _me(request, who, 422, error=error, form={"kind": kind, "target": target})
    if wants_json(request):
        return JSONResponse(w.as_dict(), 201)
    what = text(request).t(f"acct_kind_{w.kind}")
    return back(request, "/me", "acct_watching", what=what, target=w.target)


@router.post("/me/watches/{watch_id}/delete", dependencies=[Depends(VIEWER_CHANGE)])
async def remove_watch(request: Request, watch_id: int, who: ViewerChange) -> Response:
    await body(request, who)
    if not wat.remove(accounts(request).con, user_of(request, who).id, watch_id):
        raise HTTPException(404, f"you have no watch {watch_id}")
    return (
        Response(status_code=204) if wants_json(request) else back(request, "/me", "acct_removed")
    )


@router.post("/me/feed-token", dependencies=[Depends(VIEWER_CHANGE)])
async def new_feed(request: Request, who: ViewerChange) -> Response:
    """A new feed address (the old one stops), shown once."""
    await body(request, who)
    secret = tok.new_feed_token(accounts(request).con, user_of(request, who))
    url = str(request.url_for("watch_feed").include_query_params(token=secret))
    resp = (
        JSONResponse({"feed_url": url}, 201)
        if wants_json(request)
        else _me(request, who, feed_url=url)
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp


@router.post("/me/feed-token/revoke", dependencies=[Depends(VIEWER_CHANGE)])
async def stop_feed(request: Request, who: ViewerChange) -> Response:
    await body(request, who)
    tok.revoke_feed(accounts(request).con, user_of(request, who))
    return (
        Response(status_code=204)
        if wants_json(request)
        else back(request, "/me", "acct_feed_stopped")
    )


@router.post("/me/password", dependencies=[Depends(VIEWER_CHANGE)])
async def change_password(request: Request, who: ViewerChange) -> Response:
    """A new password (the current one checked, the rules of ``norte users add``): every
    session of the user ends; the browser that asked gets a new one."""
    data = await body(request, who)
    t = text(request).t
    new = str(data.get("new_password", ""))
    acc = accounts(request)
    try:
        if new != str(data.get("new_password_again", new)):
            raise UsageError(t("acct_password_differ"))
        user = await run_in_threadpool(
            lambda: change_pw(acc.con, user_of(request, who).id, str(data.get("current", "")), new)
        )
    except WrongPassword:
        return _password_refused(request, who, t("acct_password_wrong"))
    except UsageError as e:
        message = str(e) if str(e) == t("acct_password_differ") else None
        return _password_refused(request, who, message or t("acct_err_field", detail=str(e)))
    log.info("password changed by %s; its sessions ended", user.email)
    if wants_json(request) or who.via == "token":
        return Response(status_code=204)
    session = ses.create(acc.con, user)
    resp = back(request, "/me", "acct_password_changed")
    set_cookie(resp, request, "norte_session", session.secret, ses.LIFETIME)
    return resp


def _password_refused(request: Request, who: Principal, message: str) -> Response:
    if wants_json(request):
        return JSONResponse(
            {"error": {"status": 422, "field": "password", "message": message}}, 422
        )
    return _me(request, who, 422, password_error=message)


@router.post("/me/sessions/end", dependencies=[Depends(VIEWER_CHANGE)])
async def sign_out_everywhere(request: Request, who: ViewerChange) -> Response:
    """End every session of the user, this browser's included."""
    await body(request, who)
    ended = ses.end_all(accounts(request).con, user_of(request, who).id)
    log.info("user %s signed out of %d sessions", who.user_id, ended)
    if wants_json(request):
        return JSONResponse({"ended": ended})
    resp = back(request, "/signin", "acct_signed_out_all")
    clear_cookie(resp, request, "norte_session")
    return resp


@router.get("/feeds/watches.atom", dependencies=[PUBLIC], name="watch_feed")
def watch_feed(request: Request, token: str = "") -> Response:
    """The personal Atom feed; the token in the URL is the credential (revocable)."""
    acc = accounts(request)
    found = tok.verify(acc.con, token, "feed") if token else None
    if found is None:
        raise HTTPException(
            404, "no such feed — the address was revoked or mistyped; make a new one on /me"
        )
    user = found[0]
    source: wat.WatchSource | None = request.app.state.norte_watch_source
    items = source.feed(wat.list_watches(acc.con, user.id)) if source else []
    feed = wat.atom(f"norte — watched by {user.email}", f"watches/{user.id}", items)
    headers = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}
    return Response(feed, media_type="application/atom+xml", headers=headers)


@router.get("/orgs/{org}/members.json", dependencies=[Depends(ORG_ADMIN)])
def members(request: Request, org: str) -> list[dict[str, Any]]:
    """The organisation's users and roles (its admins only; they manage them on
    ``/orgs/ORG/admin`` or with the CLI)."""
    return [
        {"email": u.email, "role": u.role, "disabled": u.disabled}
        for u in list_users(accounts(request).con)
        if u.org == org
    ]


def install(
    app: FastAPI, accounts_path: Path, *, watch_source: wat.WatchSource | None = None
) -> Accounts:
    """Mount the account routes on ``app``, open (create, upgrade) the accounts file, install
    the caller resolver and the CSRF middleware, and scrub secret query values (the feed
    token) from every log record. ``watch_source`` feeds the personal Atom feeds (the web app
    passes its read snapshot; :func:`norte.accounts.watches.store_source` reads a store)."""
    from norte.fetch.scrub import install_log_redaction
    from norte.web.routes.account_admin import router as admin_router
    from norte.web.routes.account_goals import router as goals_router

    acc = Accounts(accounts_path)
    app.state.norte_accounts = acc
    app.state.norte_watch_source = watch_source
    from norte.web.app import add_routes  # flat: the access check sees every route

    add_routes(app, router)
    add_routes(app, goals_router)
    add_routes(app, admin_router)
    app.add_middleware(CSRFMiddleware)
    app.add_middleware(LanguagePrefix)  # /es/me, /fr/board: the account pages' language
    set_resolver(make_resolver(acc))
    install_log_redaction()
    return acc
