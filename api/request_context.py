"""Each HTTP request and socket gets a request id, each chat turn a turn id; each request and
each turn a span (with tracing on) and a log line.

The id (``infra.logs.REQUEST_ID``) is in every log line written while the request or the
socket is served, and an HTTP answer carries it back as ``X-Request-ID`` so a caller can quote
it. A caller's own id is not taken: a log line must not carry what a client chose to write.

With tracing on (``infra.tracing``), an HTTP request is a server span named by its method and
route template (``POST /v1/tools/{name}``, never the raw path, which may hold ids), continuing a
caller's ``traceparent``. A socket is not one span: each chat turn on it is (``api.routes.chat``).
After the answer, one INFO line names the method, route template, status and duration.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra import tracing
from infra.logs import REQUEST_ID, TURN_ID, new_id

log = logging.getLogger("shopagent.requests")
turn_log = logging.getLogger("shopagent.turns")
HEADER = b"x-request-id"


def route_template(scope: Scope) -> str | None:
    """The path template of the route that served ``scope`` (set by the router), if any."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


class RequestContext:
    """Pure ASGI middleware, added last so it wraps every other layer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = new_id()
        token = REQUEST_ID.set(request_id)
        try:
            if scope["type"] == "http":
                await self._http(scope, receive, send, request_id)
            else:
                await self.app(scope, receive, send)
        finally:
            REQUEST_ID.reset(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        method = str(scope.get("method", "GET"))
        status = 500  # unless an answer starts
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [*message.get("headers", ()), (HEADER, request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        parent = tracing.incoming_context(scope["headers"]) if tracing.tracer() else None
        attributes = {"http.request.method": method}
        with tracing.span(method, attributes, kind=SpanKind.SERVER, parent=parent) as span:
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = route_template(scope)
                if span is not None:
                    if route is not None:
                        span.update_name(f"{method} {route}")
                        span.set_attribute("http.route", route)
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                duration_ms = round((time.perf_counter() - started) * 1000, 2)
                log.info(
                    "%s %s %d %.1f ms",
                    method,
                    route or "(no route)",
                    status,
                    duration_ms,
                    extra={
                        "method": method,
                        "route": route or "",
                        "status": status,
                        "duration_ms": duration_ms,
                    },
                )


@dataclass
class Turn:
    """What ``chat_turn`` reports when the turn ends: its outcome and how many tools it called."""

    span: Span | None
    outcome: str = "answered"
    tool_calls: int = 0

    def finish(self, outcome: str, frames: list[dict[str, Any]]) -> None:
        self.outcome = outcome
        self.tool_calls = sum(1 for frame in frames if frame.get("type") == "tool_call")


@contextmanager
def chat_turn(caller_role: str) -> Iterator[Turn]:
    """One chat turn on a socket: a fresh turn id for its log lines, a span (with tracing on)
    that the graph's node spans and the turn's published events hang from, and one INFO line
    with its outcome and duration."""
    token = TURN_ID.set(new_id())
    started = time.perf_counter()
    try:
        attributes = {"shopagent.caller_role": caller_role}
        with tracing.span("chat turn", attributes, kind=SpanKind.SERVER) as span:
            turn = Turn(span)
            yield turn
            if span is not None:
                span.set_attribute("shopagent.outcome", turn.outcome)
                span.set_attribute("shopagent.tool_calls", turn.tool_calls)
                if turn.outcome != "answered":
                    span.set_status(Status(StatusCode.ERROR, turn.outcome))
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            turn_log.info(
                "chat turn %s, %d tool calls, %.1f ms",
                turn.outcome,
                turn.tool_calls,
                duration_ms,
                extra={
                    "outcome": turn.outcome,
                    "tool_calls": turn.tool_calls,
                    "duration_ms": duration_ms,
                },
            )
    finally:
        TURN_ID.reset(token)
