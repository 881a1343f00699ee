"""The OpenAPI document, kept to what the service does: every route lists its error answers as
``application/problem+json`` from the one error table (``errors.CODES``), and the limits that come from settings
(how long a question may be, which teams exist) are written into the schemas, so that a request the document
allows is a request the service accepts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ..config import Settings
from ..errors import (
    AssistantError,
    Forbidden,
    IndexUnavailable,
    InvalidJson,
    InvalidRequest,
    PayloadTooLarge,
    RateLimited,
    StoreUnavailable,
    Unauthorized,
)

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SETTING = "x-faq-setting"  # marks a schema whose limit is a setting: filled in when the document is made

# The sets routes compose their `responses=` from.
BODY: tuple[type[AssistantError], ...] = (InvalidJson, InvalidRequest, PayloadTooLarge)
PARAMS: tuple[type[AssistantError], ...] = (InvalidRequest,)
PUBLIC: tuple[type[AssistantError], ...] = (RateLimited,)
KEYED: tuple[type[AssistantError], ...] = (Unauthorized, Forbidden, RateLimited)
STORE: tuple[type[AssistantError], ...] = (StoreUnavailable,)
INDEX: tuple[type[AssistantError], ...] = (IndexUnavailable,)

_HEADERS = {
    429: {"Retry-After": {"description": "seconds to wait", "required": True, "schema": {"type": "integer"}}},
}


def problem_schema() -> dict[str, Any]:
    from ..errors import CODES

    return {
        "type": "object", "title": "Problem", "description": "RFC 9457 problem details with a stable `code`",
        "required": ["type", "title", "status", "detail", "code", "instance"],
        "properties": {
            "type": {"type": "string", "description": "`/problems/<code>`"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string", "description": "what went wrong, for a person"},
            "code": {"type": "string", "enum": sorted(c for c, cls in CODES.items() if not cls.cli_only)},
            "instance": {"type": "string", "description": "the request path"},
            "errors": {"type": "array", "items": {"type": "object"}, "description": "validation errors"},
            "retry_after": {"type": "integer", "description": "with `rate_limited`: seconds to wait"},
        },
    }


def problems(*groups: Iterable[type[AssistantError]]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that may raise these errors (and, as any route may, an internal error)."""
    by_status: dict[int, list[type[AssistantError]]] = {500: [AssistantError]}
    for group in groups:
        for cls in group:
            if cls not in by_status.setdefault(cls.status, []):
                by_status[cls.status].append(cls)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, classes in sorted(by_status.items()):
        text = "; ".join(f"`{c.code}`: {c.title}" for c in sorted(classes, key=lambda c: c.code))
        response: dict[str, Any] = {"description": text, "content": {PROBLEM: {"schema": PROBLEM_REF}}}
        if status in _HEADERS:
            response["headers"] = _HEADERS[status]
        responses[status] = response
    return responses


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Replace ``app.openapi`` with one that builds the document once, as described above."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            _tidy(doc, settings)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _tidy(doc: dict[str, Any], settings: Settings) -> None:
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = problem_schema()
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for operation in (op for item in doc.get("paths", {}).values() for op in item.values()):
        for status, response in operation.get("responses", {}).items():
            if str(status)[0] in "45":  # FastAPI adds its own media type beside ours
                response["content"] = {PROBLEM: {"schema": PROBLEM_REF}}
    fill: dict[str, Callable[[dict[str, Any]], None]] = {
        "max_question_chars": lambda s: s.update(maxLength=settings.max_question_chars),
        "teams": lambda s: s.update(enum=list(settings.teams)),
    }
    _walk(doc, fill)


def _walk(node: Any, fill: dict[str, Callable[[dict[str, Any]], None]]) -> None:
    if isinstance(node, dict):
        setting = node.pop(SETTING, None)
        if setting is not None:
            fill[setting](node)
        for value in node.values():
            _walk(value, fill)
    elif isinstance(node, list):
        for value in node:
            _walk(value, fill)
