"""The ``history`` frame the chat page draws after a reconnect, over the socket itself: a resumed
session replays its messages (with the products and steps of each answer, and a question still
waiting for yes or no) to its owner; a new session gets none. (That nobody else gets it is
``test_chat_page.py::test_a_conversation_is_replayed_to_its_owner_only``.)"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from infra.settings import Settings
from tests.auth import bearer
from tests.orders_helpers import answer_text, turn

pytestmark = pytest.mark.e2e


def test_a_resumed_session_replays_its_messages_and_the_waiting_question(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    yara = bearer(tau_settings, "yara_sanchez_1902", "shopper")
    with tau_client.websocket_connect("/v1/chat", headers=yara) as ws:
        session = ws.receive_json()["session_id"]
        first = turn(ws, "sunglasses")
        assert "history" not in {f["type"] for f in first}  # a new session has none
        shown = next(f for f in first if f["type"] == "message")["products"]
        turn(ws, "I'd like to return the sunglasses from #W6015009")
        asked = turn(ws, "to the original card please")
        assert "Shall I go ahead?" in answer_text(asked)
        assert next(f for f in asked if f["type"] == "message")["confirm"] is True
    with tau_client.websocket_connect(f"/v1/chat?session={session}", headers=yara) as ws:
        assert ws.receive_json()["type"] == "session"
        history: dict[str, Any] = ws.receive_json()
        assert history["type"] == "history"
        messages = history["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant"] * 3
        assert [m["text"] for m in messages[::2]] == [
            "sunglasses",
            "I'd like to return the sunglasses from #W6015009",
            "to the original card please",
        ]
        search = messages[1]
        assert [p["id"] for p in search["products"]] == [p["id"] for p in shown] != []
        assert search["tools"][0] == {**search["tools"][0], "name": "search_products"}
        assert search["tools"][0]["status"] == "done" and search["confirm"] is False
        waiting = messages[-1]
        assert waiting["confirm"] is True and "Shall I go ahead?" in waiting["text"]
        assert waiting["tools"] == [
            {
                "name": "return_delivered_order_items",
                "args": {
                    "order_id": "#W6015009",
                    "item_ids": ["9672174103"],
                    "payment_method_id": "credit_card_5884162",
                },
                "status": "asked",
            }
        ]
        done = turn(ws, "yes")  # the question is still open after the reconnect
        assert answer_text(done).startswith("Done: order #W6015009 is set up for a return")
