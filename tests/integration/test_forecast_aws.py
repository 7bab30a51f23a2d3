"""The forecast job's production backends against real local services: reorder alerts through
a moto EventBridge (whose rules route by event pattern into SQS queues), and the forecaster
served by its SageMaker-contract model server and called through ``invoke_endpoint``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.clients import eventbridge_client, sagemaker_runtime_client
from infra.errors import UpstreamError
from infra.local_services import free_port
from infra.settings import Settings
from tests.unit.forecast_store import make_store
from tools.forecast.alerts import DETAIL_TYPE, SOURCE, EventBridgeAlerts, ReorderAlert
from tools.forecast.inventory import Inventory
from tools.forecast.job import run_forecast_job
from tools.forecast.ledger import SqliteLedger
from tools.forecast.sagemaker import SageMakerForecaster
from tools.forecast.train import train_forecaster
from tools.forecast.trained import LocalForecaster

pytestmark = pytest.mark.integration
REGION = "eu-west-1"


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def _drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    while True:
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = reply.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _route(events: Any, sqs: Any, bus: str, rule: str, pattern: dict[str, Any]) -> str:
    """A rule on ``bus`` sending the events that match ``pattern`` to a new queue."""
    url, arn = _queue(sqs, f"{bus}-{rule}")
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    return url


def test_the_job_emits_alerts_that_real_rules_route(moto_endpoint: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, eventbridge_endpoint_url=moto_endpoint)
    events = eventbridge_client(settings)
    sqs = boto3.client("sqs", region_name=REGION, endpoint_url=moto_endpoint)
    bus = "shopagent-inventory"
    events.create_event_bus(Name=bus)
    every = _route(events, sqs, bus, "reorders", {"source": [SOURCE], "detail-type": [DETAIL_TYPE]})
    one = _route(
        events, sqs, bus, "teapots", {"source": [SOURCE], "detail": {"product_id": ["GONE3"]}}
    )
    other = _route(events, sqs, bus, "others", {"source": ["shopagent.orders"]})

    with make_store(tmp_path) as store:
        ledger = SqliteLedger(store.path)
        try:
            summary = run_forecast_job(
                store, Inventory(store, ledger), EventBridgeAlerts(events, bus), tmp_path / "m"
            )
        finally:
            ledger.close()

    routed = _drain(sqs, every)
    assert summary.alerts == len(routed) == 2
    assert {e["detail"]["product_id"] for e in routed} == {"GONE3", "FAST1"}
    assert all(e["source"] == SOURCE and e["detail-type"] == DETAIL_TYPE for e in routed)
    alert = ReorderAlert.model_validate(routed[0]["detail"])
    assert alert.run_id == summary.run_id and alert.suggested_order > 0
    assert [e["detail"]["product_id"] for e in _drain(sqs, one)] == ["GONE3"]
    assert _drain(sqs, other) == []


def test_an_unreachable_eventbridge_fails_clearly_and_fast(
    tmp_path: Path, aws_credentials: None
) -> None:
    dead = Settings(data_dir=tmp_path, eventbridge_endpoint_url=f"http://127.0.0.1:{free_port()}")
    sink = EventBridgeAlerts(eventbridge_client(dead), "default")
    alert = ReorderAlert.model_validate(
        {
            "run_id": "r", "product_id": "P", "title": "T", "stock": 0, "on_order": 0,
            "daily_demand": 1.0, "reorder_point": 9.0, "days_of_cover": 0.0,
            "runs_out_on": None, "lead_time_days": 7, "suggested_order": 15,
            "forecast_method": "tsb", "created_at": "2024-06-01T00:00:00Z",
        }
    )  # fmt: skip
    started = time.monotonic()
    with pytest.raises(UpstreamError, match="EventBridge bus 'default' failed"):
        sink.emit([alert])
    assert time.monotonic() - started < 10


@pytest.fixture
def model_server(tmp_path: Path, aws_credentials: None) -> Iterator[tuple[str, Path]]:
    """The forecaster's model server (``python -m tools.forecast.server``) on a trained model."""
    with make_store(tmp_path) as store:
        train_forecaster(store, tmp_path / "model")
    port = free_port()
    argv = [sys.executable, "-m", "tools.forecast.server", "--model-dir", str(tmp_path / "model")]
    process = subprocess.Popen([*argv, "--host", "127.0.0.1", "--port", str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/ping", timeout=1) as reply:
                    assert reply.status == 200
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url, tmp_path / "model"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_invoke_endpoint_answers_as_the_local_model(model_server: tuple[str, Path]) -> None:
    url, model_dir = model_server
    client = sagemaker_runtime_client(Settings(sagemaker_endpoint_url=url))
    remote = SageMakerForecaster(client, "shopagent-forecaster")
    ids = ["FAST1", "NEW44", "GONE3"]
    assert remote.forecast(ids, 9) == LocalForecaster(model_dir).forecast(ids, 9)
    assert remote.forecast(["NEW44"], 1) == [None]


def test_the_model_server_refuses_a_bad_body_with_the_reason(
    model_server: tuple[str, Path],
) -> None:
    url, _ = model_server
    request = urllib.request.Request(
        f"{url}/invocations", data=b'{"product_ids": ["FAST1"], "horizon": 0}', method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=5)
    assert err.value.code == 400
    assert "horizon" in err.value.read().decode()


def test_a_dead_endpoint_is_an_upstream_error(aws_credentials: None) -> None:
    client = sagemaker_runtime_client(
        Settings(sagemaker_endpoint_url=f"http://127.0.0.1:{free_port()}")
    )
    with pytest.raises(UpstreamError, match="forecaster endpoint 'gone' failed"):
        SageMakerForecaster(client, "gone").forecast(["FAST1"], 3)
