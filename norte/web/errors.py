"""One error envelope for every error of the web app, as the CLI's ``--json`` one:
``{"error": {"kind", "message", "status"}}`` (plus ``exit_code`` for norte's own errors, the
code the same failure has on the command line, and ``allowed`` for unknown parameters).

The handlers are installed by :func:`install`; anything unexpected becomes a 500 ``internal``
envelope (no traceback to the client). The CORS middleware wraps them, so errors carry the
CORS headers too.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from norte.errors import (
    EXIT_BUSY,
    EXIT_DAMAGED,
    EXIT_INPUT,
    EXIT_NETWORK,
    EXIT_STORE,
    EXIT_SYSTEM,
    NorteError,
)

#: the HTTP status of each class of norte failure (by exit code)
STATUS_OF_EXIT = {
    EXIT_INPUT: 400,
    EXIT_STORE: 503,
    EXIT_BUSY: 503,
    EXIT_DAMAGED: 503,
    EXIT_NETWORK: 502,
    EXIT_SYSTEM: 503,
}

_KIND_OF_STATUS = {
    400: "usage",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    410: "gone",
    429: "too_many_requests",
}


class ErrorDetail(BaseModel):
    kind: str
    message: str
    status: int
    exit_code: int | None = None
    parameter: str | None = None
    allowed: list[str] | None = None


class ErrorEnvelope(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


#: the error answers every API route may give, for the OpenAPI document
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorEnvelope, "description": "bad or unknown parameter"},
    404: {"model": ErrorEnvelope, "description": "no such thing in the store"},
    410: {"model": ErrorEnvelope, "description": "cursor of a snapshot the server moved past"},
    503: {"model": ErrorEnvelope, "description": "the store cannot be read"},
}


def openapi_without_422(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document without FastAPI's 422 answers: invalid parameters are 400s
    here, in the one envelope."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    for path in doc.get("paths", {}).values():
        for op in path.values():
            op.get("responses", {}).pop("422", None)
    for name in ("HTTPValidationError", "ValidationError"):
        doc.get("components", {}).get("schemas", {}).pop(name, None)
    app.openapi_schema = doc
    return doc


class ApiError(HTTPException):
    """An HTTP error with norte's envelope: ``kind`` and optional extra fields."""

    def __init__(self, status: int, message: str, kind: str | None = None, **extra: Any) -> None:
        super().__init__(status, message)
        self.kind = kind or _KIND_OF_STATUS.get(status, "error")
        self.extra = extra


def envelope(status: int, kind: str, message: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"kind": kind, "message": message, "status": status, **extra}
    return JSONResponse({"error": body}, status_code=status)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, ApiError):
        resp = envelope(exc.status_code, exc.kind, str(exc.detail), **exc.extra)
    else:
        kind = _KIND_OF_STATUS.get(exc.status_code, "error")
        resp = envelope(exc.status_code, kind, str(exc.detail))
    for k, v in (exc.headers or {}).items():
        resp.headers[k] = v
    return resp


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body"))
        problems.append(f"{where}: {e.get('msg', 'invalid')}" if where else e.get("msg", ""))
    message = "; ".join(problems) or "invalid request"
    return envelope(400, "usage", message + " — see /openapi.json or /api/docs")


async def norte_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NorteError)
    status = STATUS_OF_EXIT.get(exc.exit_code, 500)
    return envelope(status, exc.kind, str(exc), exit_code=exc.exit_code)


def internal(exc: BaseException) -> JSONResponse:
    """The envelope of an unexpected exception (logged on stderr with its traceback)."""
    traceback.print_exception(exc, file=sys.stderr)
    return envelope(
        500,
        "internal",
        "internal error (a bug in norte) — please report it with the URL you asked for",
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(NorteError, norte_error)
