"""Recommendations and their explanations over REST and in the chat, on the online-retail demo
store with the recommender trained at start-up; rate limits on the REST tools and the chat."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from infra.settings import Settings
from tools.catalog.sqlite import SqliteStore

pytestmark = pytest.mark.e2e

HEART = "85123A"  # White Hanging Heart T-Light Holder, the best seller


def call(client: TestClient, name: str, headers: dict[str, str] | None = None, **args: Any) -> Any:
    return client.post(f"/v1/tools/{name}", json=args, headers=headers or {})


def test_bought_together_over_rest(client: TestClient) -> None:
    reply = call(client, "recommend_products", product_id=HEART, limit=5)
    assert reply.status_code == 200
    body = reply.json()
    assert body["strategy"] == "bought_together"
    products = body["products"]
    assert len(products) == 5
    assert HEART not in {p["id"] for p in products}
    assert all(p["in_stock"] for p in products)
    assert products[0]["reason"].startswith("Bought together with White Hanging Heart")
    assert products[0]["evidence"][0]["orders"] > 100


def test_personalized_leaves_out_what_the_shopper_bought(
    client: TestClient, settings: Settings, shopper_headers: Callable[[str], dict[str, str]]
) -> None:
    # The shopper's own picks: user_id comes from their token.
    body = call(client, "recommend_products", shopper_headers("12347"), limit=10).json()
    assert body["strategy"] == "personalized"
    store = SqliteStore(settings.store_path)
    try:
        bought = {i.product_id for o in store.orders_for_user("12347") for i in o.items}
    finally:
        store.close()
    assert bought and not bought & {p["id"] for p in body["products"]}
    assert any("(in your history)" in p["reason"] for p in body["products"])


def test_bad_input_gets_clear_4xx(client: TestClient, staff_headers: dict[str, str]) -> None:
    assert call(client, "recommend_products", product_id="NOPE").status_code == 404
    missing = call(client, "recommend_products", staff_headers, user_id="no-such-shopper")
    assert missing.status_code == 404 and "no shopper" in missing.json()["detail"]
    assert call(client, "recommend_products", limit=0).status_code == 422
    assert call(client, "recommend_products", strategy="magic").status_code == 422
    needs = call(client, "recommend_products", strategy="similar")
    assert needs.status_code == 422 and "needs a product_id" in needs.json()["detail"]
    assert call(client, "explain_recommendation").status_code == 422


def test_explanations_over_rest(client: TestClient) -> None:
    first = call(client, "recommend_products", product_id=HEART, limit=1).json()["products"][0]
    reply = call(client, "explain_recommendation", product_id=first["id"], source_product_id=HEART)
    assert reply.status_code == 200
    body = reply.json()
    assert body["worded_by"] == "templates"
    assert "bought together with White Hanging Heart T-Light Holder in" in body["text"]
    assert body["text"] == " ".join(body["facts"])


def test_readiness_names_the_recommender_and_the_cache(
    client: TestClient, staff_headers: dict[str, str]
) -> None:
    backends = client.get("/readyz", headers=staff_headers).json()["backends"]
    assert backends["recommender"] == {"backend": "local", "ok": True}
    assert backends["cache"] == {"backend": "memory", "ok": True, "degraded": False}


def _turn(ws: Any, text: str) -> list[dict[str, Any]]:
    ws.send_json({"type": "message", "text": text})
    frames: list[dict[str, Any]] = []
    while (frame := ws.receive_json())["type"] != "done":
        frames.append(frame)
    return frames


def test_the_chat_recommends_and_explains(client: TestClient) -> None:
    with client.websocket_connect("/v1/chat") as ws:
        ws.receive_json()
        _turn(ws, f"tell me about {HEART}")
        frames = _turn(ws, "what goes with it?")
        [call_frame] = [f for f in frames if f["type"] == "tool_call"]
        assert call_frame["name"] == "recommend_products"
        assert call_frame["args"]["product_id"] == HEART
        message = next(f for f in frames if f["type"] == "message")
        assert message["text"].startswith("Often bought together with White Hanging Heart")
        assert len(message["products"]) == 5
        second = message["products"][1]["id"]
        frames = _turn(ws, "why the second one?")
        [call_frame] = [f for f in frames if f["type"] == "tool_call"]
        assert call_frame["name"] == "explain_recommendation"
        assert call_frame["args"] == {"product_id": second, "source_product_id": HEART}
        message = next(f for f in frames if f["type"] == "message")
        assert message["text"].startswith("Why ") and f"({second})" in message["text"]
        assert "White Hanging Heart T-Light Holder" in message["text"]


def test_a_signed_in_shopper_gets_personal_picks_in_the_chat(
    client: TestClient, shopper_headers: Callable[[str], dict[str, str]]
) -> None:
    with client.websocket_connect("/v1/chat") as ws:  # nobody signed in: trending
        ws.receive_json()
        [anonymous] = [
            f for f in _turn(ws, "recommend something for me") if f["type"] == "tool_call"
        ]
    assert "user_id" not in anonymous["args"]
    with client.websocket_connect("/v1/chat", headers=shopper_headers("12347")) as ws:
        assert ws.receive_json()["role"] == "shopper"
        frames = _turn(ws, "recommend something for me")
        [call_frame] = [f for f in frames if f["type"] == "tool_call"]
        assert call_frame["args"]["user_id"] == "12347"
        [result] = [f for f in frames if f["type"] == "tool_result"]
        assert result["output"]["strategy"] == "personalized"
        message = next(f for f in frames if f["type"] == "message")
        assert "(in your history)" in message["text"]
        frames = _turn(ws, "why the first one?")
        [call_frame] = [f for f in frames if f["type"] == "tool_call"]
        assert call_frame["name"] == "explain_recommendation"
        assert call_frame["args"]["user_id"] == "12347"


@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient]:
    strict = settings.model_copy(
        update={
            "rate_limit_rest_per_s": 0.01,
            "rate_limit_rest_burst": 2,
            "rate_limit_chat_per_s": 0.01,
            "rate_limit_chat_burst": 1,
        }
    )
    with TestClient(create_app(strict)) as test_client:
        yield test_client


def test_rate_limits_answer_429_and_an_error_frame(
    limited: TestClient, shopper_headers: Callable[[str], dict[str, str]]
) -> None:
    codes = [call(limited, "recommend_products").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = call(limited, "recommend_products")
    assert int(refused.headers["retry-after"]) >= 1
    assert "rate limit" in refused.json()["detail"]
    # Another API key is the same anonymous caller; a signed-in shopper has their own bucket.
    other = limited.post("/v1/tools/recommend_products", json={}, headers={"X-API-Key": "k2"})
    assert other.status_code == 429
    assert call(limited, "recommend_products", shopper_headers("12347")).status_code == 200
    with limited.websocket_connect("/v1/chat") as ws:
        ws.receive_json()
        assert any(f["type"] == "message" for f in _turn(ws, "what's trending?"))
        ws.send_json({"type": "message", "text": "what's trending?"})
        error = ws.receive_json()
        assert error["type"] == "error" and error["code"] == "rate_limited"
