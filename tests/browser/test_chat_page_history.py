"""The ``history`` frame the chat page draws after a reconnect, read off the served app's socket:
a resumed session replays its messages (with the products and steps of each answer, and a
question still waiting for yes or no) to its owner; a new session gets none. (That nobody else
gets it is ``test_chat_page.py::test_a_conversation_is_replayed_to_its_owner_only``.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.browser.conftest import ServedShop

pytestmark = pytest.mark.e2e

# Another customer than the return test's, so the two leave each other's order alone.
SHOPPER = "noah_brown_6181"
ORDER = "#W7678072"


def turn(ws: ClientConnection, text: str) -> list[dict[str, Any]]:
    """Send ``text``; the frames of the answer, up to (not with) ``done``."""
    ws.send(json.dumps({"type": "message", "text": text}))
    frames: list[dict[str, Any]] = []
    while (frame := json.loads(ws.recv(timeout=30)))["type"] != "done":
        frames.append(frame)
    return frames


def message(frames: list[dict[str, Any]]) -> dict[str, Any]:
    return next(f for f in frames if f["type"] == "message")


def test_a_resumed_session_replays_its_messages_and_the_waiting_question(
    tau_shop: ServedShop,
) -> None:
    socket = tau_shop.url.replace("http://", "ws://") + "/v1/chat"
    signed_in = {"Authorization": f"Bearer {tau_shop.token(SHOPPER)}"}
    with connect(socket, additional_headers=signed_in) as ws:
        session = json.loads(ws.recv(timeout=30))["session_id"]
        first = turn(ws, "backpack")
        assert "history" not in {f["type"] for f in first}  # a new session has none
        shown = message(first)["products"]
        turn(ws, f"I'd like to return the backpack from {ORDER}")
        asked = message(turn(ws, "to the original payment method please"))
        assert asked["confirm"] is True and "Shall I go ahead?" in asked["text"]
    with connect(f"{socket}?session={session}", additional_headers=signed_in) as ws:
        assert json.loads(ws.recv(timeout=30))["type"] == "session"
        history: dict[str, Any] = json.loads(ws.recv(timeout=30))
        assert history["type"] == "history"
        messages = history["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant"] * 3
        assert [m["text"] for m in messages[::2]] == [
            "backpack",
            f"I'd like to return the backpack from {ORDER}",
            "to the original payment method please",
        ]
        search = messages[1]
        assert [p["id"] for p in search["products"]] == [p["id"] for p in shown] != []
        assert search["tools"][0] == {**search["tools"][0], "name": "search_products"}
        assert search["tools"][0]["status"] == "done" and search["confirm"] is False
        waiting = messages[-1]
        assert waiting["confirm"] is True and waiting["text"] == asked["text"]
        assert waiting["tools"] == [
            {
                "name": "return_delivered_order_items",
                "args": {
                    "order_id": ORDER,
                    "item_ids": ["3557711149"],
                    "payment_method_id": "paypal_5727330",
                },
                "status": "asked",
            }
        ]
        # The question is still open after the reconnect: "no" answers it, nothing changes.
        declined = turn(ws, "no")
        assert "I have left everything as it was" in message(declined)["text"]
    with connect(f"{socket}?session={session}", additional_headers=signed_in) as ws:
        json.loads(ws.recv(timeout=30))
        last = json.loads(ws.recv(timeout=30))["messages"][-1]
    assert last["confirm"] is False  # nothing waits any more
    assert [t["status"] for t in last["tools"]] == ["declined"]
