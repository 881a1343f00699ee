"""Middleware of every request: its id (for the logs), security headers, and the body limit."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..logs import REQUEST_ID

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdMiddleware:
    """Every request gets an id: the caller's ``X-Request-ID`` when it is a sane token (a proxy's), otherwise a
    new one. It is on every log line written while the request is served, and sent back in ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


class SecurityHeadersMiddleware:
    """Headers every response gets unless the route set its own (the pages set a CSP fitting each page):
    ``nosniff``, no referrer, and for everything but pages and static files no framing and no caching (API
    answers carry tickets and tokens; a shared cache must not keep them)."""

    API = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY",
           "content-security-policy": "default-src 'none'; frame-ancestors 'none'", "cache-control": "no-store"}
    ASSETS = {"x-content-type-options": "nosniff", "referrer-policy": "same-origin"}

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                kind = headers.get("content-type", "")
                wanted = self.ASSETS if kind.startswith(("text/html", "text/css", "application/javascript",
                                                          "text/javascript", "image/")) else self.API
                for name, value in wanted.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_secured)


UPLOAD_PATH = re.compile(r"^/v1/tickets/\d+/attachments$")


class BodyLimitMiddleware:
    """Checks Content-Length up front and counts streamed (chunked) bytes. The 413 is raised from inside the
    app, where the body is read, so the one error handler renders it like any other problem."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes or max_bytes  # image uploads to a ticket (FAQ_ATTACHMENT_MAX_BYTES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        limit = self.upload_bytes if UPLOAD_PATH.match(scope.get("path", "")) else self.max_bytes
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if declared.isdigit() and int(declared) > limit:
                raise self._too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise self._too_large(limit)
            return message

        await self.app(scope, limited, send)

    @staticmethod
    def _too_large(limit: int) -> HTTPException:
        return HTTPException(413, f"the request body is larger than {limit} bytes")
