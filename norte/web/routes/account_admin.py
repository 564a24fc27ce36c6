"""An organisation's admin in the browser: its users (add, change role, disable) and their API
tokens (create — shown once —, revoke), at ``/orgs/ORG/admin``.

The routes call the functions of ``norte users`` / ``norte tokens``
(:mod:`norte.accounts.users`, :mod:`norte.accounts.tokens`): the same rules (passwords of at
least 12 characters, roles, the last admin of an organisation kept, tokens expiring in 1–365
days, stored as sha256). Only the organisation's own admins may call them
(``allow(Role.ADMIN, same_org=True)``; an API token also needs the ``admin`` scope to change
anything), and a user or token of another organisation is a 404, as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from norte.accounts import tokens as tok
from norte.accounts import users as usr
from norte.errors import UsageError
from norte.web.access import Principal, Role, allow
from norte.web.routes.account_pages import (
    ORG_ADMIN,
    accounts,
    back,
    body,
    page,
    text,
    wants_json,
)

log = logging.getLogger("norte.accounts")
router = APIRouter()
ORG_ADMIN_CHANGE = allow(Role.ADMIN, same_org=True, scope="admin")
_CHANGE = [Depends(ORG_ADMIN_CHANGE)]
OrgAdminChange = Annotated[Principal, Depends(ORG_ADMIN_CHANGE)]


def _day(t: float | None) -> str:
    return "" if t is None else dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d")


def _admin_page(
    request: Request, org: str, status: int = 200, *, error: str = "", secret: str = ""
) -> Response:
    con = accounts(request).con
    people = usr.org_users(con, org)
    tokens = [
        t.as_dict() | {"expires": _day(t.expires_at), "last_used": _day(t.last_used_at)}
        for t in tok.org_tokens(con, org)
    ]
    resp = page(
        request,
        "account_admin.html",
        status,
        org=org,
        people=people,
        tokens=tokens,
        roles=tuple(usr.ROLES),
        scopes=tok.SCOPES,
        error=error,
        secret=secret,
        max_days=tok.MAX_DAYS,
        default_days=tok.DEFAULT_DAYS,
    )
    if secret:
        resp.headers["Cache-Control"] = "no-store"
    return resp


def _refused(request: Request, org: str, e: UsageError) -> Response:
    """A rule of ``norte users`` / ``norte tokens`` refused the change: nothing was written."""
    if wants_json(request):
        return JSONResponse({"error": {"status": 422, "message": str(e)}}, 422)
    return _admin_page(request, org, 422, error=text(request).t("acct_err_field", detail=str(e)))


def _member(request: Request, org: str, user_id: int) -> usr.User:
    """User ``user_id`` of ``org``; another organisation's user is a 404 (never disclosed)."""
    u = usr.get_user(accounts(request).con, user_id)
    if u is None or u.org != org:
        raise HTTPException(404, f"no user {user_id} in {org}")
    return u


@router.get("/orgs/{org}/admin", dependencies=[Depends(ORG_ADMIN)], response_class=HTMLResponse)
def admin(request: Request, org: str) -> Response:
    return _admin_page(request, org)


@router.get("/orgs/{org}/tokens.json", dependencies=[Depends(ORG_ADMIN)])
def org_tokens(request: Request, org: str) -> list[dict[str, Any]]:
    """The organisation's API tokens (never their secrets)."""
    return [t.as_dict() for t in tok.org_tokens(accounts(request).con, org)]


@router.post("/orgs/{org}/users", dependencies=_CHANGE)
async def add_user(request: Request, org: str, who: OrgAdminChange) -> Response:
    data = await body(request, who)
    email, role = str(data.get("email", "")).strip(), str(data.get("role", "viewer"))
    try:
        u = usr.add_user(
            accounts(request).con, email, str(data.get("password", "")), org, role, None
        )
    except UsageError as e:
        return _refused(request, org, e)
    log.info("user %s added to %s as %s by user %s", u.email, org, u.role, who.user_id)
    if wants_json(request):
        return JSONResponse({"id": u.id, "email": u.email, "role": u.role}, 201)
    role_name = text(request).role(u.role)
    return back(request, f"/orgs/{org}/admin", "acct_user_added", email=u.email, role=role_name)


