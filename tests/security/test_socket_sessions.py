"""Findings 2 and 5 replayed against the chat socket: a session id is not a bearer token, the
shopper is who the token says, and a page from another origin cannot open the socket."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from api.main import create_app
from infra.identity import Identity
from infra.settings import Settings
from tests.orders_helpers import store_digest, turn

pytestmark = pytest.mark.e2e

ORDER = "#W6207110"  # evelyn_ito_7643's pending order (tau-retail)
CANCEL = [
    "Please cancel my order #W6207110",
    "evelyn.ito2168@example.com",
    "I ordered it by mistake",
]


def _refused(ws: WebSocketTestSession, code: str) -> dict[str, Any]:
    """The socket's ``error`` frame (of ``code``), then its 1008 close."""
    error: dict[str, Any] = ws.receive_json()
    assert (error["type"], error["code"]) == ("error", code), error
    assert error["message"]
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == 1008
    return error


def _bearer(settings: Settings, subject: str, role: str = "shopper") -> dict[str, str]:
    token = Identity.from_settings(settings).issue(subject, role)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


def _order_status(settings: Settings, order_id: str) -> str:
    with sqlite3.connect(settings.store_path) as conn:
        (doc,) = conn.execute("SELECT doc FROM orders WHERE order_id = ?", (order_id,)).fetchone()
    return str(json.loads(doc)["status"])


def _copy(source: Path, tmp_path: Path, **fields: Any) -> Settings:
    data_dir = tmp_path / "data"
    shutil.copytree(source, data_dir)
    return Settings(data_dir=data_dir, **fields)


