"""The shopper's chat page: the page, its script and images, and what its first screen offers.

``GET /`` is ``api/static/chat.html``; its script and placeholder images are files under
``api/static/chat/``, served from this origin (``GET /static/chat/<name>``) so the page's
Content-Security-Policy (``api.security_headers``) needs nothing from elsewhere.
``GET /chat/intro`` is the store's own greeting material: its currency, a request this catalog
can answer and its main kinds of product, as the offline assistant words them.
"""

from __future__ import annotations

import re
from importlib.resources import files

from anyio import to_thread
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from agents.offline.answers import example_request, plural_label
from agents.offline.vocabulary import CatalogVocabulary
from api.deps import RuntimeDep
from assembly.runtime import Runtime

router = APIRouter(include_in_schema=False)
_STATIC = files("api").joinpath("static")
_PAGE = _STATIC.joinpath("chat.html").read_text(encoding="utf-8")
_TYPES = {".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
_ASSET_NAME = re.compile(r"^[a-z0-9-]+(\.js|\.svg)$")
# Every asset is read once, at import: a request can only name one of these.
_ASSETS = {
    entry.name: entry.read_bytes()
    for entry in _STATIC.joinpath("chat").iterdir()
    if _ASSET_NAME.match(entry.name)
}


class ChatIntro(BaseModel):
    """What the chat page's first screen offers, in this store's own words."""

    currency: str  # ISO 4217, for prices on the page
    symbol: str  # what shoppers type ("£", "$")
    example: str  # a request this catalog can answer ("pink necklaces under £15")
    kinds: list[str]  # its main kinds of product, plural ("necklaces", "candles")


@router.get("/")
async def chat_page() -> HTMLResponse:
    """The chat page that talks to ``WS /v1/chat``."""
    return HTMLResponse(_PAGE)


@router.get("/static/chat/{name}")
async def chat_asset(name: str) -> Response:
    """One of the chat page's script or image files."""
    body = _ASSETS.get(name)
    if body is None:
        raise HTTPException(404, "no such chat page file")
    media_type = _TYPES[name[name.rindex(".") :]]
    return Response(body, media_type=media_type, headers={"Cache-Control": "no-cache"})


@router.get("/chat/intro")
async def chat_intro(request: Request, runtime: RuntimeDep) -> ChatIntro:
    """The store's greeting material (worked out once per app from its catalog)."""
    intro: ChatIntro | None = getattr(request.app.state, "chat_intro", None)
    if intro is None:
        intro = await to_thread.run_sync(_intro, runtime)
        request.app.state.chat_intro = intro
    return intro


def _intro(runtime: Runtime) -> ChatIntro:
    vocab = CatalogVocabulary.from_products(runtime.services.store.iter_products())
    return ChatIntro(
        currency=runtime.info.currency,
        symbol=vocab.symbol,
        example=example_request(vocab),
        kinds=[plural_label(kind) for kind in vocab.top_categories(4)],
    )
