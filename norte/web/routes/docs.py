"""The API's documentation pages, Swagger UI at ``/api/docs`` and ReDoc at ``/api/redoc``, with
their scripts served from the package (``norte/web/static/docs``, vendored from npm): FastAPI's
stock pages load them from a CDN and are blank offline."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from norte.web.access import Role, allow

router = APIRouter(dependencies=[Depends(allow(Role.ANONYMOUS))], include_in_schema=False)

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
    "redoc.standalone.js": "text/javascript",
}


@router.get("/api/docs")
def swagger() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="norte API",
        swagger_js_url="/api/assets/swagger-ui-bundle.js",
        swagger_css_url="/api/assets/swagger-ui.css",
        swagger_favicon_url="/api/assets/favicon-32x32.png",
    )


@router.get("/api/redoc")
def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="norte API",
        redoc_js_url="/api/assets/redoc.standalone.js",
        redoc_favicon_url="/api/assets/favicon-32x32.png",
        with_google_fonts=False,
    )


@router.get("/api/assets/{name}")
def asset(name: str) -> Response:
    if name not in ASSETS:
        raise HTTPException(404, f"no asset {name!r}")
    data = (resources.files("norte") / "web" / "static" / "docs" / name).read_bytes()
    return Response(data, media_type=ASSETS[name], headers={"Cache-Control": "max-age=86400"})
