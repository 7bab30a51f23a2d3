"""Finding 1 replayed: anonymous REST reads and writes of customer data, stock and copy.

Each attack of the issue is sent as it was reported; each must be refused with 401/403, a
``WWW-Authenticate`` challenge and a JSON reason, and the store must be byte-for-byte the same
(a dump of every row before and after). Staff and shoppers still get what is theirs.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from infra.settings import Settings
from tests.auth import bearer
from tests.orders_helpers import store_digest

pytestmark = pytest.mark.e2e

SOFIA = "sofia_rossi_8776"  # tau-retail: pending #W5918442, #W5500815; delivered #W8535951
NOAH = "noah_brown_6181"  # tau-retail: delivered #W7678072
ADDRESS = {
    "address1": "1 Attacker Way",
    "address2": "",
    "city": "Nowhere",
    "state": "NV",
    "country": "USA",
    "zip": "00000",
}
# The write tools as the issue ran them, with no credential.
WRITES: list[tuple[str, dict[str, object]]] = [
    ("cancel_pending_order", {"order_id": "#W5918442", "reason": "no longer needed"}),
    (
        "return_delivered_order_items",
        {
            "order_id": "#W8535951",
            "item_ids": ["1304426904"],
            "payment_method_id": "credit_card_5051208",
        },
    ),
    ("modify_user_address", {"user_id": SOFIA, **ADDRESS}),
    ("modify_pending_order_address", {"order_id": "#W5500815", **ADDRESS}),
]


def _refused(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["www-authenticate"].startswith('Bearer realm="shopagent"')
    detail = response.json()["detail"]
    assert all(word in detail for word in words), detail


def test_anonymous_reads_of_a_customer_are_refused(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    before = store_digest(tau_settings.store_path)
    for name, args in [
        ("get_user_details", {"user_id": SOFIA}),
        ("get_order_details", {"order_id": "#W5918442"}),
        ("find_user_id_by_email", {"email": "sofia.rossi2645@example.com"}),
        ("find_user_id_by_name_zip", {"first_name": "Sofia", "last_name": "Rossi", "zip": "78784"}),
    ]:
        response = tau_client.post(f"/v1/tools/{name}", json=args)
        _refused(response, 401, name, "Authorization: Bearer")
        assert "sofia.rossi2645" not in response.text and "3357" not in response.text
    assert store_digest(tau_settings.store_path) == before


def test_anonymous_writes_change_nothing(tau_client: TestClient, tau_settings: Settings) -> None:
    before = store_digest(tau_settings.store_path)
    for name, args in WRITES:
        _refused(tau_client.post(f"/v1/tools/{name}", json=args), 401, name, "staff")
    assert store_digest(tau_settings.store_path) == before


def test_a_shopper_may_not_run_write_tools_over_rest(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    """Even on their own orders: a shopper changes orders through the chat, which confirms."""
    sofia = bearer(tau_settings, SOFIA, "shopper")
    before = store_digest(tau_settings.store_path)
    for name, args in WRITES:
        response = tau_client.post(f"/v1/tools/{name}", json=args, headers=sofia)
        assert response.headers["www-authenticate"].endswith('error="insufficient_scope"')
        _refused(response, 403, name, "staff only", "shopper")
    assert store_digest(tau_settings.store_path) == before


def test_a_shopper_reads_only_their_own_user_and_orders(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    sofia = bearer(tau_settings, SOFIA, "shopper")
    before = store_digest(tau_settings.store_path)
    other = tau_client.post("/v1/tools/get_user_details", json={"user_id": NOAH}, headers=sofia)
    _refused(other, 403, "user_id comes from the token")
    assert "noah" not in other.text.replace("get_user_details", "")
    theirs = tau_client.post(
        "/v1/tools/get_order_details", json={"order_id": "#W7678072"}, headers=sofia
    )
    _refused(theirs, 403, "#W7678072", "not one of your orders")
    assert NOAH not in theirs.text
    # Her own: user_id left out is filled in from the token; her own order reads.
    own = tau_client.post("/v1/tools/get_user_details", json={}, headers=sofia)
    assert own.status_code == 200 and own.json()["email"] == "sofia.rossi2645@example.com"
    named = tau_client.post("/v1/tools/get_user_details", json={"user_id": SOFIA}, headers=sofia)
    assert named.json() == own.json()
    order = tau_client.post(
        "/v1/tools/get_order_details", json={"order_id": "#W5918442"}, headers=sofia
    )
    assert order.status_code == 200 and order.json()["user_id"] == SOFIA
    assert store_digest(tau_settings.store_path) == before


def test_staff_run_customer_service_tools(tau_client: TestClient, tau_settings: Settings) -> None:
    staff = bearer(tau_settings, "agent_7", "staff")
    user = tau_client.post("/v1/tools/get_user_details", json={"user_id": SOFIA}, headers=staff)
    assert user.status_code == 200 and user.json()["email"] == "sofia.rossi2645@example.com"
    before = store_digest(tau_settings.store_path)
    cancel = tau_client.post(
        "/v1/tools/cancel_pending_order", json=dict(WRITES[0][1]), headers=staff
    )
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    assert store_digest(tau_settings.store_path) != before  # the write did happen


def test_catalog_reads_stay_open_to_anyone(tau_client: TestClient) -> None:
    types = tau_client.post("/v1/tools/list_all_product_types", json={})
    assert types.status_code == 200 and types.json()
    product = tau_client.post("/v1/tools/get_product_details", json={"product_id": "6858788497"})
    assert product.status_code == 200
    assert tau_client.get("/v1/tools").status_code == 200
    assert tau_client.get("/healthz").json() == {"status": "ok"}


def test_anonymous_stock_and_copy_writes_change_nothing(
    client: TestClient, settings: Settings
) -> None:
    """``POST /v1/inventory/receipts {"quantity": 1000000}`` and ``POST /v1/content``."""
    before = store_digest(settings.store_path)
    receipt = {"product_id": "22423", "quantity": 1_000_000}
    _refused(
        client.post("/v1/inventory/receipts", json=receipt),
        401,
        "POST /v1/inventory/receipts needs a staff token",
    )
    _refused(client.get("/v1/inventory/reorders"), 401, "staff")
    copy = {"product_id": "22423", "tone": "playful", "keywords": ["FREE MONEY"]}
    _refused(client.post("/v1/content", json=copy), 401, "staff")
    shopper = bearer(settings, "12347", "shopper")
    _refused(client.post("/v1/inventory/receipts", json=receipt, headers=shopper), 403, "staff")
    _refused(client.post("/v1/content", json=copy, headers=shopper), 403, "staff")
    assert store_digest(settings.store_path) == before
    assert not any(settings.content_dir.rglob("*.json"))
    assert client.get("/v1/content/22423").status_code == 404  # nothing was written
    stock = client.post("/v1/tools/check_inventory", json={"product_id": "22423"}).json()
    assert stock["received"] == 0 and stock["stock"] < 1_000_000


def test_staff_record_receipts_and_write_copy(client: TestClient, settings: Settings) -> None:
    staff = bearer(settings, "buyer", "staff")
    before = client.post("/v1/tools/check_inventory", json={"product_id": "22423"}).json()
    added = client.post(
        "/v1/inventory/receipts", json={"product_id": "22423", "quantity": 12}, headers=staff
    )
    assert added.status_code == 201 and added.json()["stock"] == before["stock"] + 12
    copy = client.post("/v1/content", json={"product_id": "22423"}, headers=staff)
    assert copy.status_code == 200
    assert client.get("/v1/content/22423").json()["version"] == 1  # published copy: anyone


def test_personal_recommendations_need_the_shoppers_own_token(
    client: TestClient, settings: Settings
) -> None:
    personal = {"user_id": "12347", "strategy": "personalized"}
    _refused(client.post("/v1/tools/recommend_products", json=personal), 401, "shopper")
    # Naming a user is personal whatever the strategy (their history shapes the picks).
    similar = {"user_id": "12347", "product_id": "22423", "strategy": "similar"}
    _refused(client.post("/v1/tools/recommend_products", json=similar), 401, "shopper")
    other = bearer(settings, "12348", "shopper")
    _refused(
        client.post("/v1/tools/recommend_products", json=personal, headers=other),
        403,
        "user_id comes from the token",
    )
    own = bearer(settings, "12347", "shopper")
    mine = client.post(
        "/v1/tools/recommend_products", json={"strategy": "personalized"}, headers=own
    )
    assert mine.status_code == 200 and mine.json()["strategy"] == "personalized"
    assert mine.json() == (
        client.post("/v1/tools/recommend_products", json=personal, headers=own).json()
    )
    trending = client.post("/v1/tools/recommend_products", json={"strategy": "trending"})
    assert trending.status_code == 200 and trending.json()["products"]


def test_bad_credentials_are_401_invalid_token(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    shopper = bearer(settings, "12347", "shopper")["Authorization"]
    header, payload, signature = shopper.removeprefix("Bearer ").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    promoted = {**claims, "sub": "staff:12347", "role": "staff"}  # a shopper makes itself staff
    forged = base64.urlsafe_b64encode(json.dumps(promoted).encode()).rstrip(b"=").decode()
    other_key = bearer(Settings(data_dir=tmp_path / "elsewhere"), "x", "staff")["Authorization"]
    for value, reason in [
        ("Basic c3RhZmY6c3RhZmY=", "must be 'Bearer <token>'"),
        ("Bearer not-a-token", "not a JWT"),
        (f"Bearer {header}.{payload}.{signature[:-6]}AAAAAA", "bad signature"),
        (f"Bearer {header}.{forged}.{signature}", "bad signature"),
        (other_key, "unknown key"),
    ]:
        response = client.post(
            "/v1/tools/search_products", json={"query": "lantern"}, headers={"Authorization": value}
        )
        _refused(response, 401, reason)
        assert response.headers["www-authenticate"].endswith('error="invalid_token"')
    analyze = client.post("/v1/analyze", json={"text": "lovely"})
    _refused(analyze, 401, "shopper or staff")
    signed_in = client.post(
        "/v1/analyze", json={"text": "lovely"}, headers=bearer(settings, "12347", "shopper")
    )
    assert signed_in.status_code == 200
