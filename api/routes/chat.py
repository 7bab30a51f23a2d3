"""``WS /v1/chat``: one shopping conversation per socket, streamed as JSON frames.

**Who is talking.** A non-browser client sends ``Authorization: Bearer <token>`` with the
handshake (``shopagent auth token --user-id ID --role shopper`` prints one). A browser page
first asks ``POST /v1/chat/tickets`` (with the same header to sign in, or with none) for a
ticket, ``{"ticket", "expires_in"}``, and opens ``/v1/chat?ticket=…``: a ticket opens one socket
within ``ticket_ttl_s`` seconds, so no long-lived token ever sits in a URL. A socket with
neither is an anonymous shopper: catalog only, as on REST (the assistant looks up no account
and changes no order for it, and asks it to sign in; see ``graphs.orders``); a signed-in
shopper is served on their own account, staff on any. For an anonymous visitor the ticket
endpoint sets a signed, HttpOnly, SameSite=Strict cookie naming a stable anonymous principal,
so the page can resume its own conversation after a reload; the socket reads no cookie. The
shopper's store user id comes from the verified principal only. A bad token or ticket, or a
page from an origin that is not allowed (``allowed_origins``; see ``api.chat_access``), gets an
``error`` frame naming why and the socket is closed with 1008.

**Sessions.** The server opens a session and names it in the first frame,
``{"type": "session", "session_id", "role"}``; ``?session=<id>`` resumes it, only for the
principal that opened it and within ``session_ttl_s`` of its last opening (``session_refused``
or ``session_expired``, then 1008, otherwise): ids a client makes up are refused. A new
session is recorded at its first accepted message, so its id can be resumed once the client
has talked; a socket that never talks leaves nothing behind. New sessions are rate limited per
principal (else client address), ``rate_limit_session_*``, and the socket cap
(``api.socket_cap``) is checked before that: past either, an ``error`` frame
(``too_many_sockets`` / ``too_many_sessions``) and close 1013. The event log and the lake see
a keyed hash of the id, never the id.

**Token lifetime.** A socket serves its principal only while the token it was opened with (or
the token a ticket was made with) is live: a message after that gets ``token_expired`` and the
socket is closed with 1008; reconnect with a fresh token. Anonymous sockets have no expiry.

**Frames.** Client: ``{"type": "message", "text": "…"}``. Server: ``session``, ``token``,
``tool_call``, ``tool_result``, ``message`` (``confirm`` true when it asks yes or no about a
change), ``error`` (code + message) and ``done``; a resumed session's ``session`` frame is
followed by ``history``, the conversation so far (``graphs.turns.replay``). A bad
frame (not JSON, NaN, an integer of over 100 digits, nesting too deep, a lone surrogate,
binary, too large) gets an ``error``
frame and the socket stays open. Messages are rate limited per principal (the client address
for anonymous ones), ``rate_limit_chat_*``: a new session does not refill the bucket.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, HTTPException, Request, Response, WebSocket, WebSocketDisconnect
from pydantic import BaseModel

from api.chat_access import (
    ANON_COOKIE,
    Refused,
    cookie_principal,
    new_cookie,
    origin_allowed,
    socket_principal,
)
from api.chat_events import turn_events
from api.deps import PrincipalDep, RuntimeDep, WsRuntimeDep, rate_key, rest_limit
from api.request_context import chat_turn
from api.socket_cap import socket_counts
from assembly.runtime import Runtime
from graphs.turns import ChatSession
from infra.errors import ShopagentError
from infra.identity import Principal
from infra.metrics import TurnClock, socket_closed, socket_opened
from infra.ratelimit import Limit
from infra.sessions import new_session_id

router = APIRouter(tags=["chat"])
log = logging.getLogger(__name__)
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_EVENT_PURPOSE = "event-session"


class FrameError(Exception):
    """A client frame the server cannot act on; ``code`` names the kind of problem."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# No frame field is a number; a long digit string is refused before ``int`` is asked to read it
# (past 4300 digits Python itself raises, and converting is quadratic below that).
MAX_INT_DIGITS = 100


def _no_constants(name: str) -> Any:
    raise FrameError("bad_json", f"{name} is not a JSON number")


def _short_int(literal: str) -> int:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise FrameError(
            "bad_json", f"frame holds a {digits}-digit integer; at most {MAX_INT_DIGITS} digits"
        )
    return int(literal)


