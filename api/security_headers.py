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
a page is edited. The Swagger UI page (``/docs``) loads its assets from a CDN today, so the
docs path alone also allows that CDN; production turns the docs off (``docs_enabled``).
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
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_FAVICON = "https://fastapi.tiangolo.com"

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.I)
_INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.I)


def page_policy(html: str, docs: bool = False) -> str:
    """The CSP of one HTML page: its inline blocks by hash, assets from this origin only."""
    scripts = " ".join(_hash(block) for block in _INLINE_SCRIPT.findall(html))
    styles = " ".join(_hash(block) for block in _INLINE_STYLE.findall(html))
    cdn = f" {DOCS_CDN}" if docs else ""
    images = f" {DOCS_FAVICON}" if docs else ""
    return (
        f"default-src 'none'; script-src 'self' {scripts}{cdn}; style-src 'self' {styles}{cdn}; "
        f"img-src 'self' data:{images}; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    )


def _hash(block: str) -> str:
    digest = hashlib.sha256(block.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


class SecurityHeaders:
    """ASGI middleware adding the headers above; HTML bodies are held to hash their blocks."""

    def __init__(self, app: ASGIApp, docs_path: str | None) -> None:
        self.app = app
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path") == self.docs_path
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
            policy = page_policy(page.decode("utf-8", errors="replace"), docs)
            headers["Content-Security-Policy"] = policy
            await send(start)
            await send({"type": "http.response.body", "body": page, "more_body": False})

        await self.app(scope, receive, send_with_headers)
