"""The one handler that renders every error.

Every error leaves the service as ``application/problem+json`` (RFC 9457) with a stable ``code``; framework
errors (validation, unknown route, wrong method) are translated into the tree first, so clients only ever
see one shape.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from ..errors import (
    AssistantError,
    InvalidJson,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
)

log = logging.getLogger("assistant.api")
PROBLEM = "application/problem+json"


def as_problem(exc: Exception) -> AssistantError:
    """Translate anything raised while handling a request into the error tree."""
    if isinstance(exc, AssistantError):
        return exc
    if isinstance(exc, RequestValidationError):
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type"))}
                  for e in exc.errors()]
        if any(e["type"] == "json_invalid" for e in errors):
            return InvalidJson("the body could not be parsed as JSON", errors=errors)
        where = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
        return InvalidRequest(where or "invalid request", errors=errors)
    if isinstance(exc, HTTPException):
        return _from_http(exc)
    log.error("unhandled error", exc_info=exc)
    return AssistantError("an unexpected error occurred; it has been logged")


# What the body parser's causes mean to a client (FastAPI answers them all with a bare 400).
_UNPARSABLE = ((UnicodeDecodeError, "the body is not UTF-8 text; send JSON encoded as UTF-8"),
               (RecursionError, "the JSON is nested too deeply"),
               (ValueError, "the JSON could not be read (a number too long to convert?)"))


def _from_http(exc: HTTPException) -> AssistantError:
    """Starlette's and FastAPI's own errors, as codes of the table. FastAPI raises 400 only when the body
    parser fails on something other than JSON syntax (another charset, deep nesting, a 5,000-digit number)."""
    headers = dict(exc.headers or {})
    if exc.status_code == 400:
        cause = exc.__cause__
        detail = next((text for kind, text in _UNPARSABLE if isinstance(cause, kind)),
                      "the body could not be parsed as JSON")
        return InvalidJson(detail, headers=headers)
    by_status: dict[int, type[AssistantError]] = {404: NotFound, 405: MethodNotAllowed, 413: PayloadTooLarge}
    cls = by_status.get(exc.status_code)
    if cls is not None:
        return cls(str(exc.detail), headers=headers)
    log.error("HTTP error %s outside the error table: %s", exc.status_code, exc.detail)
    return AssistantError("an unexpected error occurred; it has been logged")


def problem_response(error: AssistantError, path: str) -> JSONResponse:
    body: dict[str, Any] = {"type": f"/problems/{error.code}", "title": error.title, "status": error.status,
                            "detail": error.detail, "code": error.code, "instance": path}
    body.update(error.extra)
    return JSONResponse(body, status_code=error.status, media_type=PROBLEM, headers=error.headers or None)


async def handle_error(request: Request, exc: Exception) -> Response:
    """The one place errors are rendered."""
    error = as_problem(exc)
    if error.status == 405:
        error.headers["Allow"] = ", ".join(allowed_methods(request))
    return problem_response(error, request.url.path)


def allowed_methods(request: Request) -> list[str]:
    """Every method of every route on this path: Starlette's `Allow` names only the first route's (a path with a
    GET and a POST route of its own answered OPTIONS with `Allow: POST`)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "\x00"})
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install_error_handler(app: FastAPI) -> None:
    for cls in (AssistantError, RequestValidationError, HTTPException, Exception):
        app.add_exception_handler(cls, handle_error)
