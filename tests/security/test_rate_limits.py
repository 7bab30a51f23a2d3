"""Finding 8 replayed: limits are on by default, and a new ``X-API-Key``, a new anonymous token
or a forged ``X-Forwarded-For`` per request does not buy a new bucket."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from api.deps import client_address
from api.main import create_app
from infra.settings import Settings
from tests.auth import bearer

pytestmark = pytest.mark.e2e

SEARCH = ("/v1/tools/search_products", {"query": "lantern"})


@pytest.fixture
def tight(online_retail_dir: Path, tmp_path: Path) -> Settings:
    """Three REST calls and two event batches per caller, then (practically) no refill."""
    data_dir = tmp_path / "data"
    shutil.copytree(online_retail_dir, data_dir)
    return Settings(
        data_dir=data_dir,
        rate_limit_rest_per_s=0.01,
        rate_limit_rest_burst=3,
        rate_limit_events_per_s=0.01,
        rate_limit_events_burst=2,
    )


def _client(settings: Settings, peer: str = "192.0.2.10") -> TestClient:
    return TestClient(create_app(settings), client=(peer, 40000))


@pytest.fixture
def client(tight: Settings) -> Iterator[TestClient]:
    with _client(tight) as test_client:
        yield test_client


def _search(client: TestClient, headers: dict[str, str] | None = None) -> int:
    return client.post(SEARCH[0], json=SEARCH[1], headers=headers or {}).status_code


def test_limits_are_on_by_default() -> None:
    settings = Settings()
    assert settings.rate_limit_rest_per_s > 0 and settings.rate_limit_rest_burst > 0
    assert settings.rate_limit_chat_per_s > 0 and settings.rate_limit_chat_burst > 0
    assert settings.rate_limit_events_per_s > 0 and settings.rate_limit_events_burst > 0
    assert settings.trusted_proxies == []


def test_a_new_api_key_per_request_gets_no_new_bucket(client: TestClient) -> None:
    codes = [_search(client, {"X-API-Key": uuid.uuid4().hex}) for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    refused = client.post(SEARCH[0], json=SEARCH[1], headers={"X-API-Key": "fresh"})
    assert int(refused.headers["retry-after"]) >= 1
    assert "rate limit" in refused.json()["detail"]


def test_a_new_anonymous_token_per_request_gets_no_new_bucket(
    client: TestClient, tight: Settings
) -> None:
    codes = [_search(client, bearer(tight, uuid.uuid4().hex, "anonymous")) for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert _search(client) == 429  # the same address, with no token at all


def test_a_signed_in_principal_has_its_own_bucket_whatever_the_token(
    client: TestClient, tight: Settings
) -> None:
    assert [_search(client) for _ in range(4)] == [200, 200, 200, 429]
    # Staff behind the same address are not starved by the anonymous caller.
    assert [_search(client, bearer(tight, "ana", "staff")) for _ in range(3)] == [200] * 3
    # A fresh token for the same subject is the same bucket.
    assert _search(client, bearer(tight, "ana", "staff")) == 429
    assert _search(client, bearer(tight, "12347", "shopper")) == 200
    # The limit holds on every REST route, not only the tools.
    staff = bearer(tight, "ana", "staff")
    assert client.get("/v1/inventory/reorders", headers=staff).status_code == 429
    assert client.get("/v1/content/22423", headers=staff).status_code == 429


def test_forwarded_for_from_an_untrusted_peer_is_ignored(client: TestClient) -> None:
    codes = [_search(client, {"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(1, 6)]
    assert codes == [200, 200, 200, 429, 429]


def test_forwarded_for_from_a_trusted_proxy_names_the_client(tight: Settings) -> None:
    behind = tight.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]})
    with _client(behind, peer="10.1.2.3") as client:
        first = {"X-Forwarded-For": "203.0.113.5"}
        assert [_search(client, first) for _ in range(4)] == [200, 200, 200, 429]
        # The client may prepend anything; the hop our proxy saw is what counts.
        spoofed = {"X-Forwarded-For": f"{uuid.uuid4().hex}, 203.0.113.5"}
        assert _search(client, spoofed) == 429
        assert _search(client, {"X-Forwarded-For": "203.0.113.6, 10.9.9.9"}) == 200


def _request(peer: str, forwarded: list[str]) -> Request:
    scope: dict[str, Any] = {
        "type": "http",
        "client": (peer, 1),
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
    }
    return Request(scope)


def test_client_address_walks_forwarded_for_from_the_right() -> None:
    settings = Settings(trusted_proxies=["10.0.0.0/8", "2001:db8::/32"])
    assert client_address(_request("192.0.2.1", ["1.1.1.1"]), settings) == "192.0.2.1"
    assert client_address(_request("10.0.0.1", ["1.1.1.1, 10.0.0.7"]), settings) == "1.1.1.1"
    assert client_address(_request("10.0.0.1", ["6.6.6.6", "1.1.1.1"]), settings) == "1.1.1.1"
    assert client_address(_request("2001:db8::1", ["1.1.1.1"]), settings) == "1.1.1.1"
    assert client_address(_request("10.0.0.1", []), settings) == "10.0.0.1"
    assert client_address(_request("10.0.0.1", ["10.0.0.2"]), settings) == "10.0.0.2"
    with pytest.raises(ValueError, match="not an address or network"):
        Settings(trusted_proxies=["proxy.internal"])


def test_event_batches_are_limited_per_principal(client: TestClient, tight: Settings) -> None:
    staff = bearer(tight, "feeder", "staff")
    pipeline = client.app.state.runtime.events  # type: ignore[attr-defined]

    def batch(n: int) -> dict[str, Any]:
        event = {
            "event_id": f"rl-{n}",
            "type": "view",
            "ts": "2011-06-01T10:00:00Z",
            "user_id": "u-9",
            "product_id": "22138",
        }
        return {"events": [event]}

    codes = [
        client.post("/v1/events", json=batch(n), headers=bearer(tight, "feeder", "staff"))
        for n in range(3)
    ]
    assert [c.status_code for c in codes] == [200, 200, 429]
    assert pipeline.stats.accepted == 2  # the refused batch was not published
    assert client.post("/v1/events", json=batch(9), headers=staff).status_code == 429
