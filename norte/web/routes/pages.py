"""The site's pages, served at the paths the static site has (``/goal-3.html``,
``/es/goal-3.html``, ``/data/<chart>.csv``, ``/charts/<chart>.svg``), so its relative links
work as they do from disk; each page ``X.html`` has its JSON twin ``X.json``. Friendly paths:
``/goals/3`` redirects to ``/goal-3.html``, ``/goals/3.json`` is its twin; every chart's data is
also at ``/charts/<chart>.csv``, whatever page and language it is on.

Pages come from the site rendered for a snapshot (:mod:`norte.web.site`); a response says
which snapshot in its ETag. This router must be included last: its catch-all route would
shadow any route after it.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path, PurePosixPath

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from norte.web.access import Role, allow
from norte.web.errors import ApiError
from norte.web.params import snapshot_of
from norte.web.site import RenderedSite, SiteCache

router = APIRouter(dependencies=[Depends(allow(Role.ANONYMOUS))], include_in_schema=False)

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".svg": "image/svg+xml",
    ".atom": "application/atom+xml",
}


def _site(request: Request) -> RenderedSite:
    cache: SiteCache = request.app.state.sites
    snap = snapshot_of(request)
    return cache.get(snap.id, snap.path)


def _file(site: RenderedSite, rel: str) -> Path | None:
    """The file ``rel`` of the rendered site, or None (nothing outside the site's folder)."""
    parts = PurePosixPath(rel).parts
    if any(p in ("..", "") or p.startswith(".") for p in parts):
        return None
    path = site.root.joinpath(*parts)
    return path if path.is_file() else None


def serve(request: Request, rel: str) -> Response:
    site = _site(request)
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    path = _file(site, rel)
    if path is None and "." not in PurePosixPath(rel).name:
        # ``/es`` → ``/es/``, like a static file server
        if _file(site, rel + "/index.html") is not None:
            return RedirectResponse(request.url.path + "/", status_code=308)
    if path is None:
        raise ApiError(404, f"no page {'/' + rel!r} on this site — start at /", kind="not_found")
    kind = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    return Response(
        path.read_bytes(),
        media_type=kind or "application/octet-stream",
        headers={"ETag": f'"{site.snapshot_id}"'},
    )


@router.get("/charts/{chart_id}.csv")
def chart_csv(request: Request, chart_id: str) -> Response:
    """The data of chart ``chart_id`` — of any page, in any language — as the site writes
    it (``data/<id>.csv``, the file each chart's "Data (CSV)" link downloads): the rows its
    SVG is drawn from (labels in the site's first language: the file is written once)."""
    return serve(request, f"data/{chart_id}.csv")


@router.get("/goals/{number}.json")
def goal_twin(request: Request, number: str) -> Response:
    return serve(request, f"goal-{number}.json")


@router.get("/goals/{number}")
def goal_page(number: str) -> Response:
    return RedirectResponse(f"/goal-{number}.html", status_code=308)


@router.get("/{rel:path}")
def page(request: Request, rel: str) -> Response:
    return serve(request, rel)