def test_a_replayed_session_id_cannot_see_or_confirm_a_pending_cancellation(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    owner = _bearer(tau_settings, "user:evelyn_ito_7643")
    with tau_client.websocket_connect("/v1/chat", headers=owner) as ws:
        session = ws.receive_json()["session_id"]
        for text in CANCEL:
            frames = turn(ws, text)
    question = next(f for f in frames if f["type"] == "message")["text"]
    assert "Shall I go ahead" in question and "536.67" in question
    before = store_digest(tau_settings.store_path)

    other_shopper = _bearer(tau_settings, "user:noah_brown_6181")
    anonymous_ticket = tau_client.post("/v1/chat/tickets").json()["ticket"]
    for url, headers in [
        (f"/v1/chat?session={session}", {}),  # anonymous, no credential
        (f"/v1/chat?session={session}&ticket={anonymous_ticket}", {}),  # the anonymous page
        (f"/v1/chat?session={session}", other_shopper),  # signed in as someone else
        (f"/v1/chat?session={session}&user_id=evelyn_ito_7643", other_shopper),
    ]:
        with tau_client.websocket_connect(url, headers=headers) as ws:
            error = _refused(ws, "session_refused")
            assert "536.67" not in error["message"]
    assert store_digest(tau_settings.store_path) == before
    assert _order_status(tau_settings, ORDER) == "pending"

    # The owner still holds the question, and only the owner's "yes" cancels.
    with tau_client.websocket_connect(f"/v1/chat?session={session}", headers=owner) as ws:
        assert ws.receive_json()["session_id"] == session
        frames = turn(ws, "yes")
    assert [f["name"] for f in frames if f["type"] == "tool_result"] == ["cancel_pending_order"]
    assert _order_status(tau_settings, ORDER) == "cancelled"


@pytest.mark.parametrize("made_up", ["1", "abc", "A" * 32])
def test_client_chosen_session_ids_are_refused(
    tau_client: TestClient, tau_settings: Settings, made_up: str
) -> None:
    with tau_client.websocket_connect(f"/v1/chat?session={made_up}") as ws:
        _refused(ws, "session_refused")
    signed_in = _bearer(tau_settings, "user:evelyn_ito_7643")
    with tau_client.websocket_connect(f"/v1/chat?session={made_up}", headers=signed_in) as ws:
        _refused(ws, "session_refused")


def test_an_expired_session_is_refused(online_retail_dir: Path, tmp_path: Path) -> None:
    # The lifetime counts from the first message: the turn and the reconnection must fit in it
    # even on a busy machine, so it is seconds, not a fraction of one.
    ttl_s = 3.0
    settings = _copy(online_retail_dir, tmp_path, session_ttl_s=ttl_s)
    headers = _bearer(settings, "user:12347")
    with TestClient(create_app(settings)) as client:
        with client.websocket_connect("/v1/chat", headers=headers) as ws:
            session = ws.receive_json()["session_id"]
            turn(ws, "recommend something")  # a session is recorded once the client talks
        with client.websocket_connect(f"/v1/chat?session={session}", headers=headers) as ws:
            assert ws.receive_json()["session_id"] == session  # within its lifetime
        time.sleep(ttl_s + 0.2)
        with client.websocket_connect(f"/v1/chat?session={session}", headers=headers) as ws:
            _refused(ws, "session_expired")


def _logged_events(settings: Settings) -> list[dict[str, Any]]:
    events = []
    for path in sorted((settings.events_dir / "log").glob("*.log")):
        events += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return events


def test_user_id_in_the_query_has_no_effect(online_retail_dir: Path, tmp_path: Path) -> None:
    settings = _copy(online_retail_dir, tmp_path)
    with (
        TestClient(create_app(settings)) as client,
        client.websocket_connect("/v1/chat?user_id=12347") as ws,
    ):
        assert ws.receive_json()["role"] == "anonymous"
        frames = turn(ws, "recommend something for me")
        frames += turn(ws, "tell me about the first one")
    calls = [f for f in frames if f["type"] == "tool_call"]
    assert calls[0]["name"] == "recommend_products" and "user_id" not in calls[0]["args"]
    result = next(f for f in frames if f["type"] == "tool_result")
    assert result["output"]["strategy"] != "personalized"
    message = next(f for f in frames if f["type"] == "message")
    assert "(in your history)" not in message["text"]
    logged = _logged_events(settings)
    assert {e["type"] for e in logged} >= {"recommendation_shown", "view", "chat_turn"}
    assert all(e.get("user_id") is None for e in logged)
    profiles = settings.events_dir / "profiles.sqlite"
    if profiles.exists():  # the processor wrote profiles: none of them is 12347's
        with sqlite3.connect(profiles) as conn:
            tables = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            for table in tables:
                dump = "\n".join(str(row) for row in conn.execute(f"SELECT * FROM {table}"))
                assert "12347" not in dump


def test_a_signed_in_shopper_is_who_the_token_says(online_retail_dir: Path, tmp_path: Path) -> None:
    settings = _copy(online_retail_dir, tmp_path)
    with TestClient(create_app(settings)) as client:
        headers = _bearer(settings, "user:12347")
        with client.websocket_connect("/v1/chat?user_id=17850", headers=headers) as ws:
            assert ws.receive_json()["role"] == "shopper"
            frames = turn(ws, "recommend something for me")
    call = next(f for f in frames if f["type"] == "tool_call")
    assert call["args"]["user_id"] == "12347"
    assert {e.get("user_id") for e in _logged_events(settings)} == {"12347"}


@pytest.mark.parametrize(
    ("url", "headers", "code"),
    [
        ("/v1/chat", {"Authorization": "Bearer not-a-token"}, "bad_token"),
        ("/v1/chat", {"Authorization": "Basic dXNlcjpwYXNz"}, "bad_token"),
        ("/v1/chat?ticket=made-up", {}, "bad_ticket"),
        ("/v1/chat?ticket=", {}, "bad_ticket"),
    ],
)
def test_bad_credentials_get_an_error_frame_and_1008(
    tau_client: TestClient, url: str, headers: dict[str, str], code: str
) -> None:
    with tau_client.websocket_connect(url, headers=headers) as ws:
        _refused(ws, code)


def test_an_expired_token_is_refused(online_retail_dir: Path, tmp_path: Path) -> None:
    settings = _copy(online_retail_dir, tmp_path, auth_leeway_s=0)
    token = Identity.from_settings(settings).issue("user:12347", "shopper", 1)
    with TestClient(create_app(settings)) as client:
        time.sleep(1.2)
        headers = {"Authorization": f"Bearer {token}"}
        with client.websocket_connect("/v1/chat", headers=headers) as ws:
            error = _refused(ws, "bad_token")
    assert "expired" in error["message"]


def test_a_ticket_opens_one_socket(tau_client: TestClient) -> None:
    answer = tau_client.post("/v1/chat/tickets")
    assert answer.status_code == 200
    body = answer.json()
    assert body["expires_in"] == 30 and len(body["ticket"]) >= 32
    with tau_client.websocket_connect(f"/v1/chat?ticket={body['ticket']}") as ws:
        assert ws.receive_json()["type"] == "session"
    with tau_client.websocket_connect(f"/v1/chat?ticket={body['ticket']}") as ws:
        error = _refused(ws, "bad_ticket")
    assert "already used" in error["message"]


def test_a_ticket_expires(online_retail_dir: Path, tmp_path: Path) -> None:
    settings = _copy(online_retail_dir, tmp_path, ticket_ttl_s=0.3)
    with TestClient(create_app(settings)) as client:
        ticket = client.post("/v1/chat/tickets").json()["ticket"]
        time.sleep(0.5)
        with client.websocket_connect(f"/v1/chat?ticket={ticket}") as ws:
            error = _refused(ws, "bad_ticket")
    assert "expired" in error["message"]


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "http://testserver.evil.example", "null", "file://"]
)
def test_a_page_from_another_origin_cannot_open_the_socket(
    tau_client: TestClient, tau_settings: Settings, origin: str
) -> None:
    signed_in = _bearer(tau_settings, "user:evelyn_ito_7643")
    for headers in ({"Origin": origin}, {"Origin": origin, **signed_in}):
        with tau_client.websocket_connect("/v1/chat", headers=headers) as ws:
            _refused(ws, "origin_refused")
    answer = tau_client.post("/v1/chat/tickets", headers={"Origin": origin})
    assert answer.status_code == 403 and "origin" in answer.json()["detail"]
    assert "set-cookie" not in answer.headers


