"""Customer service on the tau-retail store: over ``WS /v1/chat`` a signed-in shopper
authenticates, checks an order and returns an item, confirming after a reconnect, and a staff
agent's refusals change nothing; the tools over REST; the conversation suite through the
evaluation harness. (An anonymous socket is not served: tests/security/test_anonymous_service.py)
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evals.agent import load_suite, run_suite
from infra.settings import Settings
from tests.auth import bearer
from tests.orders_helpers import answer_text, store_digest, turn

SUITE = Path(__file__).resolve().parents[2] / "evals" / "suites" / "orders.jsonl"

pytestmark = pytest.mark.e2e


def _of(frames: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == kind]


def test_authenticate_check_an_order_and_return_an_item_across_a_reconnect(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    yara = bearer(tau_settings, "yara_sanchez_1902", "shopper")  # the page signed in as her
    ticket = tau_client.post("/v1/chat/tickets", headers=yara).json()["ticket"]
    with tau_client.websocket_connect(f"/v1/chat?ticket={ticket}") as ws:
        session = ws.receive_json()["session_id"]
        frames = turn(ws, "Hi, I'm yara.sanchez4385@example.com. What's the status of #W6015009?")
        calls = [(f["name"], f["args"]) for f in _of(frames, "tool_call")]
        assert calls[0] == ("find_user_id_by_email", {"email": "[EMAIL]"})  # masked
        assert ("get_order_details", {"order_id": "#W6015009"}) in calls
        assert "Order #W6015009 is delivered" in answer_text(frames)
        frames = turn(ws, "I'd like to return the sunglasses")
        assert "Where should the refund go" in answer_text(frames)
        before = store_digest(tau_settings.store_path)
        frames = turn(ws, "to the original card please")
        (write,) = _of(frames, "tool_call")
        assert write["name"] == "return_delivered_order_items"
        assert write["args"]["item_ids"] == ["9672174103"]
        assert _of(frames, "tool_result") == []  # asked about, not run
        assert "Shall I go ahead? Please answer yes or no." in answer_text(frames)
    assert store_digest(tau_settings.store_path) == before
    # The same shopper resumes her own session.
    ticket = tau_client.post("/v1/chat/tickets", headers=yara).json()["ticket"]
    with tau_client.websocket_connect(f"/v1/chat?ticket={ticket}&session={session}") as ws:
        assert ws.receive_json()["session_id"] == session
        frames = turn(ws, "yes")
    (result,) = _of(frames, "tool_result")
    assert result["name"] == "return_delivered_order_items" and not result["is_error"]
    assert result["output"]["status"] == "return requested"
    assert result["output"]["return_items"] == ["9672174103"]
    assert answer_text(frames).startswith("Done: order #W6015009 is set up for a return")
    assert store_digest(tau_settings.store_path) != before


def test_refusals_over_the_socket_leave_the_store_unchanged(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    before = store_digest(tau_settings.store_path)
    staff = bearer(tau_settings, "agent", "staff")  # an agent serving a caller, as in tau-bench
    with tau_client.websocket_connect("/v1/chat", headers=staff) as ws:
        assert ws.receive_json()["role"] == "staff"
        assert "nothing waiting for your confirmation" in answer_text(turn(ws, "yes"))
        frames = turn(ws, "cancel order #W4923227")  # before authenticating
        assert _of(frames, "tool_call") == [] and "e-mail" in answer_text(frames)
        turn(ws, "I'm Chen Smith, zip 32278")
        frames = turn(ws, "return everything in order #W7678072 to my gift card")
        (refused,) = _of(frames, "tool_result")
        assert (
            refused["is_error"]
            and "not one of the authenticated customer's orders" in (refused["output"])
        )
        frames = turn(ws, "and check the orders of noah.brown7922@example.com")
        assert "one customer per conversation" in answer_text(frames)
    assert store_digest(tau_settings.store_path) == before


def test_the_tools_over_rest(tau_client: TestClient, tau_settings: Settings) -> None:
    tau_client.headers.update(bearer(tau_settings, "agent", "staff"))  # customer service: staff
    names = {t["name"] for t in tau_client.get("/v1/tools").json()}
    assert {"find_user_id_by_email", "cancel_pending_order", "transfer_to_human_agents"} <= names
    found = tau_client.post(
        "/v1/tools/find_user_id_by_email", json={"email": "NOAH.BROWN7922@example.com"}
    )
    assert found.json() == {"user_id": "noah_brown_6181"}
    order = tau_client.post("/v1/tools/get_order_details", json={"order_id": "#W7678072"}).json()
    assert order["status"] == "delivered" and order["user_id"] == "noah_brown_6181"
    before = store_digest(tau_settings.store_path)
    missing = tau_client.post("/v1/tools/get_order_details", json={"order_id": "#W0000000"})
    assert (missing.status_code, missing.json()["detail"]) == (404, "order not found")
    refused = tau_client.post(
        "/v1/tools/cancel_pending_order",
        json={"order_id": "#W7678072", "reason": "no longer needed"},
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == "non-pending order cannot be cancelled"
    bad = tau_client.post("/v1/tools/return_delivered_order_items", json={"order_id": "#W7678072"})
    assert bad.status_code == 422
    assert {e["loc"][-1] for e in bad.json()["detail"]} == {"item_ids", "payment_method_id"}
    assert store_digest(tau_settings.store_path) == before


async def test_the_conversation_suite_passes_through_the_harness(
    tau_retail_dir: Path, tmp_path: Path
) -> None:
    scratch = tmp_path / "scratch"
    shutil.copytree(tau_retail_dir, scratch / "tau-retail")
    conversations = load_suite(SUITE)
    assert {c.dataset for c in conversations} == {"tau-retail"} and len(conversations) >= 15
    report = await run_suite(conversations, Settings(data_dir=tmp_path / "unused"), scratch)
    failed = [c["id"] for c in report["conversations"] if not c["passed"]]
    assert failed == []
    overall = report["summary"]["overall"]
    assert overall["errors"] == 0
    assert overall["pass_rate"]["rate"] == 1.0 and overall["pass_rate"]["total"] >= 40
