"""The chat socket's AsyncAPI document (``/docs/asyncapi.json``) against a real conversation and
its resumption: every frame the server sends is described, and valid against its message's
payload schema; every example in the document is valid too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

pytestmark = pytest.mark.e2e


def payloads(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each described server frame type's payload schema, by its ``type``."""
    channel = document["channels"]["chat"]
    found: dict[str, dict[str, Any]] = {}
    for operation in document["operations"].values():
        if operation["action"] != "send":
            continue
        for ref in operation["messages"]:
            key = ref["$ref"].rsplit("/", 1)[1]
            message = document["components"]["messages"][
                channel["messages"][key]["$ref"].rsplit("/", 1)[1]
            ]
            found[message["payload"]["properties"]["type"]["const"]] = message["payload"]
    return found


def test_every_frame_of_a_conversation_and_example_is_described(
    client: TestClient, shopper_headers: Callable[[str], dict[str, str]]
) -> None:
    document = client.get("/docs/asyncapi.json").json()
    assert document["asyncapi"].startswith("3.")
    described = payloads(document)
    frames: list[dict[str, Any]] = []
    signed_in = shopper_headers("12347")  # a resumed session is its owner's only
    with client.websocket_connect("/v1/chat", headers=signed_in) as socket:
        frames.append(socket.receive_json())
        for text in ("heart lanterns under 10 pounds", "is the first one in stock?"):
            socket.send_json({"type": "message", "text": text})
            while (frame := socket.receive_json())["type"] != "done":
                frames.append(frame)
            frames.append(frame)
        socket.send_text("not json")
        frames.append(socket.receive_json())
    # The same shopper resumes the session: the conversation so far comes after the session.
    resume = f"/v1/chat?session={frames[0]['session_id']}"
    with client.websocket_connect(resume, headers=signed_in) as socket:
        frames.append(socket.receive_json())
        frames.append(socket.receive_json())
    assert frames[-1]["type"] == "history" and len(frames[-1]["messages"]) == 4
    kinds = {frame["type"] for frame in frames}
    assert {"session", "tool_call", "tool_result", "message", "error", "done", "history"} <= kinds
    assert kinds <= set(described), kinds - set(described)
    for frame in frames:
        problems = list(Draft202012Validator(described[frame["type"]]).iter_errors(frame))
        assert problems == [], (frame["type"], [p.message for p in problems[:3]])

    check_examples(document)


def check_examples(document: dict[str, Any]) -> None:
    """Every example fits its message; the client sends message frames only."""
    messages = document["components"]["messages"]
    for name, message in messages.items():
        assert message["examples"], name
        for example in message["examples"]:
            Draft202012Validator(message["payload"]).validate(example["payload"])
    client_frames = [
        messages[
            document["channels"]["chat"]["messages"][ref["$ref"].rsplit("/", 1)[1]]["$ref"].rsplit(
                "/", 1
            )[1]
        ]
        for operation in document["operations"].values()
        if operation["action"] == "receive"
        for ref in operation["messages"]
    ]
    assert [m["payload"]["properties"]["type"]["const"] for m in client_frames] == ["message"]
