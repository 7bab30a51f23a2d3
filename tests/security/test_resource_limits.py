"""Red-team findings 6 and 8 (file modes) replayed against ``shopagent serve`` over TCP.

- 200 anonymous sockets from one address were all accepted: past ``max_sockets_per_client`` a
  socket now gets a ``too_many_sockets`` error frame and a 1013 close, and a slot comes back
  when a socket closes.
- Slow headers and slow bodies held connections for 30 s: headers must now be complete within
  ``header_timeout_s`` (the connection is closed), a body within ``body_timeout_s`` (408), and
  an idle keep-alive connection is closed after 5 s.
- The store, the event log and the lake were readable by other local users: the data
  directory is now mode 0700 once a command has started.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from infra.identity import Identity
from infra.settings import Settings
from tests.served_process import served

pytestmark = pytest.mark.e2e

CAP = 3


@pytest.fixture(scope="module")
def server(
    online_retail_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("limits") / "data"
    shutil.copytree(online_retail_dir, data_dir)
    data_dir.chmod(0o755)  # as the red team found it
    limits = {"max_sockets_per_client": str(CAP), "header_timeout_s": "1", "body_timeout_s": "1"}
    with served(data_dir, **limits) as base:
        yield base, data_dir


def _open(url: str, token: str | None = None) -> ClientConnection:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return connect(url, additional_headers=headers)


def test_sockets_per_client_are_capped(server: tuple[str, Path]) -> None:
    base, data_dir = server
    url = base.replace("http", "ws") + "/v1/chat"
    with ExitStack() as held:
        sockets = [held.enter_context(_open(url)) for _ in range(CAP)]
        for ws in sockets:
            assert json.loads(ws.recv(timeout=10))["type"] == "session"
        with _open(url) as extra:
            refusal = json.loads(extra.recv(timeout=10))  # before any session is opened
            assert refusal["type"] == "error" and refusal["code"] == "too_many_sockets"
            assert str(CAP) in refusal["message"]
            with pytest.raises(ConnectionClosed) as closed:
                extra.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
        # A signed-in principal has its own count, not the address's.
        token = Identity.from_settings(Settings(data_dir=data_dir)).issue("user:12347", "shopper")
        with _open(url, token) as mine:
            assert json.loads(mine.recv(timeout=10))["type"] == "session"
            mine.send(json.dumps({"type": "message", "text": "mugs"}))
            assert json.loads(mine.recv(timeout=30))["type"] != "error"
        # Closing one gives its slot back.
        sockets[0].close()
        deadline = time.monotonic() + 30  # until the server has seen the close
        while not _admitted(url):
            assert time.monotonic() < deadline, "the closed socket's slot never came back"
            time.sleep(0.1)


def _admitted(url: str) -> bool:
    """Whether a new anonymous socket is let in: a session frame, not a refusal."""
    with _open(url) as ws:
        return str(json.loads(ws.recv(timeout=10))["type"]) == "session"


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _closed_within(conn: socket.socket, seconds: float, trickle: bytes = b"") -> float:
    """Seconds until the server closes ``conn`` (sending ``trickle`` every 0.2 s meanwhile);
    fails past ``seconds``."""
    start = time.monotonic()
    conn.settimeout(0.2)
    while time.monotonic() - start < seconds:
        try:
            if trickle:
                conn.sendall(trickle)
            if conn.recv(65536) == b"":
                return time.monotonic() - start
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start
    raise AssertionError(f"the server held the connection for {seconds} s")


def test_slow_headers_are_cut_off(server: tuple[str, Path]) -> None:
    base, _ = server
    with _connect(base) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        # One header byte every 0.2 s: the connection never goes idle, the headers never end.
        # Cut after the configured 1 s (the default would be 10 s; room for a busy machine).
        assert _closed_within(conn, 9, trickle=b"x") < 5


def test_a_slow_body_gets_408(server: tuple[str, Path]) -> None:
    base, _ = server
    with _connect(base) as conn:
        conn.sendall(
            b"POST /v1/tools/search_products HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            b'{"query": '
        )
        started = time.monotonic()
        conn.settimeout(5)
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
        assert time.monotonic() - started < 5  # the configured 1 s, not the default 30 s
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert "did not arrive within 1 s" in json.loads(body)["detail"]


def test_an_idle_keep_alive_connection_is_closed(server: tuple[str, Path]) -> None:
    base, _ = server
    with _connect(base) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        conn.settimeout(5)
        assert conn.recv(65536).startswith(b"HTTP/1.1 200")
        assert 4 < _closed_within(conn, 10) < 8


def test_the_data_directory_is_private(server: tuple[str, Path]) -> None:
    _, data_dir = server
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    # What the embedded backends wrote is behind it, whatever its own mode.
    assert (data_dir / "store.sqlite").exists()
    assert (data_dir / "events").is_dir()


def test_every_command_makes_the_data_directory_private(tmp_path: Path) -> None:
    shopagent = Path(sys.executable).with_name("shopagent")
    token = [str(shopagent), "auth", "token", "--user-id", "ana", "--role", "staff"]
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    (existing / "store.sqlite").write_bytes(b"")
    fresh = tmp_path / "new" / "data"
    for data_dir in (existing, fresh):
        env = {**os.environ, "SHOPAGENT_DATA_DIR": str(data_dir)}
        run = subprocess.run(token, env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    env = {**os.environ, "SHOPAGENT_DATA_DIR": str(not_a_dir)}
    refused = subprocess.run(token, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert f"{not_a_dir} is not a directory" in " ".join((refused.stdout + refused.stderr).split())
