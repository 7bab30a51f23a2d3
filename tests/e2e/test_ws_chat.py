from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from infra.settings import Settings

pytestmark = pytest.mark.e2e


def _turn(ws: WebSocketTestSession, text: str) -> list[dict[str, Any]]:
    """Send one message and collect frames up to and including ``done``."""
    ws.send_json({"type": "message", "text": text})
    frames: list[dict[str, Any]] = []
    while True:
        frame = ws.receive_json()
        frames.append(frame)
        if frame["type"] == "done":
            return frames


def _final(frames: list[dict[str, Any]]) -> dict[str, Any]:
    return next(f for f in frames if f["type"] == "message")


def _store_digest(settings: Settings) -> str:
    with sqlite3.connect(settings.store_path) as conn:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()


def test_a_search_turn_streams_every_frame_kind(client: TestClient) -> None:
    with client.websocket_connect("/v1/chat") as ws:
        assert ws.receive_json()["type"] == "session"
        frames = _turn(ws, "red lanterns under £5")
    kinds = [f["type"] for f in frames]
    assert kinds[-1] == "done"
    assert {"tool_call", "tool_result", "token", "message"} <= set(kinds)
    call = next(f for f in frames if f["type"] == "tool_call")
    assert call["name"] == "search_products"
    assert call["args"]["max_price"] == 5
    message = _final(frames)
    assert message["products"], message["text"]
    for product in message["products"]:
        assert product["price"] <= 5
        assert f"({product['id']})" in message["text"]


def _ticket(client: TestClient) -> str:
    """A socket ticket for the anonymous visitor the client's cookie names (as the page does)."""
    answer = client.post("/v1/chat/tickets")
    assert answer.status_code == 200, answer.text
    return str(answer.json()["ticket"])


def test_a_session_survives_a_reconnect(client: TestClient) -> None:
    with client.websocket_connect(f"/v1/chat?ticket={_ticket(client)}") as ws:
        session_id = ws.receive_json()["session_id"]
        shown = _final(_turn(ws, "cake stand"))["products"]
    assert len(shown) >= 2
    with client.websocket_connect(f"/v1/chat?ticket={_ticket(client)}&session={session_id}") as ws:
        assert ws.receive_json()["session_id"] == session_id
        frames = _turn(ws, "tell me about the second one")
        call = next(f for f in frames if f["type"] == "tool_call")
        assert call["name"] == "get_product"
        assert call["args"]["product_id"] == shown[1]["id"]
        frames = _turn(ws, "is it in stock?")
    call = next(f for f in frames if f["type"] == "tool_call")
    assert call == {**call, "name": "check_inventory", "args": {"product_id": shown[1]["id"]}}
    message = _final(frames)
    assert [p["id"] for p in message["products"]] == [shown[1]["id"]]
    assert "stock" in message["text"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_frame"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "message"}', "bad_frame"),
        ('{"type": "message", "text": "   "}', "empty_text"),
        ('{"type": "message", "text": "' + "a" * 9000 + '"}', "too_large"),
        ("x" * 100_000, "too_large"),
    ],
)
def test_bad_frames_get_an_error_and_the_socket_stays_usable(
    client: TestClient, settings: Settings, raw: str, code: str
) -> None:
    before = _store_digest(settings)
    with client.websocket_connect("/v1/chat") as ws:
        ws.receive_json()
        ws.send_text(raw)
        error = ws.receive_json()
        assert error["type"] == "error"
        assert error["code"] == code
        assert error["message"]
        frames = _turn(ws, "hello")
        assert _final(frames)["text"]
    assert _store_digest(settings) == before


def test_binary_frames_and_bad_session_ids_are_refused(client: TestClient) -> None:
    with client.websocket_connect("/v1/chat") as ws:
        ws.receive_json()
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_json()["code"] == "bad_frame"
        assert _final(_turn(ws, "hi"))["text"]
    with client.websocket_connect("/v1/chat?session=../../etc") as ws:
        assert ws.receive_json()["code"] == "bad_session"
