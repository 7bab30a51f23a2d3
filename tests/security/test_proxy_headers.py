"""Red-team finding 2 replayed against ``shopagent serve`` over TCP: the rate limits were
bypassed by rotating ``X-Forwarded-For`` from 127.0.0.1, because uvicorn itself rewrote the
client address from the header for peers in its ``forwarded_allow_ips`` (127.0.0.1 by default).
``serve`` now turns uvicorn's proxy headers off, so ``trusted_proxies`` alone decides: by
default (none) a rotating header buys no new bucket, on REST or on the chat socket; with
127.0.0.1 configured as a proxy, the header is honoured.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.served_process import served

pytestmark = pytest.mark.e2e

BURST = 5
# Buckets that barely refill while the test runs: the burst is all a client gets.
LIMITS = {
    "rate_limit_rest_burst": str(BURST),
    "rate_limit_rest_per_s": "0.001",
    "rate_limit_chat_burst": str(BURST),
    "rate_limit_chat_per_s": "0.001",
}
ATTEMPTS = 3 * BURST


def _rest_statuses(base: str) -> list[int]:
    """An anonymous search per request, each from a new spoofed address."""
    statuses = []
    with httpx.Client(base_url=base, timeout=10) as client:
        for i in range(ATTEMPTS):
            response = client.post(
                "/v1/tools/search_products",
                json={"query": "mug"},
                headers={"X-Forwarded-For": f"10.6.0.{i + 1}"},
            )
            statuses.append(response.status_code)
    return statuses


def _chat_answers(base: str) -> list[str]:
    """One anonymous message per new socket, each from a new spoofed address: the type of the
    first frame after the message (``token`` / ``message`` … or an ``error`` code)."""
    url = base.replace("http", "ws") + "/v1/chat"
    answers = []
    for i in range(ATTEMPTS):
        with connect(url, additional_headers={"X-Forwarded-For": f"10.7.0.{i + 1}"}) as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "session"
            ws.send(json.dumps({"type": "message", "text": "hello"}))
            frame = json.loads(ws.recv(timeout=30))
            answers.append(
                frame.get("code", "answered") if frame["type"] == "error" else "answered"
            )
            while frame["type"] not in ("done", "error"):
                frame = json.loads(ws.recv(timeout=30))
    return answers


def test_a_rotating_forwarded_for_buys_no_new_bucket(
    online_retail_dir: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(online_retail_dir, data_dir)
    with served(data_dir, **LIMITS) as base:
        statuses = _rest_statuses(base)
        answers = _chat_answers(base)
    assert statuses[:BURST] == [200] * BURST
    assert set(statuses[BURST:]) == {429}
    assert answers[:BURST] == ["answered"] * BURST
    assert set(answers[BURST:]) == {"rate_limited"}


def test_a_configured_proxy_is_believed(online_retail_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(online_retail_dir, data_dir)
    with served(data_dir, trusted_proxies='["127.0.0.1"]', **LIMITS) as base:
        statuses = _rest_statuses(base)
        answers = _chat_answers(base)
        # The same forwarded client over and over is held to its one bucket.
        with httpx.Client(base_url=base, timeout=10) as client:
            same = [
                client.post(
                    "/v1/tools/search_products",
                    json={"query": "mug"},
                    headers={"X-Forwarded-For": "10.8.0.1"},
                ).status_code
                for _ in range(BURST + 2)
            ]
    assert statuses == [200] * ATTEMPTS  # each forwarded address is its own client
    assert answers == ["answered"] * ATTEMPTS
    assert same == [200] * BURST + [429, 429]
