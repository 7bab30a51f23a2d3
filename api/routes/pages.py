"""The web chat page."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
_PAGE = files("api").joinpath("static/chat.html").read_text(encoding="utf-8")


@router.get("/")
async def chat_page() -> HTMLResponse:
    """A plain chat page that talks to ``WS /v1/chat``."""
    return HTMLResponse(_PAGE)
