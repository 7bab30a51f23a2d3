"""Forecasts, stock and reorders over REST and in the chat, on the online-retail demo store
after one run of the forecast job."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from infra.settings import Settings
from tests.auth import bearer
from tools.catalog.sqlite import SqliteStore
from tools.forecast.backend import alert_sink, inventory
from tools.forecast.job import JobSummary, run_forecast_job

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def forecast_run(
    online_retail_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, JobSummary]:
    """A copy of the demo store on which the forecast job ran once (local alert log)."""
    data_dir = tmp_path_factory.mktemp("forecast") / "data"
    shutil.copytree(online_retail_dir, data_dir)
    settings = Settings(data_dir=data_dir)
    with SqliteStore(settings.store_path) as store:
        stock = inventory(settings, store)
        try:
            summary = run_forecast_job(store, stock, alert_sink(settings), settings.forecaster_dir)
        finally:
            stock.ledger.close()
    return data_dir, summary


@pytest.fixture
def forecast_client(forecast_run: tuple[Path, JobSummary], tmp_path: Path) -> Iterator[TestClient]:
    data_dir = tmp_path / "data"
    shutil.copytree(forecast_run[0], data_dir)
    with TestClient(create_app(Settings(data_dir=data_dir))) as client:
        yield client


@pytest.fixture
def staff(forecast_client: TestClient) -> dict[str, str]:
    """Inventory routes and the forecast tools are staff's."""
    settings = forecast_client.app.state.runtime.settings  # type: ignore[attr-defined]
    return bearer(settings, "buyer", "staff")


def test_reorders_are_empty_before_the_job_ran(
    client: TestClient, staff_headers: dict[str, str]
) -> None:
    body = client.get("/v1/inventory/reorders", headers=staff_headers).json()
    assert (body["run_id"], body["run"], body["total"], body["alerts"]) == (None, None, 0, [])
    assert body["next_cursor"] is None
    ready = client.get("/readyz", headers=staff_headers).json()
    assert ready["backends"]["forecaster"] == {"backend": "local", "ok": True}


def test_the_in_app_schedule_runs_the_job_at_startup(
    settings: Settings, staff_headers: dict[str, str]
) -> None:
    scheduled = settings.model_copy(update={"forecast_job_every_h": 24.0})
    with TestClient(create_app(scheduled), headers=staff_headers) as client:
        deadline = time.monotonic() + 180
        while (body := client.get("/v1/inventory/reorders").json())["run_id"] is None:
            assert time.monotonic() < deadline, "the scheduled forecast job never finished"
            time.sleep(0.5)
    assert body["alerts"] and body["run"]["products_forecast"] > 3000


def test_reorders_list_the_last_runs_alerts(
    forecast_client: TestClient, forecast_run: tuple[Path, JobSummary], staff: dict[str, str]
) -> None:
    _, summary = forecast_run
    body = forecast_client.get("/v1/inventory/reorders", headers=staff).json()
    assert body["run_id"] == summary.run_id and body["run"]["alerts"] == summary.alerts
    assert body["total"] == summary.alerts > len(body["alerts"]) == 50  # the first page
    for alert in body["alerts"][:20]:
        assert alert["stock"] + alert["on_order"] <= alert["reorder_point"]
        assert alert["suggested_order"] > 0
    log = (forecast_run[0] / "alerts" / "reorders.jsonl").read_text().splitlines()
    assert len(log) == summary.alerts


def test_forecast_and_stock_tools_over_rest(
    forecast_client: TestClient, staff: dict[str, str]
) -> None:
    forecast = forecast_client.post(
        "/v1/tools/forecast_demand",
        json={"product_id": "22423", "horizon_days": 10},
        headers=staff,
    ).json()
    assert forecast["available"] is True and len(forecast["days"]) == 10
    assert all(d["low"] <= d["units"] <= d["high"] for d in forecast["days"])
    stock = forecast_client.post("/v1/tools/check_inventory", json={"product_id": "22423"}).json()
    assert stock["daily_demand"] == pytest.approx(forecast["daily_mean"], rel=1e-3)
    assert "derived" in stock["note"].lower()
    reorders = forecast_client.post(
        "/v1/tools/reorder_suggestions", json={"limit": 5}, headers=staff
    ).json()
    assert len(reorders["products"]) == 5 and reorders["total"] >= 5


@pytest.mark.parametrize(
    ("arguments", "status", "text"),
    [
        ({"product_id": "22423", "horizon_days": 366}, 422, "horizon_days"),
        ({"product_id": "22423", "horizon_days": 0}, 422, "horizon_days"),
        ({"product_id": "NOPE999"}, 404, "NOPE999"),
    ],
)
def test_bad_forecast_requests_are_refused(
    forecast_client: TestClient,
    arguments: dict[str, Any],
    status: int,
    text: str,
    staff: dict[str, str],
) -> None:
    response = forecast_client.post("/v1/tools/forecast_demand", json=arguments, headers=staff)
    assert response.status_code == status and text in response.text


def test_receipts_raise_stock_or_are_on_order(
    forecast_client: TestClient, staff: dict[str, str]
) -> None:
    before = forecast_client.post("/v1/tools/check_inventory", json={"product_id": "22423"}).json()
    now = forecast_client.post(
        "/v1/inventory/receipts", json={"product_id": "22423", "quantity": 50}, headers=staff
    ).json()
    assert now["stock"] == before["stock"] + 50
    later = (datetime.now(UTC) + timedelta(days=4)).isoformat()
    due = forecast_client.post(
        "/v1/inventory/receipts",
        json={"product_id": "22423", "quantity": 30, "arrives": later},
        headers=staff,
    ).json()
    assert (due["stock"], due["on_order"]) == (now["stock"], 30)
    missing = forecast_client.post(
        "/v1/inventory/receipts", json={"product_id": "NOPE999", "quantity": 1}, headers=staff
    )
    assert missing.status_code == 404
    bad = forecast_client.post(
        "/v1/inventory/receipts", json={"product_id": "22423", "quantity": -5}, headers=staff
    )
    assert bad.status_code == 422


def _turn(ws: Any, text: str) -> list[dict[str, Any]]:
    ws.send_json({"type": "message", "text": text})
    frames: list[dict[str, Any]] = []
    while (frame := ws.receive_json())["type"] != "done":
        frames.append(frame)
    return frames


def test_the_chat_answers_stock_and_reorder_questions(forecast_client: TestClient) -> None:
    with forecast_client.websocket_connect("/v1/chat") as ws:
        ws.receive_json()
        frames = _turn(ws, "is 22423 in stock?")
        call = next(f for f in frames if f["type"] == "tool_call")
        assert call["name"] == "check_inventory"
        text = next(f for f in frames if f["type"] == "message")["text"]
        assert "(22423) is in stock" in text and "trading days" in text

        frames = _turn(ws, "What should I reorder this week and why?")
        call = next(f for f in frames if f["type"] == "tool_call")
        assert (call["name"], call["args"]) == ("reorder_suggestions", {"within_days": 6})
        message = next(f for f in frames if f["type"] == "message")
        assert "need reordering this week" in message["text"]
        assert message["products"]
        for product in message["products"]:
            assert f"({product['id']})" in message["text"]
        assert "Why:" in message["text"] and "reorder point" in message["text"]
