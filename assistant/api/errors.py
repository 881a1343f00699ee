"""HTTP-only errors (same tree as ``assistant.errors``) and the one handler that renders every error.

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

from ..errors import AssistantError

log = logging.getLogger("assistant.api")
PROBLEM = "application/problem+json"


class ApiError(AssistantError):
    """An error with optional response headers and extra problem members."""

    def __init__(self, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.headers = headers or {}
        self.extra = extra


class InvalidJson(ApiError):
    status = 400
    code = "invalid_json"
    title = "The request body is not valid JSON"


class InvalidRequest(ApiError):
    status = 422
    code = "invalid_request"
    title = "The request does not match the API"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"
    title = "A valid API key is required"


class TicketTokenRequired(ApiError):
    status = 401
    code = "ticket_token_required"
    title = "The ticket token is required"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
    title = "This key's role may not do that"


class NotFound(ApiError):
    status = 404
    code = "not_found"
    title = "Nothing here"


class EntryNotFound(ApiError):
    status = 404
    code = "entry_not_found"
    title = "No such knowledge-base entry"


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"
    title = "Method not allowed"


class ReloadInProgress(ApiError):
    status = 409
    code = "reload_in_progress"
    title = "A reload is already running"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"
    title = "The request body is too large"


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"


class UnexpectedError(ApiError):
    status = 500
    code = "internal_error"
    title = "Internal error"


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
        by_status: dict[int, type[ApiError]] = {404: NotFound, 405: MethodNotAllowed, 413: PayloadTooLarge}
        cls = by_status.get(exc.status_code)
        if cls is not None:
            return cls(str(exc.detail), headers=dict(exc.headers or {}))
        error = ApiError(str(exc.detail), headers=dict(exc.headers or {}))
        error.status, error.code, error.title = exc.status_code, f"http_{exc.status_code}", str(exc.detail)
        return error
    log.error("unhandled error", exc_info=exc)
    return UnexpectedError("an unexpected error occurred; it has been logged")


def problem_response(error: AssistantError, path: str) -> JSONResponse:
    body: dict[str, Any] = {"type": f"/problems/{error.code}", "title": error.title, "status": error.status,
                            "detail": error.detail, "code": error.code, "instance": path}
    body.update(getattr(error, "extra", {}))
    return JSONResponse(body, status_code=error.status, media_type=PROBLEM, headers=getattr(error, "headers", None))


async def handle_error(request: Request, exc: Exception) -> Response:
    """The one place errors are rendered."""
    return problem_response(as_problem(exc), request.url.path)


def install_error_handler(app: FastAPI) -> None:
    for cls in (AssistantError, RequestValidationError, HTTPException, Exception):
        app.add_exception_handler(cls, handle_error)
