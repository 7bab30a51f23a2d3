"""A real Prometheus scrapes a real ``shopagent serve --workers 2`` and PromQL sees the turns.

The server runs two worker processes on the embedded backends (the event processor outside
the server, as ``--workers`` requires there). Prometheus (the Debian package) scrapes
``/metrics`` every second with the scrape token as its ``authorization`` credentials. Chat turns
are made as a page makes them: a ticket from ``POST /v1/chat/tickets``, then the socket. Every
scrape, whichever worker answers it, reports the turns of both: one merged view.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from infra.prometheus_server import PrometheusServer, prometheus_server
from tests.served_process import serving

pytestmark = pytest.mark.integration

DASHBOARD = Path(__file__).resolve().parents[2] / "infra" / "grafana" / "shopagent-dashboard.json"
TOKEN = secrets.token_urlsafe(24)
TURNS = ("cheapest cake stand", "red lanterns under £5", "a gift for a tea lover")


@pytest.fixture(scope="module")
def server(online_retail_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("scraped") / "data"
    shutil.copytree(online_retail_dir, data_dir)
    env = {
        "PATH": "/usr/bin:/bin",
        "SHOPAGENT_DATA_DIR": str(data_dir),
        "SHOPAGENT_METRICS_TOKEN": TOKEN,
        "SHOPAGENT_EVENTS_PROCESS_IN_SERVER": "false",
    }
    with serving(env, "--workers", "2", log_dir=data_dir.parent) as base:
        yield base


def _chat_turn(base: str, text: str) -> None:
    """One turn as the page makes it: a ticket for this visitor, then a socket with it."""
    with httpx.Client(base_url=base, timeout=30) as page:
        ticket = page.post("/v1/chat/tickets")
        assert ticket.status_code == 200, ticket.text
    url = base.replace("http", "ws", 1) + f"/v1/chat?ticket={ticket.json()['ticket']}"
    with connect(url) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "session"
        ws.send(json.dumps({"type": "message", "text": text}))
        kinds: list[str] = []
        while not kinds or kinds[-1] != "done":
            kinds.append(json.loads(ws.recv(timeout=30))["type"])
    assert "message" in kinds, kinds


def _turns_in(text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "shopagent_chat_turns_total" and sample.labels["outcome"] == "answered"
    )


def _value(prometheus: PrometheusServer, promql: str) -> float | None:
    result = prometheus.query(promql)
    return float(result[0]["value"][1]) if result else None


def test_prometheus_counts_the_turns_made_on_either_worker(server: str) -> None:
    for text in TURNS:
        _chat_turn(server, text)
    # Each scrape may be answered by either worker; every one reports both workers' turns.
    for _ in range(6):
        answer = httpx.get(
            f"{server}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        assert _turns_in(answer.text) == len(TURNS)
    assert httpx.get(f"{server}/metrics", timeout=30).status_code == 401

    with prometheus_server(urlsplit(server).netloc, TOKEN, interval_s=1.0) as prometheus:
        promql = 'sum(shopagent_chat_turns_total{job="shopagent", outcome="answered"})'
        up = 'up{job="shopagent"}'
        # Waited for, not assumed: on a busy machine one scrape may outlast its 1 s timeout
        # (``up`` is 0 until the next one answers).
        deadline = time.monotonic() + 60
        seen, reached = _value(prometheus, promql), _value(prometheus, up)
        while (seen, reached) != (len(TURNS), 1) and time.monotonic() < deadline:
            time.sleep(0.5)
            seen, reached = _value(prometheus, promql), _value(prometheus, up)
        assert seen == len(TURNS), prometheus.log()[-2000:]
        assert reached == 1, prometheus.log()[-2000:]
        # The turn latency histogram is there to take quantiles of, as the dashboard does.
        count = _value(prometheus, 'sum(shopagent_chat_turn_seconds_count{job="shopagent"})')
        assert count == len(TURNS)
        # Every query of the shipped dashboard is PromQL this Prometheus evaluates.
        board = json.loads(DASHBOARD.read_text())
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                prometheus.query(target["expr"].replace("$__rate_interval", "1m"))
