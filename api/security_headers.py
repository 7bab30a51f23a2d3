"""Security headers on every HTTP response, and a Content-Security-Policy per page.

Every response gets ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
``Referrer-Policy: no-referrer`` and a CSP. A JSON response may load nothing
(``default-src 'none'; frame-ancestors 'none'``). An HTML page may run only its own inline
``<script>`` and ``<style>`` blocks, allowed by their SHA-256 hashes, plus scripts, styles and
images from this origin; it may connect (fetch, WebSocket) only to this origin, and no site
may frame it.

The hashes are taken from the page as it is sent. That equals hashing the page files: the
app's pages are fixed text that never carries request data (``tests/security/test_headers.py``
checks the chat page is served byte for byte as its file), and it keeps the policy right when
a page is edited. The Swagger UI page (``/docs``) is held to the same policy: its files are
served by the app (``api.docs_pages``), so no page may load anything from another origin.

A page that does carry request data (the merchandiser console) sets its own policy,
``PAGE_DATA_POLICY``, which allows no inline block at all, and that policy is kept: were data
ever to smuggle a ``<script>`` into such a page, hashing the page would allow it.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
PAGE_DATA_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.I)
_INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.I)


def page_policy(html: str) -> str:
    """The CSP of one HTML page: its inline blocks by hash, assets from this origin only."""
    scripts = " ".join(_hash(block) for block in _INLINE_SCRIPT.findall(html))
    styles = " ".join(_hash(block) for block in _INLINE_STYLE.findall(html))
    return (
        f"default-src 'none'; script-src 'self' {scripts}; style-src 'self' {styles}; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    )


def _hash(block: str) -> str:
    digest = hashlib.sha256(block.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


class SecurityHeaders:
    """ASGI middleware adding the headers above; HTML bodies are held to hash their blocks."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        held: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON_HEADERS.items():
                    headers.setdefault(name, value)
                if not headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", API_POLICY)
                    await send(message)
                    return
                if "content-security-policy" in headers:  # a page that carries data: its own
                    await send(message)
                    return
                start = message  # held until the page is whole
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            held.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            page = b"".join(held)
            headers = MutableHeaders(scope=start)
            policy = page_policy(page.decode("utf-8", errors="replace"))
            headers["Content-Security-Policy"] = policy
            await send(start)
            await send({"type": "http.response.body", "body": page, "more_body": False})

        await self.app(scope, receive, send_with_headers)