def parse_frame(raw: str, max_bytes: int) -> str:
    """The text of a valid message frame, or ``FrameError`` naming what is wrong."""
    # JSON escaping can at most sextuple a character, so a larger frame cannot fit the limit.
    if len(raw.encode("utf-8", "surrogatepass")) > 6 * max_bytes + 64:
        raise FrameError("too_large", f"frame is larger than the {max_bytes}-byte message limit")
    try:
        frame = json.loads(raw, parse_constant=_no_constants, parse_int=_short_int)
    except json.JSONDecodeError as err:
        raise FrameError("bad_json", f"frame is not valid JSON: {err.msg}") from err
    except RecursionError as err:
        raise FrameError("too_deep", "frame nests arrays or objects too deeply") from err
    if not isinstance(frame, dict):
        raise FrameError("bad_frame", "frame must be a JSON object with a 'type'")
    kind = frame.get("type")
    if kind != "message":
        raise FrameError("unknown_type", f"unknown frame type {kind!r}; send type 'message'")
    text = frame.get("text")
    if not isinstance(text, str):
        raise FrameError("bad_frame", "a message frame needs 'text' as a string")
    try:
        size = len(text.encode())
    except UnicodeEncodeError as err:
        raise FrameError(
            "bad_text", "message text holds a lone surrogate (\\ud800-\\udfff), not a character"
        ) from err
    if not text.strip():
        raise FrameError("empty_text", "message text is empty")
    if size > max_bytes:
        raise FrameError("too_large", f"message text is over the {max_bytes}-byte limit")
    return text


