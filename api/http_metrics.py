"""Counts every HTTP request by its route template, method and status, and times it.

The route is the template the router matched (``/v1/tools/{name}``), never the path a client
sent, so ids and probes do not become labels; a request no route matched is ``other``. Socket
traffic is counted by the chat itself (turns, open sockets).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.metrics import OTHER, http_request


class HttpMetrics:
    """ASGI middleware recording ``shopagent_http_requests`` and their latency."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before the response started is answered 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            # The router writes the matched route into the scope it was handed (this one).
            route = getattr(scope.get("route"), "path", None)
            http_request(route or OTHER, scope["method"], status, time.perf_counter() - started)
