"""The socket findings against the real server (``shopagent serve`` over TCP, as a browser or
an attacker reaches it): hostile frames are answered and the socket stays open; a refused
handshake ends with a real close frame, code 1008."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from infra.identity import Identity
from infra.settings import Settings
from tests import served_process

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(
    online_retail_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("served-socket") / "data"
    shutil.copytree(online_retail_dir, data_dir)
    with served_process.served(data_dir) as base:
        yield base, data_dir


def _turn(ws: ClientConnection, text: str) -> list[dict[str, Any]]:
    ws.send(json.dumps({"type": "message", "text": text}))
    frames = [json.loads(ws.recv(timeout=30))]
    while frames[-1]["type"] != "done":
        frames.append(json.loads(ws.recv(timeout=30)))
    return frames


def test_hostile_frames_over_tcp_leave_the_socket_open(served: tuple[str, Path]) -> None:
    base, _ = served
    url = base.replace("http", "ws") + "/v1/chat"
    with connect(url, origin=Origin(base), max_size=2**20) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "session"
        for raw, code in [
            ("[" * 100_000, "too_large"),
            ("[" * 40_000, "too_deep"),
            ('{"type": "message", "text": "\\ud800"}', "bad_text"),
            ('{"type": "message", "text": NaN}', "bad_json"),
        ]:
            ws.send(raw)
            error = json.loads(ws.recv(timeout=10))
            assert (error["type"], error["code"]) == ("error", code)
        ws.send(b"\x00\xff")
        assert json.loads(ws.recv(timeout=10))["code"] == "bad_frame"
        assert any(f["type"] == "message" for f in _turn(ws, "cheapest cake stand"))


def test_refusals_over_tcp_end_with_a_close_frame(served: tuple[str, Path]) -> None:
    base, data_dir = served
    url = base.replace("http", "ws") + "/v1/chat"
    token = Identity.from_settings(Settings(data_dir=data_dir)).issue("user:12347", "shopper")
    with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        session = json.loads(ws.recv(timeout=10))["session_id"]
    for origin, headers, query, code in [
        (Origin("http://evil.example"), {}, "", "origin_refused"),
        (None, {}, f"?session={session}", "session_refused"),  # A's id, anonymous
        (None, {}, "?session=1", "session_refused"),
        (None, {"Authorization": "Bearer x.y.z"}, "", "bad_token"),
    ]:
        with connect(url + query, origin=origin, additional_headers=headers) as ws:
            error = json.loads(ws.recv(timeout=10))
            assert (error["type"], error["code"]) == ("error", code)
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