def test_the_own_origin_and_its_loopback_twins_may(tau_client: TestClient) -> None:
    own = {"Host": "127.0.0.1:8000"}
    for origin in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"):
        with tau_client.websocket_connect("/v1/chat", headers={**own, "Origin": origin}) as ws:
            assert ws.receive_json()["type"] == "session", origin
    for origin in ("http://localhost:9999", "http://127.0.0.2:8000", "http://127.0.0.1"):
        with tau_client.websocket_connect("/v1/chat", headers={**own, "Origin": origin}) as ws:
            _refused(ws, "origin_refused")


def test_allowed_origins_replace_the_default(online_retail_dir: Path, tmp_path: Path) -> None:
    settings = _copy(online_retail_dir, tmp_path, allowed_origins=["https://shop.example"])
    with TestClient(create_app(settings)) as client:
        with client.websocket_connect("/v1/chat", headers={"Origin": "https://shop.example"}) as ws:
            assert ws.receive_json()["type"] == "session"
        with client.websocket_connect("/v1/chat", headers={"Origin": "http://testserver"}) as ws:
            _refused(ws, "origin_refused")


def test_a_signed_in_ticket_carries_the_token_holder(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    owner = _bearer(tau_settings, "user:evelyn_ito_7643")
    answer = tau_client.post("/v1/chat/tickets", headers=owner)
    assert answer.status_code == 200 and "set-cookie" not in answer.headers  # no cookie needed
    with tau_client.websocket_connect(f"/v1/chat?ticket={answer.json()['ticket']}") as ws:
        session = ws.receive_json()
        assert (session["type"], session["role"]) == ("session", "shopper")
        turn(ws, "recommend something")  # a session is recorded once the client talks
    # The token's holder, not whoever has the ticket's page, owns that session.
    with tau_client.websocket_connect(
        f"/v1/chat?session={session['session_id']}", headers=owner
    ) as ws:
        assert ws.receive_json()["session_id"] == session["session_id"]
    refused = tau_client.post("/v1/chat/tickets", headers={"Authorization": "Bearer x.y.z"})
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
