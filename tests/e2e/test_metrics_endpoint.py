"""``GET /metrics``: who may read it, and what a chat turn and a REST call add to it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.main import create_app
from infra.settings import Settings
from tests.auth import bearer

pytestmark = pytest.mark.e2e

SCRAPE = "scrape-secret-for-tests-0123456789"


@pytest.fixture
def scraped(settings: Settings) -> Iterator[TestClient]:
    """The app with a scrape token configured."""
    app = create_app(settings.model_copy(update={"metrics_token": SecretStr(SCRAPE)}))
    with TestClient(app) as client:
        yield client


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _scrape(client: TestClient) -> str:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {SCRAPE}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return answer.text


def test_only_staff_or_the_scrape_token_read_metrics(
    scraped: TestClient, settings: Settings
) -> None:
    nobody = scraped.get("/metrics")
    assert nobody.status_code == 401
    assert "staff" in nobody.json()["detail"]
    shopper = scraped.get("/metrics", headers=bearer(settings, "12347", "shopper"))
    assert shopper.status_code == 403
    anonymous = scraped.get("/metrics", headers=bearer(settings, "anon:x", "anonymous"))
    assert anonymous.status_code == 401  # an anonymous token is not signed in
    wrong = scraped.get("/metrics", headers={"Authorization": f"Bearer {SCRAPE}x"})
    assert wrong.status_code == 401
    staff = scraped.get("/metrics", headers=bearer(settings, "staff:ops", "staff"))
    assert staff.status_code == 200
    assert "shopagent_chat_turns_total" in staff.text
    assert "shopagent_chat_turns_total" in _scrape(scraped)
    openmetrics = scraped.get(
        "/metrics",
        headers={
            "Authorization": f"Bearer {SCRAPE}",
            "Accept": "application/openmetrics-text;version=1.0.0",
        },
    )
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")
    assert openmetrics.text.rstrip().endswith("# EOF")


def test_without_a_scrape_token_no_bearer_string_opens_metrics(client: TestClient) -> None:
    # metrics_token unset: an empty or made-up bearer is a bad token, not the scrape token.
    assert client.get("/metrics", headers={"Authorization": "Bearer none"}).status_code == 401


def test_a_chat_turn_and_a_tool_call_are_counted_with_bounded_labels(
    scraped: TestClient,
) -> None:
    before = _samples(_scrape(scraped))
    with scraped.websocket_connect("/v1/chat") as ws:
        assert ws.receive_json()["type"] == "session"
        ws.send_json({"type": "message", "text": "red lanterns under £5"})
        while ws.receive_json()["type"] != "done":
            pass
    lookup = scraped.post("/v1/tools/get_product", json={"product_id": "85123A"})
    assert lookup.status_code == 200, lookup.text
    text = _scrape(scraped)
    after = _samples(text)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("shopagent_chat_turns_total", outcome="answered") == 1
    assert delta("shopagent_chat_turn_seconds_count") == 1
    assert delta("shopagent_chat_first_token_seconds_count") == 1
    assert delta("shopagent_open_sockets") == 0  # the socket is closed again
    assert (
        delta(
            "shopagent_http_requests_total",
            route="/v1/tools/{name}",
            method="POST",
            status="200",
        )
        == 1
    )
    # No id, path, query or message text ever becomes a label value.
    labels = re.findall(r'="([^"]*)"', text)
    for secret in ("85123A", "lantern", "/v1/tools/get_product"):
        assert not any(secret in value for value in labels), secret


def test_an_unmatched_path_is_counted_as_other(scraped: TestClient) -> None:
    assert scraped.get("/no/such/page/12345").status_code == 404
    text = _scrape(scraped)
    assert 'route="other"' in text
    assert "12345" not in text
