"""The real thing: `shopagent serve` in its own process, reached over TCP like a browser would."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(online_retail_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("served") / "data"
    shutil.copytree(online_retail_dir, data_dir)
    port = _free_port()
    cli = Path(sys.executable).with_name("shopagent")
    env = {**os.environ, "SHOPAGENT_DATA_DIR": str(data_dir), "SHOPAGENT_PORT": str(port)}
    proc = subprocess.Popen([str(cli), "serve"], env=env, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                _, err = proc.communicate()
                raise RuntimeError(f"server exited: {err.decode()}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not become ready in 60 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def test_served_chat_over_a_real_socket(server: str) -> None:
    assert "/v1/chat" in httpx.get(server + "/").text
    with connect(server.replace("http", "ws") + "/v1/chat") as ws:
        assert json.loads(ws.recv())["type"] == "session"
        ws.send(json.dumps({"type": "message", "text": "cheapest cake stand"}))
        frames = []
        while not frames or frames[-1]["type"] != "done":
            frames.append(json.loads(ws.recv(timeout=10)))
    message = next(f for f in frames if f["type"] == "message")
    prices = [p["price"] for p in message["products"]]
    assert prices, message["text"]
    assert prices == sorted(prices)
    assert any("cake stand" in p["title"].lower() for p in message["products"])
