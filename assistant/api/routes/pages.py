"""The web pages: the help widget, the agent console, the maintainers' console and the API documentation. Static
files, no build step, nothing from a CDN (Swagger UI's files come from the fastapi-offline package); a strict CSP
keeps any injected markup inert."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter
from fastapi.responses import FileResponse

WEB = Path(__file__).resolve().parent.parent.parent / "web"
SWAGGER_UI = Path(fastapi_offline.__file__).resolve().parent / "static"  # swagger-ui-bundle.js, swagger-ui.css
# blob: images are a ticket's screenshots, fetched by the page with the ticket's token or the agent's key
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'none'")

router = APIRouter(include_in_schema=False)


def _page(name: str, frame_ancestors: str, csp: str = CSP) -> FileResponse:
    headers = {"Content-Security-Policy": f"{csp}; frame-ancestors {frame_ancestors}",
               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "no-cache"}
    if frame_ancestors == "'none'":
        headers["X-Frame-Options"] = "DENY"  # for browsers that predate frame-ancestors
    return FileResponse(WEB / name, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/")
async def help_widget() -> FileResponse:
    return _page("index.html", "*")


@router.get("/agent")
async def agent_console() -> FileResponse:
    return _page("agent.html", "'none'")


@router.get("/admin")
async def admin_console() -> FileResponse:
    return _page("admin.html", "'none'")


@router.get("/product")
async def product_board() -> FileResponse:
    return _page("product.html", "'none'")


@router.get("/docs")
async def api_docs() -> FileResponse:
    """Swagger UI styles its widgets inline, hence 'unsafe-inline' for styles on this page only."""
    return _page("docs.html", "'none'", CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"))
