"""Red-team round 2, finding D replayed: errors that repeated the client's input.

A shopper's ``get_order_details`` with a 900,000-character order id got a 403 of 900,050 bytes
quoting it (the access rule looked the id up before the tool's bounds were checked), and the
content routes' 404s quoted a 5000-character job id or product id whole. Now a bound is checked
before the access rule reads the arguments (422 naming the field, not the value), and an error
quotes at most 64 characters of anything the client sent.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.echo import ECHO_LIMIT, quoted
from infra.settings import Settings
from tests.auth import bearer
from tests.orders_helpers import store_digest

pytestmark = pytest.mark.e2e

SHORT = 1000  # bytes: far more than any error message, far less than the inputs below


def test_a_huge_order_id_is_refused_before_the_access_rule_and_not_echoed(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    shopper = bearer(tau_settings, "mei_ahmed_5058", "shopper")
    before = store_digest(tau_settings.store_path)
    huge = "#W" + "9" * 900_000
    response = tau_client.post(
        "/v1/tools/get_order_details", json={"order_id": huge}, headers=shopper
    )
    assert response.status_code == 422
    assert len(response.content) < SHORT
    (problem,) = response.json()["detail"]
    assert problem["loc"][-1] == "order_id" and problem["type"] == "string_too_long"
    assert "9" * 100 not in response.text
    assert store_digest(tau_settings.store_path) == before


def test_an_order_that_is_not_yours_is_still_403(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    """The bound check did not open the access rule: a bounded id of another shopper is 403."""
    shopper = bearer(tau_settings, "mei_ahmed_5058", "shopper")
    response = tau_client.post(
        "/v1/tools/get_order_details", json={"order_id": "#W5918442"}, headers=shopper
    )
    assert response.status_code == 403
    assert "not one of your orders" in response.json()["detail"]


def test_content_404s_quote_a_long_id_cut_short(client: TestClient, settings: Settings) -> None:
    staff = bearer(settings, "editor", "staff")
    long_id = "j" * 5000
    job = client.get(f"/v1/content/jobs/{long_id}", headers=staff)
    assert job.status_code == 404
    assert len(job.content) < SHORT and "j" * (ECHO_LIMIT + 1) not in job.text
    assert "5,000 characters" in job.json()["detail"]

    # A missing product id of 64 characters (the most a product id has) is quoted whole in
    # the 404; a longer one is refused by the content store's bound, without the value.
    for length, status in ((64, 404), (5000, 422)):
        product = client.get(f"/v1/content/{'p' * length}")
        assert product.status_code == status
        assert len(product.content) < SHORT and "p" * (ECHO_LIMIT + 1) not in product.text

    version = client.get("/v1/content/22423", params={"version": "7" * 4000})
    assert version.status_code == 422
    assert len(version.content) < SHORT and "7" * (ECHO_LIMIT + 1) not in version.text


def test_an_unknown_tool_with_a_long_name_is_not_echoed(client: TestClient) -> None:
    response = client.post(f"/v1/tools/{'t' * 5000}", json={})
    assert response.status_code == 404
    assert "t" * (ECHO_LIMIT + 1) not in response.text


def test_quoting_keeps_short_values_whole_and_cuts_long_ones() -> None:
    assert quoted("#W0000000") == "'#W0000000'"
    long = quoted("x" * 1000)
    assert long.startswith("'" + "x" * ECHO_LIMIT + "'") and "1,000 characters" in long
    assert len(long) < 2 * ECHO_LIMIT
