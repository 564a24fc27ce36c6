"""What the account routes share: who may call them (the declarations), page rendering with
the account templates (``norte/publish/templates/account_*.html``), request bodies (form or
JSON) with the session's CSRF token checked, redirects after a POST."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from norte.accounts import Accounts
from norte.accounts.users import User, get_user
from norte.accounts.web import same, session_of
from norte.web.access import Principal, Role, allow
from norte.web.routes.account_i18n import AccountText, href, lang_of

PUBLIC = Depends(allow(Role.ANONYMOUS))
VIEWER = allow(Role.VIEWER)
VIEWER_CHANGE = allow(Role.VIEWER, scope="goals")
ORG_VIEWER = allow(Role.VIEWER, same_org=True)
ORG_EDITOR = allow(Role.EDITOR, same_org=True)
ORG_EDITOR_CHANGE = allow(Role.EDITOR, same_org=True, scope="goals")
ORG_ADMIN = allow(Role.ADMIN, same_org=True)
Viewer = Annotated[Principal, Depends(VIEWER)]
ViewerChange = Annotated[Principal, Depends(VIEWER_CHANGE)]
OrgViewer = Annotated[Principal, Depends(ORG_VIEWER)]
OrgEditorChange = Annotated[Principal, Depends(ORG_EDITOR_CHANGE)]

_env = Environment(
    loader=PackageLoader("norte", "publish/templates"), autoescape=select_autoescape(["html"])
)


def accounts(request: Request) -> Accounts:
    acc: Accounts = request.app.state.norte_accounts
    return acc


def user_of(request: Request, who: Principal) -> User:
    """The signed-in user behind ``who`` (a route admitting viewers and up)."""
    assert who.user_id is not None
    u = get_user(accounts(request).con, who.user_id)
    assert u is not None
    return u


def text(request: Request) -> AccountText:
    """The strings of the request's language (``/es/…``, ``/fr/…``: see ``account_i18n``)."""
    return AccountText(lang_of(request))


def page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    """Render an account template in the request's language: ``t("acct_…")``, ``tr``
    (statuses, roles, the language switch), ``href("/me")`` (a link in this language)."""
    s = session_of(request, accounts(request))
    tr = text(request)
    ctx.setdefault("user", s.user if s else None)
    ctx.setdefault("csrf", s.csrf if s else "")
    ctx.setdefault("message", request.query_params.get("message", ""))
    ctx |= {
        "lang": tr.lang,
        "t": tr.t,
        "tr": tr,
        "href": lambda path: href(request, path),
        "languages": tr.languages(request.url.path),
    }
    return HTMLResponse(_env.get_template(name).render(**ctx), status_code=status)


def is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("application/json")


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "") or is_json(request)


async def body(request: Request, who: Principal) -> dict[str, Any]:
    """The request's fields (form or JSON); a session caller must send its CSRF token (form
    field ``csrf`` or header ``X-CSRF-Token``), else 403 and nothing changes."""
    if is_json(request):
        try:
            raw = await request.json()
        except ValueError as e:
            raise HTTPException(400, f"the body is not JSON: {e}") from e
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
    else:
        data = {k: str(v) for k, v in (await request.form()).items()}
    if who.via == "session":
        s = session_of(request, accounts(request))
        sent = request.headers.get("x-csrf-token") or data.get("csrf")
        if s is None or not same(sent, s.csrf):
            raise HTTPException(403, "the form's CSRF token is missing or stale — reload the page")
    return data


def back(request: Request, path: str, key: str = "", **values: object) -> RedirectResponse:
    """See other: ``path`` in the request's language, with the one-line message ``key`` (of
    the catalogs, translated) shown on the page."""
    message = text(request).t(key, **values) if key else ""
    target = href(request, path)
    return RedirectResponse(target + (f"?message={quote(message)}" if message else ""), 303)