def encode_frame(frame: dict[str, Any]) -> str:
    """A server frame as JSON text that is valid UTF-8 whatever strings it carries."""
    text = json.dumps(frame, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate (from stored data): send it \u-escaped
        return json.dumps(frame)
    return text


class Ticket(BaseModel):
    ticket: str
    expires_in: int


@router.post("/v1/chat/tickets")
async def chat_ticket(
    request: Request, response: Response, runtime: RuntimeDep, principal: PrincipalDep
) -> Ticket:
    """A single-use ticket for ``WS /v1/chat?ticket=…``: for the bearer token's principal, or,
    without one, for the anonymous visitor its signed cookie names (set here when missing)."""
    await rest_limit(request, runtime, principal)
    settings = runtime.settings
    if not origin_allowed(
        request.headers.get("origin"), request.headers.get("host"), settings.allowed_origins
    ):
        raise HTTPException(403, "this page's origin may not open the chat")
    if not principal.signed_in:
        known = cookie_principal(request.cookies.get(ANON_COOKIE), runtime.sessions)
        if known is None:
            principal, cookie = new_cookie(runtime.sessions)
            response.set_cookie(
                ANON_COOKIE,
                cookie,
                max_age=int(settings.session_ttl_s),
                path="/v1/chat",
                secure=request.url.scheme == "https",
                httponly=True,
                samesite="strict",
            )
        else:
            principal = known
    ticket = await runtime.sessions.issue_ticket(principal)
    return Ticket(ticket=ticket, expires_in=int(settings.ticket_ttl_s))


@router.websocket("/v1/chat")
async def chat(websocket: WebSocket, runtime: WsRuntimeDep, session: str | None = None) -> None:
    """Chat over a socket (see the module docstring for credentials and sessions)."""
    await websocket.accept()
    settings = runtime.settings
    try:
        principal = await _principal(websocket, runtime)
    except Refused as err:
        await _refuse(websocket, err)
        return
    client = rate_key(principal, websocket, settings)
    # The cap and the new-session rate come before any session is looked up or made.
    slot = socket_counts(websocket).claim(f"chat:{client}", settings.max_sockets_per_client)
    if slot is None:
        held = f"{settings.max_sockets_per_client} chat sockets are open for you already"
        await _refuse(websocket, Refused("too_many_sockets", f"{held}; close one and retry"))
        return
    socket_opened()
    try:
        try:
            session_id, recorded = await _session(websocket, runtime, principal, client, session)
        except Refused as err:
            await _refuse(websocket, err)
            return
        await _converse(websocket, runtime, principal, client, session_id, recorded)
    except WebSocketDisconnect:
        return
    finally:
        slot.release()
        socket_closed()


async def _converse(
    websocket: WebSocket,
    runtime: Runtime,
    principal: Principal,
    client: str,
    session_id: str,
    recorded: bool,
) -> None:
    """Serve message frames until the client leaves or its token expires. A new session is
    recorded at its first accepted message, so a socket that never talks leaves no row."""
    settings = runtime.settings
    pseudonym = runtime.sessions.keyed_hash(_EVENT_PURPOSE, session_id)[:32]
    conversation = ChatSession(runtime.graph, session_id, principal.role, principal.user_id)
    await _send(websocket, {"type": "session", "session_id": session_id, "role": principal.role})
    if recorded:  # resumed, by the principal that opened it (``_session``): replay it to them
        try:
            await _send(websocket, await conversation.history())
        except ShopagentError as err:  # e.g. saved under another checkpoint key
            await _send_error(websocket, "history_unavailable", str(err))
    limit = Limit(settings.rate_limit_chat_per_s, settings.rate_limit_chat_burst)
    bucket = f"chat:{client}"
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text")
        if raw is None:
            await _send_error(websocket, "bad_frame", "send text frames holding JSON, not binary")
            continue
        try:
            text = parse_frame(raw, settings.max_message_bytes)
        except FrameError as err:
            await _send_error(websocket, err.code, str(err))
            continue
        if principal.expires_at is not None and time.time() >= principal.expires_at:
            await _refuse(
                websocket,
                Refused(
                    "token_expired",
                    "the token this socket was opened with has expired; reconnect with a fresh "
                    "token (or a ticket from POST /v1/chat/tickets made with one)",
                ),
            )
            return
        decision = await runtime.limiter.take(bucket, limit)
        if not decision.allowed:
            wait = f"retry in {decision.retry_after_s:.1f} s"
            await _send_error(websocket, "rate_limited", f"too many messages; {wait}")
            continue
        if not recorded:
            await runtime.sessions.open(principal.subject, session_id)
            recorded = True
        frames: list[dict[str, Any]] = []
        clock, outcome = TurnClock(), "answered"
        with chat_turn(principal.role) as turn:  # its span and turn id (api.request_context)
            try:
                async for frame in conversation.stream(text):
                    clock.frame(frame["type"])
                    frames.append(frame)
                    await _send(websocket, frame)
            except ShopagentError as err:
                outcome = "upstream_error"
                await _send_error(websocket, "upstream", str(err))
            except Exception:
                outcome = "internal_error"
                log.exception("chat turn failed in session %s", pseudonym)
                await _send_error(websocket, "internal", "the assistant failed on this message")
            clock.done(outcome)
            turn.finish(outcome, frames)
            await _emit_events(runtime, pseudonym, principal, frames)
        await _send(websocket, {"type": "done"})


async def _principal(websocket: WebSocket, runtime: Runtime) -> Principal:
    """Whom the socket speaks for, or ``Refused`` (a page from a foreign origin, a bad
    credential)."""
    origin = websocket.headers.get("origin")
    allowed = runtime.settings.allowed_origins
    if not origin_allowed(origin, websocket.headers.get("host"), allowed):
        raise Refused(
            "origin_refused", f"pages from {(origin or '')[:100]!r} may not open this chat"
        )
    return await socket_principal(websocket, runtime)


async def _session(
    websocket: WebSocket, runtime: Runtime, principal: Principal, client: str, session: str | None
) -> tuple[str, bool]:
    """The socket's session id and whether it is recorded already (a resumed one is), or
    ``Refused``. A new one costs a token from the client's new-session bucket."""
    settings = runtime.settings
    if session is None:
        limit = Limit(settings.rate_limit_session_per_s, settings.rate_limit_session_burst)
        decision = await runtime.limiter.take(f"session:{client}", limit)
        if not decision.allowed:
            raise Refused(
                "too_many_sessions",
                f"too many new chat sessions; retry in {decision.retry_after_s:.1f} s "
                "or resume one with ?session=",
            )
        return new_session_id(), False
    if not _ID.match(session):
        raise Refused("bad_session", "session must be 1-64 of A-Z a-z 0-9 _ -")
    standing = await runtime.sessions.resume(session, principal.subject)
    if standing == "expired":
        raise Refused("session_expired", "this session has expired; open a new one")
    if standing != "ok":
        raise Refused(
            "session_refused",
            "no session with this id was opened by you (sessions are issued by the server "
            "and bound to whoever opened them)",
        )
    return session, True


# Refusals that mean "later" close with 1013, one that is our failure with 1011; the rest 1008.
_CLOSE_CODES = {"too_many_sockets": 1013, "too_many_sessions": 1013, "auth_unavailable": 1011}


async def _refuse(websocket: WebSocket, err: Refused) -> None:
    """Say why in an ``error`` frame, then close the socket."""
    await _send_error(websocket, err.code, str(err))
    await websocket.close(code=_CLOSE_CODES.get(err.code, 1008), reason=err.code)


async def _emit_events(
    runtime: Runtime, pseudonym: str, principal: Principal, frames: list[dict[str, Any]]
) -> None:
    """Append the turn's behaviour events; a stream that is down costs the events, not the chat."""
    try:
        events = turn_events(pseudonym, frames, principal.user_id)
        await to_thread.run_sync(runtime.events.publish, events)
    except Exception:
        log.exception("could not emit the behaviour events of session %s", pseudonym)


async def _send(websocket: WebSocket, frame: dict[str, Any]) -> None:
    await websocket.send_text(encode_frame(frame))


async def _send_error(websocket: WebSocket, code: str, message: str) -> None:
    await _send(websocket, {"type": "error", "code": code, "message": message})