@router.post("/orgs/{org}/users/{user_id}/role", dependencies=_CHANGE)
async def change_role(request: Request, org: str, user_id: int, who: OrgAdminChange) -> Response:
    data = await body(request, who)
    member = _member(request, org, user_id)
    try:
        u = usr.set_role(accounts(request).con, member.email, str(data.get("role", "")))
    except UsageError as e:
        return _refused(request, org, e)
    log.info("user %s of %s made %s by user %s", u.email, org, u.role, who.user_id)
    if wants_json(request):
        return JSONResponse({"id": u.id, "email": u.email, "role": u.role})
    role_name = text(request).role(u.role)
    return back(request, f"/orgs/{org}/admin", "acct_role_changed", email=u.email, role=role_name)


@router.post("/orgs/{org}/users/{user_id}/disable", dependencies=_CHANGE)
async def disable(request: Request, org: str, user_id: int, who: OrgAdminChange) -> Response:
    await body(request, who)
    member = _member(request, org, user_id)
    try:
        u = usr.disable_user(accounts(request).con, member.email)
    except UsageError as e:
        return _refused(request, org, e)
    log.info("user %s of %s disabled by user %s", u.email, org, who.user_id)
    if wants_json(request):
        return JSONResponse({"id": u.id, "email": u.email, "disabled": u.disabled})
    return back(request, f"/orgs/{org}/admin", "acct_user_disabled", email=u.email)


@router.post("/orgs/{org}/tokens", dependencies=_CHANGE)
async def create_token(request: Request, org: str, who: OrgAdminChange) -> Response:
    """A new API token for a user of the organisation, shown once in the answer."""
    data = await body(request, who)
    con = accounts(request).con
    email = str(data.get("email", "")).strip()
    member = usr.find_user(con, email)
    try:
        if member is None or member.org != org:
            raise UsageError(f"no user {email!r} in {org} — the list above shows its users")
        raw = data.get("scopes")
        picked = ",".join(raw) if isinstance(raw, list) else str(raw or "")
        picked = picked or ",".join(s for s in tok.SCOPES if data.get(f"scope_{s}"))
        scopes = tok.parse_scopes(picked)
        days_text = str(data.get("days") or tok.DEFAULT_DAYS)
        if not days_text.isdigit():
            raise UsageError(f"days {days_text!r}: expected a whole number of days, 1 to 365")
        name = str(data.get("name") or "api")
        secret, info = tok.create_api(con, email, name, scopes, int(days_text))
    except UsageError as e:
        return _refused(request, org, e)
    log.info("token %s created for %s by user %s", info.id, info.user_email, who.user_id)
    if wants_json(request):
        resp: Response = JSONResponse(info.as_dict() | {"token": secret}, 201)
        resp.headers["Cache-Control"] = "no-store"
        return resp
    return _admin_page(request, org, 201, secret=secret)


@router.post("/orgs/{org}/tokens/{token_id}/revoke", dependencies=_CHANGE)
async def revoke_token(request: Request, org: str, token_id: int, who: OrgAdminChange) -> Response:
    await body(request, who)
    con = accounts(request).con
    if tok.token_org(con, token_id) != org:
        raise HTTPException(404, f"no token {token_id} in {org}")
    info = tok.revoke(con, token_id)
    log.info("token %s of %s revoked by user %s", info.id, info.user_email, who.user_id)
    if wants_json(request):
        return JSONResponse(info.as_dict())
    return back(request, f"/orgs/{org}/admin", "acct_token_revoked_msg", id=info.id)
