"""Red-team 2 finding B replayed: every socket handshake stored a session row, even one the
socket cap then refused, so one anonymous address opening and closing 300 sockets in a second
added 300 rows. Now the cap and a new-session rate (``rate_limit_session_*``) are checked
before a session is made, and a session is recorded only once its socket sends a message."""

from __future__ import annotations

import sqlite3
import time
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from api.main import create_app
from infra.settings import Settings

pytestmark = pytest.mark.e2e

SOCKETS = 300


def _rows(settings: Settings) -> int:
    with sqlite3.connect(settings.data_dir / "sessions.sqlite") as conn:
        (count,) = conn.execute("SELECT count(*) FROM sessions").fetchone()
    return int(count)


def _refusal(ws: WebSocketTestSession, frame: dict[str, Any], code: str) -> None:
    """``frame`` is an ``error`` of ``code`` that names a way out, and the socket then closes
    with 1013 (try again later)."""
    assert (frame["type"], frame["code"]) == ("error", code), frame
    assert "retry" in frame["message"]
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == 1013


def _open_and_close(client: TestClient, talk: bool) -> tuple[int, int]:
    """Open and close ``SOCKETS`` anonymous sockets from one address (talking once on each
    admitted socket when ``talk``): how many were admitted and how many refused."""
    admitted = refused = 0
    for _ in range(SOCKETS):
        with client.websocket_connect("/v1/chat") as ws:
            first = ws.receive_json()
            if first["type"] == "session":
                admitted += 1
                if talk:
                    _talk(ws)
            else:
                _refusal(ws, first, "too_many_sessions")
                refused += 1
    return admitted, refused


def _talk(ws: WebSocketTestSession) -> None:
    """One message, read until its ``done`` or its refusal (the chat's message limit)."""
    ws.send_json({"type": "message", "text": "mugs"})
    while ws.receive_json()["type"] not in ("done", "error"):
        pass


def test_silent_sockets_leave_no_rows(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        before = _rows(settings)
        started = time.monotonic()
        admitted, refused = _open_and_close(client, talk=False)
        elapsed = time.monotonic() - started
    burst, rate = settings.rate_limit_session_burst, settings.rate_limit_session_per_s
    assert burst <= admitted <= burst + rate * elapsed + 1
    assert refused == SOCKETS - admitted
    assert _rows(settings) == before  # no socket talked: nothing recorded


def test_talking_sockets_add_at_most_the_burst(settings: Settings) -> None:
    # A bucket that barely refills: the talks take long on a busy machine, and at the default
    # rate the tokens back meanwhile would let a few more sockets in than the burst.
    settings = settings.model_copy(update={"rate_limit_session_per_s": 0.001})
    with TestClient(create_app(settings)) as client:
        before = _rows(settings)
        admitted, refused = _open_and_close(client, talk=True)
    added = _rows(settings) - before
    # Each admitted socket that got a message through recorded one session; the chat's own
    # message limit may refuse some of them, and nothing past the new-session burst gets in.
    assert 0 < added <= settings.rate_limit_session_burst
    assert refused >= SOCKETS - settings.rate_limit_session_burst - 1


def test_the_socket_cap_is_checked_before_a_session_is_made(settings: Settings) -> None:
    cap = settings.max_sockets_per_client
    # A new-session bucket that holds exactly one more than the cap and barely refills.
    tight = settings.model_copy(
        update={"rate_limit_session_burst": cap + 1, "rate_limit_session_per_s": 0.001}
    )
    with TestClient(create_app(tight)) as client, ExitStack() as held:
        sockets = [held.enter_context(client.websocket_connect("/v1/chat")) for _ in range(cap)]
        for ws in sockets:
            assert ws.receive_json()["type"] == "session"
        with client.websocket_connect("/v1/chat") as extra:
            _refusal(extra, extra.receive_json(), "too_many_sockets")
        sockets[0].close()
        # The capped socket took no new-session token: one is left for the next socket,
        assert _first_past_the_cap(client) == "session"
        # and then the bucket is empty.
        sockets[1].close()
        assert _first_past_the_cap(client) == "too_many_sessions"


def _first_past_the_cap(client: TestClient) -> str:
    """What a new socket gets once the cap lets it in (a closed socket's slot comes back when
    the server has seen the close): ``session`` or the refusal's code."""
    deadline = time.monotonic() + 30
    while True:
        with client.websocket_connect("/v1/chat") as ws:
            frame = ws.receive_json()
            if frame["type"] == "session":
                return "session"
            code = str(frame["code"])
            if code != "too_many_sockets" or time.monotonic() > deadline:
                _refusal(ws, frame, code)
                return code
            _refusal(ws, frame, code)
        time.sleep(0.05)
