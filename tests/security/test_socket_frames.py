"""The chat socket under hostile frames and clients (findings 10, socket half, and 8 for chat):
every bad frame is answered with an ``error`` frame and the socket stays open; the anonymous
page resumes only its own session; the chat limit follows the principal, not the session; the
raw session id never reaches the event log or the lake; the session registry is shared by
processes on one data directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.chat_access import ANON_COOKIE
from api.main import create_app
from api.routes.chat import encode_frame
from assembly.events import open_pipeline
from infra.errors import AuthError
from infra.identity import Identity, Principal
from infra.sessions import SqliteSessions
from infra.settings import Settings
from tests.orders_helpers import answer_text, turn

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("[" * 100_000, "too_large"),  # the attack as reported: over the frame limit
        ("[" * 40_000, "too_deep"),  # deep nesting that fits the limit
        ('{"type": "message", "text": ' + "[" * 20_000 + "]" * 20_000 + "}", "too_deep"),
        ('{"type": "message", "text": "\\ud800"}', "bad_text"),  # a lone surrogate
        ('{"type": "message", "text": "ok \\udfff ok"}', "bad_text"),
        ('{"type": "message", "text": NaN}', "bad_json"),
        ('{"type": "message", "text": "hi", "n": Infinity}', "bad_json"),
        ('{"type": "message", "text": "hi", "n": -Infinity}', "bad_json"),
        # Red-team finding 5: an integer past Python's 4300-digit limit dropped the socket.
        ('{"type": "message", "text": "x", "n": ' + "9" * 4301 + "}", "bad_json"),
        ('{"type": "message", "text": "x", "n": [-' + "1" * 101 + "]}", "bad_json"),
    ],
)
def test_a_hostile_frame_gets_an_error_and_the_socket_answers_the_next(
    client: TestClient, raw: str, code: str
) -> None:
    with client.websocket_connect("/v1/chat") as ws:
        ws.receive_json()
        ws.send_text(raw)
        error = ws.receive_json()
        assert (error["type"], error["code"]) == ("error", code)
        assert error["message"]
        assert answer_text(turn(ws, "red lanterns under £5"))


def test_the_error_for_a_long_integer_names_it_and_ordinary_numbers_pass(
    client: TestClient,
) -> None:
    with client.websocket_connect("/v1/chat") as ws:
        ws.receive_json()
        ws.send_text('{"type": "message", "text": "x", "n": ' + "9" * 4301 + "}")
        assert "4301-digit integer" in ws.receive_json()["message"]
        ws.send_text('{"type": "message", "text": "red lanterns under £5", "n": ' + "9" * 100 + "}")
        assert ws.receive_json()["type"] != "error"


def test_a_rest_body_with_a_long_integer_is_refused_with_a_reason(client: TestClient) -> None:
    body = '{"query": "mug", "limit": ' + "9" * 4301 + "}"
    answer = client.post(
        "/v1/tools/search_products", content=body, headers={"Content-Type": "application/json"}
    )
    assert 400 <= answer.status_code < 500
    assert "digit" in str(answer.json()["detail"]).lower()


def test_binary_frames_and_a_paired_surrogate_are_fine(client: TestClient) -> None:
    with client.websocket_connect("/v1/chat") as ws:
        ws.receive_json()
        ws.send_bytes(b"[" * 1000)
        assert ws.receive_json()["code"] == "bad_frame"
        # An escaped surrogate *pair* is one real character (an emoji): a normal message.
        ws.send_text('{"type": "message", "text": "cake stand \\ud83c\\udf82"}')
        frames = []
        while (frame := ws.receive_json())["type"] != "done":
            frames.append(frame)
        assert answer_text(frames)


def test_a_frame_holding_a_lone_surrogate_is_still_sent_as_valid_json() -> None:
    frame = {"type": "message", "text": "name \udc80 here", "products": [{"title": "\ud800"}]}
    text = encode_frame(frame)
    text.encode("utf-8")  # would raise for a raw surrogate: the socket would drop
    assert json.loads(text) == frame
    plain = {"type": "token", "text": "£5 ☕"}
    assert encode_frame(plain) == json.dumps(plain, ensure_ascii=False)


def test_the_anonymous_page_resumes_its_own_session_only(client: TestClient) -> None:
    answer = client.post("/v1/chat/tickets")
    cookie = answer.cookies[ANON_COOKIE]
    set_cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie
    assert "path=/v1/chat" in set_cookie
    with client.websocket_connect(f"/v1/chat?ticket={answer.json()['ticket']}") as ws:
        session = ws.receive_json()["session_id"]
        shown = next(f for f in turn(ws, "cake stand") if f["type"] == "message")["products"]
    # A reload: a new ticket, the same cookie, the same conversation.
    ticket = client.post("/v1/chat/tickets").json()["ticket"]
    with client.websocket_connect(f"/v1/chat?ticket={ticket}&session={session}") as ws:
        assert ws.receive_json()["session_id"] == session
        frames = turn(ws, "tell me about the second one")
    call = next(f for f in frames if f["type"] == "tool_call")
    assert call["args"] == {"product_id": shown[1]["id"]}
    # Another visitor (no cookie: a new one is set), and a forged cookie, are other principals.
    for forged in (None, f"{cookie[:-4]}beef", f"{cookie.partition('.')[0]}"):
        client.cookies.clear()
        if forged is not None:
            client.cookies.set(ANON_COOKIE, forged, path="/v1/chat")
        answer = client.post("/v1/chat/tickets")
        assert answer.cookies[ANON_COOKIE] != cookie
        with client.websocket_connect(
            f"/v1/chat?ticket={answer.json()['ticket']}&session={session}"
        ) as ws:
            assert ws.receive_json()["code"] == "session_refused"
            with pytest.raises(WebSocketDisconnect):
                ws.receive_json()


def test_the_chat_limit_follows_the_principal_not_the_session(settings: Settings) -> None:
    strict = settings.model_copy(update={"rate_limit_chat_per_s": 0.01, "rate_limit_chat_burst": 1})
    token = Identity.from_settings(settings).issue("user:12347", "shopper")
    shopper = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(strict)) as client:
        for headers in ({}, shopper):
            with client.websocket_connect("/v1/chat", headers=headers) as ws:
                ws.receive_json()
                assert answer_text(turn(ws, "what's trending?"))
            # A new session (and, anonymous, a new ticket) buys no new bucket.
            ticket = client.post("/v1/chat/tickets", headers=headers).json()["ticket"]
            with client.websocket_connect(f"/v1/chat?ticket={ticket}") as ws:
                ws.receive_json()
                ws.send_json({"type": "message", "text": "what's trending?"})
                error = ws.receive_json()
                assert (error["type"], error["code"]) == ("error", "rate_limited")


def test_the_raw_session_id_stays_out_of_events_and_lake(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app) as client:
        with client.websocket_connect("/v1/chat") as ws:
            session = ws.receive_json()["session_id"]
            turn(ws, "red lanterns under £5")
            turn(ws, "tell me about the first one")
        pseudonym = app.state.runtime.sessions.keyed_hash("event-session", session)[:32]
    # The lake takes minute-long micro-batches: process what the log holds now, as
    # `shopagent events process` does.
    with open_pipeline(settings, process=True) as pipeline:
        for processor in pipeline.processors:
            processor.run(until_idle=True, max_failures=3)
        lake = pipeline.lake.dataset("events")
        assert lake is not None
        in_lake = set(lake.to_table(columns=["session_id"]).column("session_id").to_pylist())
    assert in_lake == {pseudonym}
    logged = [
        json.loads(line)
        for path in (settings.events_dir / "log").glob("*.log")
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert logged and {e["session_id"] for e in logged} == {pseudonym}
    kept = [
        path
        for folder in (settings.events_dir, Path(settings.lake))
        for path in folder.rglob("*")
        if path.is_file()
    ]
    assert any(path.suffix == ".parquet" for path in kept)
    for path in kept:  # raw bytes (the Parquet columns are checked decoded above)
        assert session.encode() not in path.read_bytes(), path


_OTHER_PROCESS = """
import sys
import anyio
from infra.sessions import SqliteSessions
from infra.settings import Settings

async def main() -> None:
    sessions = SqliteSessions.from_settings(Settings(data_dir=sys.argv[1]))
    print(await sessions.resume(sys.argv[2], "user:12347"))
    print(await sessions.resume(sys.argv[2], "user:17850"))
    print((await sessions.redeem_ticket(sys.argv[3])).user_id)

anyio.run(main)
"""


async def test_two_processes_share_sessions_and_a_ticket_is_redeemed_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    here = SqliteSessions.from_settings(settings)
    try:
        session = await here.open("user:12347")
        ticket = await here.issue_ticket(Principal("user:12347", "shopper", "12347"))
        there = subprocess.run(
            [sys.executable, "-c", _OTHER_PROCESS, str(settings.data_dir), session, ticket],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        assert there.stdout.split() == ["ok", "refused", "12347"]
        with pytest.raises(AuthError, match="already used"):
            await here.redeem_ticket(ticket)
    finally:
        here.close()
    assert (settings.data_dir / "sessions.key").stat().st_mode & 0o077 == 0
