"""Red-team 2 finding C replayed: a socket opened with a 3-second token still read the account
6 s after the token expired. A socket now serves its principal only until the expiry of the
token it was opened with (or that its ticket was made with): past it, a ``token_expired`` error
frame and a 1008 close, and no turn runs."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from api.main import create_app
from infra.identity import Identity
from infra.settings import Settings
from tests.orders_helpers import turn

pytestmark = pytest.mark.e2e

ASK = "What's the status of #W6015009? I'm yara.sanchez4385@example.com"


def _expired(ws: WebSocketTestSession, token_exp: float) -> None:
    """After the token's expiry a turn is refused with no data, then the socket closes."""
    time.sleep(max(0.0, token_exp - time.time()) + 0.2)
    ws.send_json({"type": "message", "text": ASK})
    frame: dict[str, Any] = ws.receive_json()
    assert (frame["type"], frame["code"]) == ("error", "token_expired"), frame
    assert "fresh token" in frame["message"] and "W6015009" not in frame["message"]
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == 1008


def test_a_bearer_socket_stops_when_its_token_expires(tau_settings: Settings) -> None:
    with TestClient(create_app(tau_settings)) as client:  # started before the clock runs
        token, exp = _short_token(tau_settings)
        headers = {"Authorization": f"Bearer {token}"}
        with client.websocket_connect("/v1/chat", headers=headers) as ws:
            _served_then_expired(ws, exp)


def _short_token(settings: Settings) -> tuple[str, float]:
    identity = Identity.from_settings(settings)
    # Long enough for the socket's first turn to be served before expiry on a busy machine.
    token = identity.issue("user:yara_sanchez_1902", "shopper", ttl_s=6)
    exp = identity.verify(token).expires_at
    assert exp is not None
    return token, exp


def _served_then_expired(ws: WebSocketTestSession, exp: float) -> None:
    assert ws.receive_json()["role"] == "shopper"
    frames = turn(ws, ASK)  # before expiry: served
    assert any(f["type"] == "tool_result" for f in frames)
    _expired(ws, exp)


def test_a_ticket_carries_its_tokens_expiry(tau_settings: Settings) -> None:
    with TestClient(create_app(tau_settings)) as client:
        token, exp = _short_token(tau_settings)
        answer = client.post("/v1/chat/tickets", headers={"Authorization": f"Bearer {token}"})
        with client.websocket_connect(f"/v1/chat?ticket={answer.json()['ticket']}") as ws:
            _served_then_expired(ws, exp)
        # An anonymous socket has no token, so no expiry.
        with client.websocket_connect("/v1/chat") as ws:
            assert ws.receive_json()["role"] == "anonymous"
            time.sleep(0.1)
            assert any(f["type"] == "message" for f in turn(ws, "mugs"))
