"""The live board of ``norte serve``: the shared goals' lights with, under each, the
stakeholder goals published from the browser (and those registered with ``norte goals add``),
their lights computed on the request's read snapshot. ``/board`` and its twin ``/board.json``.

The static site's goals pages are rendered per snapshot and cannot know a goal published a
minute ago; this page can, because a light is cheap to compute from stored indicator values.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from norte.accounts.goals import published_goals
from norte.goals import Goal, lights, load_shared
from norte.goals.stakeholders import has_tables, stakeholder_goals
from norte.web.params import snapshot_of
from norte.web.routes.account_pages import PUBLIC, page

router = APIRouter(dependencies=[PUBLIC])

#: the colour of each status (the site's traffic lights)
_COLOUR = {"on_track": "green", "at_risk": "amber", "off_track": "red"}


def colour(status: str) -> str:
    return _COLOUR.get(status, "grey")


def board(request: Request) -> list[dict[str, Any]]:
    """The four shared goals, each with its lights and its stakeholder goals' lights."""
    accounts_path = request.app.state.norte_accounts.path
    con = snapshot_of(request).cursor()
    try:
        shared = load_shared()
        others: list[Goal] = stakeholder_goals(con) if has_tables(con) else []
        others += published_goals(accounts_path)
        rows = lights(con, [*shared, *others])
    finally:
        con.close()
    by_goal: dict[str, list[dict[str, Any]]] = {}
    for light in rows:
        d = light.as_dict()
        d["colour"] = colour(light.status.status)
        by_goal.setdefault(light.goal_id, []).append(d)
    out = []
    for g in shared:
        children = [o for o in others if o.parent == g.number]
        out.append(
            {
                "id": g.id,
                "number": g.number,
                "title": g.title,
                "lights": by_goal.get(g.id, []),
                "stakeholder_goals": [
                    {
                        "id": o.id,
                        "owner": o.owner,
                        "title": o.title,
                        "lights": by_goal.get(o.id, []),
                    }
                    for o in children
                ],
            }
        )
    return out


@router.get("/board", response_class=HTMLResponse, summary="The live board (HTML)")
def board_page(request: Request) -> HTMLResponse:
    return page(request, "account_board.html", goals=board(request))


@router.get("/board.json", summary="The live board: shared and stakeholder goals with lights")
def board_json(request: Request) -> dict[str, Any]:
    return {"goals": board(request)}
