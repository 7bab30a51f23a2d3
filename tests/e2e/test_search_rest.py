"""search_products over REST on the demo store: bad input, constraints from text, relaxation."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.e2e


def _search(client: TestClient, **arguments: Any) -> Any:
    return client.post("/v1/tools/search_products", json=arguments)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"query": "   "}, "no letters or digits"),
        ({"query": "lantern\u0000\u0007"}, "control or non-text"),
        ({"query": "\u00e9" * 600}, "1200 bytes; at most 1000"),
        ({"query": "lantern", "max_price": -5}, "greater than or equal to 0"),
        ({"query": "lantern", "min_price": 9, "max_price": 1}, "above max_price"),
        ({"query": "lantern", "sort": "newest"}, "price_asc"),
    ],
)
def test_bad_search_input_gets_422_saying_what_is_wrong(
    client: TestClient, arguments: dict[str, Any], message: str
) -> None:
    response = _search(client, **arguments)
    assert response.status_code == 422
    assert message in response.text


def test_an_unknown_attribute_gets_422_naming_the_known_ones(client: TestClient) -> None:
    response = _search(client, query="lantern", attributes={"flavour": "mint"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "unknown attribute 'flavour'" in detail
    assert "colour" in detail and "material" in detail


def test_raw_text_constraints_are_applied_when_asked(client: TestClient) -> None:
    response = _search(client, query="white lanterns under £5", extract_constraints=True, limit=20)
    assert response.status_code == 200
    result = response.json()
    assert result["extracted"] == ["price at most 5", "colour: white"]
    assert result["total"] > 0
    for product in result["products"]:
        assert product["price"] <= 5
        assert "white" in product["attributes"]["colour"]


def test_no_match_is_relaxed_when_asked_and_says_which(client: TestClient) -> None:
    strict = _search(client, query="lantern", max_price=0.01).json()
    assert strict["total"] == 0
    relaxed = _search(client, query="lantern", max_price=0.01, relax=True).json()
    assert relaxed["total"] > 0
    assert relaxed["relaxed"] == ["price at most 0.01"]
    assert any("lantern" in p["title"].lower() for p in relaxed["products"])
