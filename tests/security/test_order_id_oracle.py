"""Red-team finding 7 replayed: a shopper could tell which order ids exist over REST.

``get_order_details`` answered a missing order with 404 "order not found" and another
customer's order with 403 "not one of your orders", so a shopper could enumerate order ids.
Now both are the same 403 for a shopper; staff still learn that an order does not exist.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from infra.settings import Settings
from tests.auth import bearer
from tests.orders_helpers import store_digest

pytestmark = pytest.mark.e2e

MEI = "mei_ahmed_5058"  # the report's attacker
SOFIAS_ORDER, MISSING = "#W5918442", "#W0000000"


def test_a_shopper_gets_one_answer_for_a_missing_order_and_another_customers(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    mei = bearer(tau_settings, MEI, "shopper")
    before = store_digest(tau_settings.store_path)

    def answer(order_id: str) -> tuple[int, str]:
        response = tau_client.post(
            "/v1/tools/get_order_details", json={"order_id": order_id}, headers=mei
        )
        detail = str(response.json()["detail"]).replace(order_id, "<id>")
        return response.status_code, detail

    missing, theirs = answer(MISSING), answer(SOFIAS_ORDER)
    assert missing == theirs == (403, "order '<id>' is not one of your orders")
    assert store_digest(tau_settings.store_path) == before


def test_staff_still_get_404_for_a_missing_order(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    staff = bearer(tau_settings, "agent", "staff")
    response = tau_client.post(
        "/v1/tools/get_order_details", json={"order_id": MISSING}, headers=staff
    )
    assert (response.status_code, response.json()["detail"]) == (404, "order not found")
