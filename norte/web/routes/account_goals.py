"""An organisation's own goals in the browser: list (viewers of the organisation), add and
edit with the validation of ``norte goals add`` (errors shown next to the field), publish
and withdraw (editors). Drafts are the organisation's; published goals reach the board
through :func:`norte.accounts.published_goals`."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from norte.accounts import goals as gls
from norte.goals import load_shared
from norte.web.access import Principal, Role
from norte.web.routes.account_i18n import href, lang_of
from norte.web.routes.account_pages import (
    ORG_EDITOR,
    ORG_EDITOR_CHANGE,
    ORG_VIEWER,
    OrgEditorChange,
    OrgViewer,
    accounts,
    back,
    body,
    is_json,
    page,
    text,
    user_of,
    wants_json,
)

log = logging.getLogger("norte.accounts")
router = APIRouter()


@cache
def _parents(lang: str) -> list[tuple[int, str]]:
    """The shared goals a stakeholder goal may sit under: number and title in ``lang``."""
    return [
        (g.number, g.title.get(lang) or g.title["en"])
        for g in load_shared()
        if g.number is not None
    ]


def _form(
    request: Request,
    org: str,
    goal_id: str | None,
    form: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    action = f"/orgs/{org}/goals" + (f"/{goal_id}" if goal_id else "")
    return page(
        request,
        "account_goal_form.html",
        status,
        form=form,
        errors=errors,
        goal_id=goal_id,
        action=href(request, action),
        parents=_parents(lang_of(request)),
    )


def _missing(org: str, goal_id: str) -> HTTPException:
    return HTTPException(404, f"no goal {goal_id!r} in {org}")


@router.get("/orgs/{org}/goals", dependencies=[Depends(ORG_VIEWER)], response_class=HTMLResponse)
def org_goals(request: Request, org: str, who: OrgViewer) -> Response:
    goals = gls.org_goals(accounts(request).con, org)
    can_edit = who.role >= Role.EDITOR
    return page(request, "account_goals.html", org=org, goals=goals, can_edit=can_edit)


@router.get("/orgs/{org}/goals.json", dependencies=[Depends(ORG_VIEWER)])
def org_goals_json(request: Request, org: str) -> list[dict[str, Any]]:
    return [g.as_dict() for g in gls.org_goals(accounts(request).con, org)]


@router.get(
    "/orgs/{org}/goals/new", dependencies=[Depends(ORG_EDITOR)], response_class=HTMLResponse
)
def new_goal(request: Request, org: str) -> Response:
    return _form(request, org, None, {k: "" for k in gls.FORM_FIELDS} | {"parent": "3"}, {})


async def _save(request: Request, org: str, who: Principal, goal_id: str | None) -> Response:
    data = await body(request, who)
    spec = dict(data) if is_json(request) else gls.spec_from_form(data)
    spec = {k: v for k, v in spec.items() if k not in ("csrf", "owner")}
    try:
        stored = gls.save(accounts(request).con, user_of(request, who), spec, goal_id)
    except gls.GoalFormError as e:
        if wants_json(request):
            err = {"status": 422, "field": e.field, "message": e.message}
            return JSONResponse({"error": err}, 422)
        form = {k: str(data.get(k, "")) for k in gls.FORM_FIELDS}
        error = text(request).t("acct_err_field", detail=e.message)
        return _form(request, org, goal_id, form, {e.field: error}, 422)
    log.info("goal %s saved by user %s (%s)", stored.goal_id, who.user_id, org)
    if wants_json(request):
        return JSONResponse(stored.as_dict(), 201 if goal_id is None else 200)
    return back(request, f"/orgs/{org}/goals", "acct_saved_draft", id=stored.goal_id)


@router.post("/orgs/{org}/goals", dependencies=[Depends(ORG_EDITOR_CHANGE)])
async def create_goal(request: Request, org: str, who: OrgEditorChange) -> Response:
    return await _save(request, org, who, None)


@router.get("/orgs/{org}/goals/{goal_id}.json", dependencies=[Depends(ORG_VIEWER)])
def goal_json(request: Request, org: str, goal_id: str) -> dict[str, Any]:
    g = gls.get_goal(accounts(request).con, org, goal_id)
    if g is None:
        raise _missing(org, goal_id)
    return g.as_dict()


@router.get(
    "/orgs/{org}/goals/{goal_id}/edit",
    dependencies=[Depends(ORG_EDITOR)],
    response_class=HTMLResponse,
)
def edit_goal(request: Request, org: str, goal_id: str) -> Response:
    g = gls.get_goal(accounts(request).con, org, goal_id)
    if g is None:
        raise _missing(org, goal_id)
    return _form(request, org, goal_id, gls.form_from_spec(g.spec), {})


@router.post("/orgs/{org}/goals/{goal_id}", dependencies=[Depends(ORG_EDITOR_CHANGE)])
async def update_goal(request: Request, org: str, goal_id: str, who: OrgEditorChange) -> Response:
    if gls.get_goal(accounts(request).con, org, goal_id) is None:
        raise _missing(org, goal_id)
    return await _save(request, org, who, goal_id)


async def _state(request: Request, org: str, goal_id: str, who: Principal, state: str) -> Response:
    await body(request, who)
    g = gls.set_state(accounts(request).con, user_of(request, who), goal_id, state)
    if g is None:
        raise _missing(org, goal_id)
    log.info("goal %s %s by user %s", goal_id, state, who.user_id)
    if wants_json(request):
        return JSONResponse(g.as_dict())
    done = "acct_goal_published" if state == "published" else "acct_goal_withdrawn"
    return back(request, f"/orgs/{org}/goals", done, id=goal_id)


@router.post("/orgs/{org}/goals/{goal_id}/publish", dependencies=[Depends(ORG_EDITOR_CHANGE)])
async def publish_goal(request: Request, org: str, goal_id: str, who: OrgEditorChange) -> Response:
    return await _state(request, org, goal_id, who, "published")


@router.post("/orgs/{org}/goals/{goal_id}/withdraw", dependencies=[Depends(ORG_EDITOR_CHANGE)])
async def withdraw_goal(request: Request, org: str, goal_id: str, who: OrgEditorChange) -> Response:
    return await _state(request, org, goal_id, who, "draft")
