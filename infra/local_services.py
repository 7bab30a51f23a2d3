"""Local stand-ins for AWS services, started on 127.0.0.1 for tests and benchmarks.

``kinesalite()`` runs Kinesis (kinesalite, from npm) and ``moto_server()`` runs S3, DynamoDB,
EventBridge, Glue and the rest of moto's services. Each is a context manager yielding the
endpoint URL; the process is stopped on exit and a service that does not come up in time
fails with its last output instead of hanging. The start-up waits are generous (a node or Python
process importing on two cores shared with a test suite is slow; one that exits fails at once).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.errors import ConfigError, UpstreamError

KINESALITE_VERSION = "3.3.3"
# Where .ci/run installs kinesalite with npm (and where a developer may, with the same command).
KINESALITE_PREFIX = Path.home() / ".cache" / "shopagent" / f"kinesalite-{KINESALITE_VERSION}"
INSTALL_KINESALITE = f"npm install --prefix {KINESALITE_PREFIX} kinesalite@{KINESALITE_VERSION}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for_port(
    process: subprocess.Popen[bytes], port: int, log: Path, timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise UpstreamError(f"{process.args!r} exited with {process.returncode}: {_tail(log)}")
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise UpstreamError(
        f"{process.args!r} did not listen on {port} in {timeout_s:g} s: {_tail(log)}"
    )


def _tail(log: Path) -> str:
    return " | ".join(log.read_text(errors="replace").strip().splitlines()[-5:])


@contextmanager
def _service(argv: list[str], port: int, timeout_s: float) -> Iterator[str]:
    with tempfile.NamedTemporaryFile(prefix="shopagent-service-", suffix=".log") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_port(process, port, Path(log.name), timeout_s)
            yield f"http://127.0.0.1:{port}"
        finally:
            died = process.poll()  # one that exited while in use says why, in its own words
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if died is not None:
                tail = Path(log.name).read_text(errors="replace")[-4000:]
                raise RuntimeError(f"{argv[0]} exited with {died} while in use: {tail}")


def kinesalite_command() -> str:
    """The kinesalite executable: the cached npm install, else one on PATH."""
    cached = KINESALITE_PREFIX / "node_modules" / ".bin" / "kinesalite"
    if cached.exists():
        return str(cached)
    found = shutil.which("kinesalite")
    if found is None:
        raise ConfigError(f"kinesalite is not installed; install it with: {INSTALL_KINESALITE}")
    return found


@contextmanager
def kinesalite(timeout_s: float = 120.0) -> Iterator[str]:
    """A Kinesis endpoint (kinesalite, in memory) with streams created at once."""
    port = free_port()
    argv = [kinesalite_command(), "--port", str(port), "--createStreamMs", "0"]
    argv += ["--deleteStreamMs", "0", "--updateStreamMs", "0", "--shardLimit", "100"]
    with _service(argv, port, timeout_s) as url:
        yield url


@contextmanager
def moto_server(timeout_s: float = 120.0) -> Iterator[str]:
    """A moto server: S3, DynamoDB, EventBridge, Glue … on one endpoint."""
    port = free_port()
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with _service(argv, port, timeout_s) as url:
        yield url
