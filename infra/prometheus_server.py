"""Launch a private Prometheus (the Debian package) on 127.0.0.1 that scrapes one target.

``with prometheus_server(target, token) as server: server.query("…")`` writes a scrape config
for ``target`` (``host:port``, ``/metrics`` with ``token`` as the bearer credentials, read from
a 0600 file), starts Prometheus on a free port with a scratch TSDB, waits until it is ready,
and stops it on exit. Tests use it to check what a real scrape of ``shopagent serve`` sees.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from infra.errors import ConfigError, UpstreamError
from infra.local_services import free_port

EXECUTABLE = "prometheus"
START_TIMEOUT_S = 90.0  # a readiness wait: generous, for a busy machine (it is ~1 s idle)


class PrometheusServer:
    """One running Prometheus; ``query`` asks its HTTP API an instant PromQL query."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, directory: Path) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.directory = directory

    def query(self, promql: str) -> list[dict[str, Any]]:
        """The result vector of ``promql`` evaluated now (``UpstreamError`` if it fails)."""
        answer = httpx.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=30)
        body = answer.json()
        if answer.status_code != 200 or body.get("status") != "success":
            raise UpstreamError(f"Prometheus refused {promql!r}: {body.get('error', answer.text)}")
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def log(self) -> str:
        return (self.directory / "prometheus.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _config(target: str, token_file: Path, interval_s: float) -> dict[str, Any]:
    every = f"{int(interval_s * 1000)}ms"
    return {
        "global": {"scrape_interval": every, "scrape_timeout": every},
        "scrape_configs": [
            {
                "job_name": "shopagent",
                "metrics_path": "/metrics",
                "authorization": {"type": "Bearer", "credentials_file": str(token_file)},
                "static_configs": [{"targets": [target]}],
            }
        ],
    }


def start_prometheus(
    target: str, token: str, *, interval_s: float = 1.0, executable: str = EXECUTABLE
) -> PrometheusServer:
    """Start Prometheus scraping ``target`` every ``interval_s`` and wait until it is ready;
    ``ConfigError`` when the binary is missing."""
    path = shutil.which(executable)
    if path is None:
        raise ConfigError(
            f"{executable} not found: install the Debian package (apt-get install prometheus)"
        )
    directory = Path(tempfile.mkdtemp(prefix="shopagent-prometheus-"))
    token_file = directory / "scrape-token"
    token_file.touch(mode=0o600)
    token_file.write_text(token)
    config = directory / "prometheus.yml"
    # JSON is YAML: no YAML writer needed for a config this small.
    config.write_text(json.dumps(_config(target, token_file, interval_s), indent=2))
    port = free_port()
    args = [
        path,
        f"--config.file={config}",
        f"--storage.tsdb.path={directory / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
    ]
    with (directory / "prometheus.log").open("wb") as log:  # the child keeps its own handle
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    server = PrometheusServer(process, port, directory)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _ready(server.url):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise UpstreamError(f"Prometheus did not start on port {port}: {server.log()[-800:]}")
        time.sleep(0.1)
    return server


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/-/ready", timeout=0.5).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def prometheus_server(
    target: str, token: str, *, interval_s: float = 1.0
) -> Iterator[PrometheusServer]:
    """A running Prometheus scraping ``target`` for the ``with`` block."""
    server = start_prometheus(target, token, interval_s=interval_s)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)
