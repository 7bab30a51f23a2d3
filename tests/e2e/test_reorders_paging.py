"""``GET /v1/inventory/reorders`` in pages, on both demo stores after a forecast run: every
alert once, in the order asked, each body under 50 KB at the largest page; cursors that are
not the server's, or are of an earlier run, refused."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.reorder_pages import URGENCY_RANK, make_cursor
from api.routes.inventory import MAX_LIMIT
from infra.events.schema import BehaviourEvent
from infra.settings import Settings
from tests.auth import bearer
from tools.catalog.sqlite import SqliteStore
from tools.forecast.backend import alert_sink, inventory
from tools.forecast.job import run_forecast_job

pytestmark = pytest.mark.e2e
MAX_BODY = 50_000


def _purchases(store: SqliteStore) -> list[BehaviourEvent]:
    """90 days of purchases of every product. tau-retail's orders carry no dates, so its
    forecast learns only from purchases recorded after the store was loaded (as a live store
    records them): these are dated from the load onwards."""
    info = store.info()
    assert info is not None
    start = info.loaded_at + timedelta(minutes=1)
    return [
        BehaviourEvent(
            event_id=f"buy-{product.id}-{day}",
            type="purchase",
            ts=start + timedelta(days=day),
            product_id=product.id,
            quantity=1 + (n + day) % 4,
            price=product.price,
        )
        for n, product in enumerate(store.iter_products())
        for day in range(90)
    ]


@pytest.fixture(scope="module", params=["online-retail", "tau-retail"])
def reorders(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client on a copy of the store after one forecast run, and staff headers."""
    dataset = request.param
    data_dir = tmp_path_factory.mktemp(f"reorders-{dataset}") / "data"
    shutil.copytree(request.getfixturevalue(f"{dataset.replace('-', '_')}_dir"), data_dir)
    settings = Settings(data_dir=data_dir, dataset=dataset, rate_limit_rest_per_s=0)
    with SqliteStore(settings.store_path) as store:
        if dataset == "tau-retail":
            store.append_events(_purchases(store))
        stock = inventory(settings, store)
        try:
            run_forecast_job(store, stock, alert_sink(settings), settings.forecaster_dir)
        finally:
            stock.ledger.close()
    with TestClient(create_app(settings)) as client:
        yield client, bearer(settings, "staff:buyer", "staff")


def _walk(
    client: TestClient, headers: dict[str, str], query: str
) -> tuple[list[dict[str, Any]], list[int], int]:
    """Every page of ``query``: the alerts in order, each body's size, and the total."""
    alerts: list[dict[str, Any]] = []
    sizes: list[int] = []
    url = f"/v1/inventory/reorders?{query}"
    while True:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        sizes.append(len(response.content))
        page = response.json()
        alerts += page["alerts"]
        if page["next_cursor"] is None:
            return alerts, sizes, page["total"]
        url = f"/v1/inventory/reorders?cursor={page['next_cursor']}"


def test_pages_hold_every_alert_once_most_urgent_first(
    reorders: tuple[TestClient, dict[str, str]],
) -> None:
    client, staff = reorders
    first = client.get("/v1/inventory/reorders", headers=staff).json()
    assert first["limit"] == 50 and first["sort"] == "urgency" and first["total"] > 0
    alerts, sizes, total = _walk(client, staff, f"limit={MAX_LIMIT}")
    assert total == first["total"] == first["run"]["alerts"] == len(alerts)
    ids = [a["product_id"] for a in alerts]
    assert len(set(ids)) == len(ids)
    assert max(sizes) < MAX_BODY, sizes
    ranks = [URGENCY_RANK[a["urgency"]] for a in alerts]
    assert ranks == sorted(ranks)
    assert "run_id" not in alerts[0] and "created_at" not in alerts[0]  # once, on the page


def test_filter_by_urgency_and_sort_by_order_size(
    reorders: tuple[TestClient, dict[str, str]],
) -> None:
    client, staff = reorders
    everything, _, _ = _walk(client, staff, f"limit={MAX_LIMIT}")
    for urgency in URGENCY_RANK:
        kept, _, total = _walk(client, staff, f"urgency={urgency}&limit=40")
        assert total == len(kept) == sum(a["urgency"] == urgency for a in everything)
    by_size, _, _ = _walk(client, staff, "sort=suggested_order&limit=37")
    sizes = [a["suggested_order"] for a in by_size]
    assert sizes == sorted(sizes, reverse=True) and len(by_size) == len(everything)


def test_cursors_that_are_not_ours_are_refused(reorders: tuple[TestClient, dict[str, str]]) -> None:
    client, staff = reorders
    url = "/v1/inventory/reorders"
    page = client.get(f"{url}?limit=1&sort=days_of_cover", headers=staff).json()
    cursor = page["next_cursor"]
    assert cursor
    body, _, signature = cursor.partition(".")
    for bad in ("nonsense", f"{body}.{'0' * len(signature)}", f"{body[:-2]}xx.{signature}"):
        refused = client.get(f"{url}?cursor={bad}", headers=staff)
        assert refused.status_code == 400 and "cursor" in refused.json()["detail"], bad
    other_sort = client.get(f"{url}?cursor={cursor}&sort=urgency", headers=staff)
    assert other_sort.status_code == 400 and "sort=days_of_cover" in other_sort.json()["detail"]
    same = client.get(f"{url}?cursor={cursor}&sort=days_of_cover&limit=1", headers=staff)
    assert same.status_code == 200 and same.json()["alerts"] != page["alerts"]
    runtime: Any = client.app.state.runtime  # type: ignore[attr-defined]
    earlier = make_cursor(runtime.sessions.keyed_hash, "an-earlier-run", "urgency", None, 5)
    stale = client.get(f"{url}?cursor={earlier}", headers=staff)
    assert stale.status_code == 409 and "earlier forecast run" in stale.json()["detail"]
    for limit in (0, MAX_LIMIT + 1):
        assert client.get(f"{url}?limit={limit}", headers=staff).status_code == 422
    assert client.get(url).status_code == 401  # staff only, as before
