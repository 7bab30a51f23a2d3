"""Launch a private ``redis-server`` (the Debian package) on 127.0.0.1 for tests and benchmarks.

``with redis_server() as server: server.url`` starts one on a free port with persistence off
and a scratch directory, waits until it answers PING, and stops it on exit. ``pause`` /
``resume`` freeze and thaw the process (a Redis that accepts connections but never answers),
``stop`` ends it (a Redis that is gone).
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.errors import ConfigError, UpstreamError

EXECUTABLE = "redis-server"
START_TIMEOUT_S = 10.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One running ``redis-server`` process."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, directory: Path) -> None:
        self.process = process
        self.port = port
        self.directory = directory

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.resume()
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_redis(executable: str = EXECUTABLE) -> RedisServer:
    """Start a server and wait until it answers; ``ConfigError`` when redis-server is missing."""
    path = shutil.which(executable)
    if path is None:
        raise ConfigError(
            f"{executable} not found: install the Debian package (apt-get install redis-server)"
        )
    directory = Path(tempfile.mkdtemp(prefix="shopagent-redis-"))
    port = _free_port()
    args = [path, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    args += ["--dir", str(directory), "--daemonize", "no", "--loglevel", "warning"]
    with (directory / "redis.log").open("wb") as log:  # the child keeps its own handle
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    server = RedisServer(process, port, directory)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            output = (directory / "redis.log").read_text(errors="replace")[-500:]
            raise UpstreamError(f"redis-server did not start on port {port}: {output}")
        time.sleep(0.02)
    return server


@contextmanager
def redis_server(executable: str = EXECUTABLE) -> Iterator[RedisServer]:
    """A running server for the ``with`` block."""
    server = start_redis(executable)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)
