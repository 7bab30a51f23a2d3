"""``GET /metrics``: who may read it, and what a chat turn and a REST call add to it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.main import create_app
from infra.settings import Settings
from tests.auth import bearer
from tests.orders_helpers import answer_text, turn

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


def _deltas(client: TestClient, headers: dict[str, str]) -> Any:
    """A function of the change in one sample since this call (read from ``/metrics``)."""
    before = _samples(client.get("/metrics", headers=headers).text)

    def delta(name: str, **labels: str) -> float:
        after = _samples(client.get("/metrics", headers=headers).text)
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    return delta


def test_a_confirmed_return_counts_tools_guards_and_the_confirmation(
    tau_client: TestClient, tau_settings: Settings
) -> None:
    delta = _deltas(tau_client, bearer(tau_settings, "staff:ops", "staff"))
    yara = bearer(tau_settings, "yara_sanchez_1902", "shopper")
    ticket = tau_client.post("/v1/chat/tickets", headers=yara).json()["ticket"]
    with tau_client.websocket_connect(f"/v1/chat?ticket={ticket}") as ws:
        ws.receive_json()
        turn(ws, "Hi, I'm yara.sanchez4385@example.com. What's the status of #W6015009?")
        turn(ws, "I'd like to return the sunglasses")
        asked = turn(ws, "to the original card please")
        assert "Shall I go ahead?" in answer_text(asked)
        done = turn(ws, "yes")
        assert answer_text(done).startswith("Done:")
    assert delta("shopagent_guard_interventions_total", kind="pii_masked") == 1
    assert delta("shopagent_confirmations_total", event="asked") == 1
    assert delta("shopagent_confirmations_total", event="accepted") == 1
    assert delta("shopagent_confirmations_total", event="declined") == 0
    ok = {"tool": "get_order_details", "outcome": "ok"}
    assert delta("shopagent_tool_calls_total", **ok) >= 1
    assert delta("shopagent_tool_call_seconds_count", tool="get_order_details") >= 1
    written = {"tool": "return_delivered_order_items", "outcome": "ok"}
    assert delta("shopagent_tool_calls_total", **written) == 1
    assert delta("shopagent_chat_turns_total", outcome="answered") == 4


def test_rate_limit_refusals_cache_hits_and_empty_searches_are_counted(
    settings: Settings,
) -> None:
    tight = settings.model_copy(update={"rate_limit_rest_burst": 3, "rate_limit_rest_per_s": 0.01})
    with TestClient(create_app(tight)) as client:
        # Staff read the metrics without a REST token bucket: the scrape costs no tokens.
        delta = _deltas(client, bearer(tight, "staff:ops", "staff"))
        query = {"query": "zzqx unknownium widget", "limit": 5}
        first = client.post("/v1/tools/search_products", json=query)
        again = client.post("/v1/tools/search_products", json=query)
        assert first.status_code == again.status_code == 200, first.text
        assert first.json()["products"] == []
        for _ in range(3):
            last = client.post("/v1/tools/search_products", json=query)
        assert last.status_code == 429
        # A burst of 3: three searches answered (one computed, two from the cache), two refused.
        assert delta("shopagent_cache_lookups_total", cache="search", result="miss") == 1
        assert delta("shopagent_cache_lookups_total", cache="search", result="hit") == 2
        assert delta("shopagent_search_zero_results_total", backend="embedded") == 3
        assert delta("shopagent_rate_limit_refusals_total", limit="rest") == 2
        refused = {"route": "/v1/tools/{name}", "method": "POST", "status": "429"}
        assert delta("shopagent_http_requests_total", **refused) == 2
