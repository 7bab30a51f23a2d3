"""``WS /v1/chat``: one shopping conversation per socket, streamed as JSON frames.

``?session=<id>`` resumes a saved conversation; ``?user_id=<id>`` names the signed-in shopper
(set by the shop's own sign-in in front of this API), whose personal recommendations the
assistant then gives. Client frames: ``{"type": "message", "text": "…"}``. Server frames:
``session``, ``token``, ``tool_call``, ``tool_result``, ``message``, ``error`` (code +
message) and ``done``.
A bad frame gets an ``error`` frame and the socket stays open.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from api.chat_events import turn_events
from api.deps import WsRuntimeDep
from api.runtime import Runtime
from graphs.turns import ChatSession
from infra.errors import ShopagentError
from infra.ratelimit import Limit

router = APIRouter(tags=["chat"])
log = logging.getLogger(__name__)
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class FrameError(Exception):
    """A client frame the server cannot act on; ``code`` names the kind of problem."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_frame(raw: str, max_bytes: int) -> str:
    """The text of a valid message frame, or ``FrameError`` naming what is wrong."""
    # JSON escaping can at most sextuple a character, so a larger frame cannot fit the limit.
    if len(raw.encode()) > 6 * max_bytes + 64:
        raise FrameError("too_large", f"frame is larger than the {max_bytes}-byte message limit")
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError as err:
        raise FrameError("bad_json", f"frame is not valid JSON: {err.msg}") from err
    if not isinstance(frame, dict):
        raise FrameError("bad_frame", "frame must be a JSON object with a 'type'")
    kind = frame.get("type")
    if kind != "message":
        raise FrameError("unknown_type", f"unknown frame type {kind!r}; send type 'message'")
    text = frame.get("text")
    if not isinstance(text, str):
        raise FrameError("bad_frame", "a message frame needs 'text' as a string")
    if not text.strip():
        raise FrameError("empty_text", "message text is empty")
    if len(text.encode()) > max_bytes:
        raise FrameError("too_large", f"message text is over the {max_bytes}-byte limit")
    return text


@router.websocket("/v1/chat")
async def chat(
    websocket: WebSocket,
    runtime: WsRuntimeDep,
    session: str | None = None,
    user_id: str | None = None,
) -> None:
    """Chat over a socket; ``?session=<id>`` resumes a saved conversation, ``?user_id=<id>``
    names the signed-in shopper."""
    await websocket.accept()
    for name, value in (("session", session), ("user_id", user_id)):
        if value is not None and not _ID.match(value):
            await _send_error(websocket, f"bad_{name}", f"{name} must be 1-64 of A-Z a-z 0-9 _ -")
            await websocket.close(code=1008)
            return
    session_id = session or uuid.uuid4().hex
    conversation = ChatSession(runtime.graph, session_id, user_id)
    await websocket.send_json({"type": "session", "session_id": session_id})
    limit = runtime.settings.max_message_bytes
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:
                await _send_error(
                    websocket, "bad_frame", "send text frames holding JSON, not binary"
                )
                continue
            try:
                text = parse_frame(raw, limit)
            except FrameError as err:
                await _send_error(websocket, err.code, str(err))
                continue
            settings = runtime.settings
            bucket = Limit(settings.rate_limit_session_per_s, settings.rate_limit_session_burst)
            decision = await runtime.limiter.take(f"session:{session_id}", bucket)
            if not decision.allowed:
                wait = f"retry in {decision.retry_after_s:.1f} s"
                await _send_error(websocket, "rate_limited", f"too many messages; {wait}")
                continue
            frames: list[dict[str, Any]] = []
            try:
                async for frame in conversation.stream(text):
                    frames.append(frame)
                    await websocket.send_json(frame)
            except ShopagentError as err:
                await _send_error(websocket, "upstream", str(err))
            except Exception:
                log.exception("chat turn failed in session %s", session_id)
                await _send_error(websocket, "internal", "the assistant failed on this message")
            await _emit_events(runtime, session_id, user_id, frames)
            await websocket.send_json({"type": "done"})
    except WebSocketDisconnect:
        return


async def _emit_events(
    runtime: Runtime, session_id: str, user_id: str | None, frames: list[dict[str, Any]]
) -> None:
    """Append the turn's behaviour events; a stream that is down costs the events, not the chat."""
    try:
        events = turn_events(session_id, frames, user_id)
        await to_thread.run_sync(runtime.events.publish, events)
    except Exception:
        log.exception("could not emit the behaviour events of session %s", session_id)


async def _send_error(websocket: WebSocket, code: str, message: str) -> None:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    await websocket.send_json(frame)
