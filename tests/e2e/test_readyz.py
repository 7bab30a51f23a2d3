"""``GET /readyz``: the status and the build's version for anyone, each backend's state for staff
(or the metrics scrape token); 503 when a required backend is down, 200 "degraded" while the
chat model's breaker is open and the offline planner answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from assembly.runtime import Runtime
from infra.settings import Settings
from tests.auth import bearer
from tests.integration.bedrock_endpoint import BedrockEndpoint

pytestmark = pytest.mark.e2e

PRIMARY = "anthropic.claude-3-5-sonnet-20240620-v1:0"


def _runtime(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def test_every_backend_is_named_with_its_state_then_a_store_down_is_503(
    client: TestClient, staff_headers: dict[str, str], settings: Settings
) -> None:
    anonymous = client.get("/readyz")
    assert anonymous.status_code == 200
    assert anonymous.json() == {"status": "ready", "version": version("shopagent")}
    shopper = bearer(settings, "12347", "shopper")
    bad = {"Authorization": "Bearer abc.def.ghi"}
    for headers in (shopper, bad):  # no 401 for a probe, and no detail either
        short = client.get("/readyz", headers=headers)
        assert short.status_code == 200 and "backends" not in short.json(), headers

    ready = client.get("/readyz", headers=staff_headers)
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["version"] == version("shopagent")
    backends = body["backends"]
    expected = {"store", "checkpointer", "search", "cache", "model", "events"}
    assert expected <= set(backends)
    assert all(entry["ok"] is True and entry["backend"] for entry in backends.values())
    assert backends["model"] == {"backend": "offline", "ok": True}
    assert backends["events"] == {"backend": "local", "ok": True}

    _runtime(client).services.store.close()  # later reads fail: "closed database"
    assert client.get("/readyz").json() == {"status": "unavailable", "version": body["version"]}
    down = client.get("/readyz", headers=staff_headers)

    assert down.status_code == 503
    body = down.json()
    assert body["status"] == "unavailable"
    assert body["backends"]["store"] == {"backend": "sqlite", "ok": False}
    assert body["backends"]["search"]["ok"] is True
    assert "database" not in down.text.lower(), "the failure is logged, not published"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials, and nothing from the host's AWS configuration."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def down_bedrock(aws_env: None) -> Iterator[BedrockEndpoint]:
    """A Bedrock endpoint that answers every call with HTTP 500."""
    outage = {
        "name": "Bedrock is down",
        "error": {"status": 500, "type": "InternalServerException", "message": "Unavailable."},
    }
    with BedrockEndpoint([outage]) as endpoint:
        yield endpoint


def _turn(client: TestClient, text: str) -> list[dict[str, Any]]:
    with client.websocket_connect("/v1/chat") as ws:
        assert ws.receive_json()["type"] == "session"
        ws.send_json({"type": "message", "text": text})
        frames: list[dict[str, Any]] = []
        while (frame := ws.receive_json())["type"] != "done":
            frames.append(frame)
    return frames


def test_an_open_breaker_is_degraded_while_the_offline_planner_answers(
    settings: Settings, down_bedrock: BedrockEndpoint, staff_headers: dict[str, str]
) -> None:
    bedrock = settings.model_copy(
        update={
            "model": f"bedrock_converse:{PRIMARY}",
            "bedrock_endpoint_url": down_bedrock.url,
            "model_fallback": "offline",
            "model_max_attempts": 1,
            "model_breaker_failures": 1,
        }
    )
    with TestClient(create_app(bedrock)) as client:
        before = client.get("/readyz", headers=staff_headers).json()
        frames = _turn(client, "red lanterns under £5")
        after = client.get("/readyz", headers=staff_headers)
        metrics = client.get("/metrics", headers=staff_headers).text

    assert before["status"] == "ready"
    assert before["backends"]["model"]["breaker"] == "closed"
    message = frames[-1]
    assert message["type"] == "message" and "model_fallback" in message["flags"]
    assert message["products"], "the offline planner searched and answered"
    assert any(f["type"] == "tool_call" and f["name"] == "search_products" for f in frames)
    assert [r.model_id for r in down_bedrock.requests] == [PRIMARY]

    assert after.status_code == 200
    body = after.json()
    assert body["status"] == "degraded"
    assert body["backends"]["model"] == {
        "backend": f"bedrock_converse:{PRIMARY}",
        "ok": False,
        "breaker": "open",
        "fallback": "offline",
        "degraded": True,
    }
    assert "://" not in json.dumps(body), "no URL is published"

    fallbacks = (
        f'shopagent_model_fallbacks_total{{fallback="offline",model="{PRIMARY}",reason="error"}}'
    )
    assert fallbacks in metrics
    assert f'shopagent_model_breaker_state{{model="{PRIMARY}"}} 2.0' in metrics
