"""The real thing: `shopagent serve` in its own process, reached over TCP like a browser would."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests import served_process

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(online_retail_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("served") / "data"
    shutil.copytree(online_retail_dir, data_dir)
    with served_process.served(data_dir) as base:
        yield base


def test_served_chat_over_a_real_socket(server: str) -> None:
    assert "/static/chat/chat.js" in httpx.get(server + "/", timeout=30).text
    assert "/v1/chat/tickets" in httpx.get(server + "/static/chat/chat.js", timeout=30).text
    with connect(server.replace("http", "ws") + "/v1/chat") as ws:
        assert json.loads(ws.recv())["type"] == "session"
        ws.send(json.dumps({"type": "message", "text": "cheapest cake stand"}))
        frames = []
        while not frames or frames[-1]["type"] != "done":
            frames.append(json.loads(ws.recv(timeout=60)))  # a first turn, on a busy machine
    message = next(f for f in frames if f["type"] == "message")
    prices = [p["price"] for p in message["products"]]
    assert prices, message["text"]
    assert prices == sorted(prices)
    assert any("cake stand" in p["title"].lower() for p in message["products"])
