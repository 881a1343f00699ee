"""The two web pages. Static files, no build step; a strict CSP keeps any injected markup inert."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

WEB = Path(__file__).resolve().parent.parent.parent / "web"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'none'")

router = APIRouter(include_in_schema=False)


def _page(name: str, frame_ancestors: str) -> FileResponse:
    headers = {"Content-Security-Policy": f"{CSP}; frame-ancestors {frame_ancestors}",
               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "Cache-Control": "no-cache"}
    return FileResponse(WEB / name, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/")
async def help_widget() -> FileResponse:
    return _page("index.html", "*")


@router.get("/agent")
async def agent_console() -> FileResponse:
    return _page("agent.html", "'none'")
