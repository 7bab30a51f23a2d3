"""The request-body gate every HTTP request passes before any route sees it.

Three refusals, each answered with a JSON ``{"detail": ...}`` that names the problem:

- **413** when the body is over ``max_body_bytes``: a declared ``Content-Length`` is refused
  before anything is read; a chunked body is counted as it streams and refused the moment it
  passes the limit, so no route ever holds more than the limit in memory.
- **408** when the whole body has not arrived ``body_timeout_s`` after the headers: a client
  that trickles a byte at a time cannot hold a connection and a worker's attention for long
  (the headers have their own deadline, ``api.header_deadline``).
- **422** when the body is JSON no route can safely take: not UTF-8, nested deeper than
  ``MAX_JSON_DEPTH``, holding ``NaN`` / ``Infinity`` (or a number that overflows to it), an
  integer of more than ``MAX_INT_DIGITS`` digits, or a string escape that is half a surrogate
  pair (``"\\udfff"``).

Why at the edge rather than catching errors where they surface: each of these fails in a
different place (``json.loads`` recursing in one route, pydantic in another, the error
response itself when it echoes ``NaN`` or a lone surrogate back, a file write of a stored
value much later). Refusing the body once, before FastAPI parses it, covers every route,
present and future, with one rule. The check runs on every body whatever its declared type:
the ``Content-Type`` is the client's claim, every route of this app that reads a body reads
JSON, and one that parses a body by hand must not be the one place the rule is missing. Bodies
that are not JSON at all pass through, so each route keeps its own words for "not valid JSON"
or "send application/json". WebSocket frames are the socket's business.
"""

from __future__ import annotations

import asyncio
import json
import re
from itertools import accumulate
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Deeper than any body the app defines (tool arguments and events nest four levels at most).
MAX_JSON_DEPTH = 32
# Longer than any number a body needs; Python refuses to read past 4300 digits anyway.
MAX_INT_DIGITS = 100

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# A \uD800-\uDFFF escape: only then can a decoded string hold half a surrogate pair.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class BadJson(ValueError):
    """A JSON body the app refuses; the message says why."""


class BodyGuard:
    """ASGI middleware: the body limit and the JSON checks above."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, body_timeout_s: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        too_big = f"the request body is over the {limit}-byte limit"
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(413, too_big, scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.body_timeout_s):
                body = await _read_body(receive, limit)
        except TimeoutError:
            slow = f"the request body did not arrive within {self.body_timeout_s:g} s"
            await _refuse(408, slow, scope, receive, send)
            return
        except _TooBig:
            await _refuse(413, too_big, scope, receive, send)
            return
        if body is None:
            return  # the client left: nobody to answer
        try:
            check_json_body(body)
        except BadJson as err:
            await _refuse(422, str(err), scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the disconnect, when it comes
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class _TooBig(Exception):
    """The body passed the limit while it was being read."""


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, counted as it arrives (``_TooBig`` past ``limit``); ``None`` if the
    client disconnected first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooBig
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def check_json_body(body: bytes) -> None:
    """Raise ``BadJson`` if ``body`` is JSON the app must not parse; pass anything else."""
    if not body:
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadJson(f"the request body is not UTF-8 (bad byte at offset {err.start})") from err
    depth = nesting_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise BadJson(
            f"the JSON body nests {depth} levels deep; at most {MAX_JSON_DEPTH} are allowed"
        )
    try:
        value = json.loads(
            text, parse_constant=_no_constant, parse_float=_finite_float, parse_int=_short_int
        )
    except BadJson:
        raise
    except ValueError:
        return  # not JSON: the route answers in its own words
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise BadJson(
            "the JSON body holds a lone surrogate escape (\\ud800-\\udfff without its pair); "
            "send valid Unicode text"
        )


def nesting_depth(text: str) -> int:
    """How deep JSON arrays and objects nest in ``text`` (brackets inside strings ignored)."""
    brackets = _BRACKET.findall(_STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _no_constant(name: str) -> Any:
    raise BadJson(f"{name} is not a JSON number; send a finite number")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if number in (float("inf"), float("-inf")):
        raise BadJson(f"the number {literal[:40]} is too large; send a finite number")
    return number


def _short_int(literal: str) -> int:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise BadJson(
            f"the JSON body holds a {digits}-digit integer; at most {MAX_INT_DIGITS} digits"
        )
    return int(literal)


def _has_lone_surrogate(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


async def _refuse(status: int, detail: str, scope: Scope, receive: Receive, send: Send) -> None:
    await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)
