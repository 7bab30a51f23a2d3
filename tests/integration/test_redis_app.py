"""The served app on a real Redis cache: ready while Redis answers; degraded (still 200, answers
still coming from the in-process cache) when Redis dies."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from infra.redis_server import RedisServer, redis_server
from infra.settings import Settings
from tests.auth import bearer

pytestmark = pytest.mark.integration


@pytest.fixture
def server() -> Iterator[RedisServer]:
    with redis_server() as running:
        yield running


@pytest.fixture
def client(online_retail_dir: Path, tmp_path: Path, server: RedisServer) -> Iterator[TestClient]:
    data_dir = tmp_path / "data"
    shutil.copytree(online_retail_dir, data_dir)
    # A generous deadline per Redis call (the default is 50 ms): on two busy cores a slow
    # answer from a working Redis would read as "degraded" before the test stops it.
    settings = Settings(
        data_dir=data_dir, cache_backend="redis", redis_url=server.url, redis_timeout_s=1.0
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_redis_down_is_degraded_but_answering(client: TestClient, server: RedisServer) -> None:
    settings = client.app.state.runtime.settings  # type: ignore[attr-defined]
    staff = bearer(settings, "staff:tester", "staff")  # the backends are staff's to see
    ready = client.get("/readyz", headers=staff)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["backends"]["cache"]["backend"] == "redis"
    args = {"product_id": "85123A", "limit": 3}
    first = client.post("/v1/tools/recommend_products", json=args)
    search = client.post("/v1/tools/search_products", json={"query": "lantern"})
    assert first.status_code == search.status_code == 200
    server.stop()
    again = client.post("/v1/tools/recommend_products", json=args)
    assert again.status_code == 200 and again.json() == first.json()
    assert client.post("/v1/tools/search_products", json={"query": "lantern"}).json() == (
        search.json()
    )
    degraded = client.get("/readyz", headers=staff)
    assert degraded.status_code == 200
    body = degraded.json()
    assert body["status"] == "degraded"
    assert body["backends"]["cache"]["ok"] is False
    assert body["backends"]["cache"]["fallback"] == "in-process cache"
