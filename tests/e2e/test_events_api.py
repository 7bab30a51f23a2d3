"""``POST /v1/events`` and the chat's own events, through the served app and its processors."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.routes import chat
from infra.events.log import SHARD, LocalLog
from infra.settings import Settings
from tests.auth import bearer

pytestmark = pytest.mark.e2e

TS = "2011-06-01T10:00:00Z"


@pytest.fixture(scope="module")
def client(
    online_retail_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """One served app for the module (its tests use distinct event ids and users)."""
    data_dir = tmp_path_factory.mktemp("events-api") / "data"
    shutil.copytree(online_retail_dir, data_dir)
    with TestClient(create_app(Settings(data_dir=data_dir))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def staff(client: TestClient) -> dict[str, str]:
    """Events are posted by staff (a service account), never anonymously."""
    settings = client.app.state.runtime.settings  # type: ignore[attr-defined]
    return bearer(settings, "events-feeder", "staff")


def event(eid: str, kind: str = "view", **fields: Any) -> dict[str, Any]:
    base = {"event_id": eid, "type": kind, "ts": TS, "user_id": "u-42", "product_id": "22138"}
    return {**base, **fields}


def eventually(check: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "the processor did not catch up in time"
        time.sleep(0.05)


def test_events_are_accepted_once_and_reach_the_profile(
    client: TestClient, staff: dict[str, str]
) -> None:
    batch = [
        event("c1", "view"),
        event("c2", "add_to_cart", quantity=2),
        event("c3", "purchase", quantity=2, price=4.95, order_id="o1"),
    ]
    first = client.post("/v1/events", json={"events": batch}, headers=staff)
    assert first.status_code == 200
    assert first.json() == {"accepted": 3, "duplicates": 0, "rejected": []}
    again = client.post(
        "/v1/events", json={"events": batch[2:] + [event("c4", "view")]}, headers=staff
    )
    assert again.json() == {"accepted": 1, "duplicates": 1, "rejected": []}
    profiles = client.app.state.runtime.events.profiles  # type: ignore[attr-defined]

    def caught_up() -> bool:
        profile = profiles.profile("u-42")
        return profile is not None and profile.views == 2

    eventually(caught_up)
    profile = profiles.profile("u-42")
    assert (profile.views, profile.carts, profile.purchases, profile.units) == (2, 1, 1, 2)
    assert [r.type for r in profiles.recent("u-42")][:1] in (["view"], ["purchase"])


def test_invalid_events_are_rejected_with_reasons_and_counted(
    client: TestClient, staff: dict[str, str]
) -> None:
    response = client.post(
        "/v1/events",
        json={"events": [event("ok", user_id="u-7"), event("bad", "purchase"), {"event_id": "x"}]},
        headers=staff,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 1
    assert [(r["index"], r["event_id"]) for r in body["rejected"]] == [(1, "bad"), (2, "x")]
    assert body["rejected"][0]["reasons"] == ["a purchase event needs quantity, price"]
    all_bad = client.post("/v1/events", json={"events": [{"type": "view"}]}, headers=staff)
    assert all_bad.status_code == 422
    assert "event_id: Field required" in all_bad.json()["detail"][0]["reasons"]
    stats = client.get("/v1/events/stats", headers=staff).json()
    assert stats["published"]["rejected"] == 3
    assert stats["producer"] == "local"


def test_bad_bodies_and_oversized_batches(client: TestClient, staff: dict[str, str]) -> None:
    limit = client.app.state.runtime.settings.events_max_batch  # type: ignore[attr-defined]
    too_many = client.post(
        "/v1/events", json={"events": [event(f"m{i}") for i in range(limit + 1)]}, headers=staff
    )
    assert too_many.status_code == 413
    assert f"at most {limit}" in too_many.json()["detail"]
    huge = client.post(
        "/v1/events",
        json={"events": [event("h", "search", query="x" * 500)] * 3000},
        headers=staff,
    )
    assert huge.status_code == 413
    assert "byte limit" in huge.json()["detail"]
    as_json = {**staff, "Content-Type": "application/json"}
    assert client.post("/v1/events", content=b"{not json", headers=as_json).status_code == 422
    shape = client.post("/v1/events", json=[event("a")], headers=staff)
    assert shape.status_code == 422 and "events" in shape.json()["detail"]
    assert "/v1/events" in client.get("/openapi.json").json()["paths"]


def test_a_chat_turn_emits_search_and_turn_events(client: TestClient) -> None:
    with client.websocket_connect("/v1/chat") as ws:
        session = ws.receive_json()["session_id"]
        ws.send_json({"type": "message", "text": "red lanterns under 5 pounds"})
        frames = []
        while (frame := ws.receive_json())["type"] != "done":
            frames.append(frame)
    assert any(f["type"] == "tool_call" and f["name"] == "search_products" for f in frames)
    settings = client.app.state.runtime.settings  # type: ignore[attr-defined]
    kinds = [r.data for r in LocalLog(settings.events_dir / "log").read(SHARD, None, 100)]
    # The stream knows the session only by its keyed hash, never by the id the client holds.
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    pseudonym = runtime.sessions.keyed_hash(chat._EVENT_PURPOSE, session)[:32]
    assert any(b'"type":"search"' in k and pseudonym.encode() in k for k in kinds)
    assert any(b'"type":"chat_turn"' in k for k in kinds)
    assert not any(session.encode() in k for k in kinds)
