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
        by_status: dict[int, type[AssistantError]] = {404: NotFound, 405: MethodNotAllowed, 413: PayloadTooLarge}
        cls = by_status.get(exc.status_code)
        if cls is not None:
            return cls(str(exc.detail), headers=dict(exc.headers or {}))
        error = AssistantError(str(exc.detail), headers=dict(exc.headers or {}))
        error.status, error.code, error.title = exc.status_code, f"http_{exc.status_code}", str(exc.detail)
        return error
    log.error("unhandled error", exc_info=exc)
    return AssistantError("an unexpected error occurred; it has been logged")


def problem_response(error: AssistantError, path: str) -> JSONResponse:
    body: dict[str, Any] = {"type": f"/problems/{error.code}", "title": error.title, "status": error.status,
                            "detail": error.detail, "code": error.code, "instance": path}
    body.update(error.extra)
    return JSONResponse(body, status_code=error.status, media_type=PROBLEM, headers=error.headers or None)


async def handle_error(request: Request, exc: Exception) -> Response:
    """The one place errors are rendered."""
    return problem_response(as_problem(exc), request.url.path)


def install_error_handler(app: FastAPI) -> None:
    for cls in (AssistantError, RequestValidationError, HTTPException, Exception):
        app.add_exception_handler(cls, handle_error)
