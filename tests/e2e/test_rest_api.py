from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.e2e


def test_health_and_readiness(client: TestClient, staff_headers: dict[str, str]) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz", headers=staff_headers)  # the backends are staff's to see
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["backends"]["store"]["dataset"] == "online-retail"
    assert body["backends"]["store"]["products"] > 3000
    assert {"store", "search", "checkpointer", "model"} <= set(body["backends"])


def test_docs_and_page_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert "/v1/tools/{name}" in client.get("/openapi.json").json()["paths"]
    page = client.get("/")
    assert page.status_code == 200
    assert '<script src="/static/chat/chat.js">' in page.text
    assert "/v1/chat/tickets" in client.get("/static/chat/chat.js").text  # the page's socket


def test_tools_are_listed_with_schemas(client: TestClient) -> None:
    tools = {t["name"]: t for t in client.get("/v1/tools").json()}
    assert {"search_products", "get_product", "check_inventory"} <= set(tools)
    schema = tools["search_products"]["input_schema"]
    assert {"query", "min_price", "max_price", "attributes", "sort"} <= set(schema["properties"])
    assert tools["search_products"]["description"].startswith("Search")


def test_search_tool_applies_constraints(client: TestClient) -> None:
    response = client.post(
        "/v1/tools/search_products", json={"query": "lantern", "max_price": 5, "limit": 10}
    )
    assert response.status_code == 200
    result = response.json()
    assert result["total"] > 0
    assert all(p["price"] <= 5 for p in result["products"])
    assert any("lantern" in p["title"].lower() for p in result["products"])


def test_get_product_by_stock_code(client: TestClient) -> None:
    product = client.post("/v1/tools/get_product", json={"product_id": "22423"}).json()
    assert product["id"] == "22423"
    assert product["price"] > 0
    stock = client.post("/v1/tools/check_inventory", json={"product_id": "22423"}).json()
    assert stock["product_id"] == "22423"
    assert "derived" in stock["note"].lower()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"query": "mug", "max_price": -1}, "max_price"),
        ({"query": "mug", "sort": "random"}, "sort"),
        ({"query": "mug", "limit": 500}, "limit"),
        ({"query": "mug", "min_price": 10, "max_price": 2}, "min_price"),
        ({"query": "x" * 1001}, "query"),
    ],
)
def test_invalid_arguments_get_422_naming_the_problem(
    client: TestClient, arguments: dict[str, object], field: str
) -> None:
    response = client.post("/v1/tools/search_products", json=arguments)
    assert response.status_code == 422
    assert field in response.text


def test_unknown_tool_and_unknown_product_get_404(client: TestClient) -> None:
    response = client.post("/v1/tools/teleport", json={})
    assert response.status_code == 404
    assert "unknown tool 'teleport'" in response.json()["detail"]
    missing = client.post("/v1/tools/get_product", json={"product_id": "NOPE999"})
    assert missing.status_code == 404
    assert "NOPE999" in missing.json()["detail"]


def test_non_object_body_gets_422(client: TestClient) -> None:
    response = client.post(
        "/v1/tools/search_products", content=b"[1, 2]", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
