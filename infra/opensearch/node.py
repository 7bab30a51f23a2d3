"""Start and stop one OpenSearch node on 127.0.0.1 from an assembled home.

The node runs with security off (no security plugin is installed), single-node discovery
and a small heap. It is started with ``java`` directly, with the options the distribution's
launcher would add that matter here.

OpenSearch refuses to run as root, and checks the effective uid with no way to override it.
CI runs as root, so there the JVM starts in a new user namespace (``unshare --user``): inside
it the process is the unprivileged ``nobody`` while keeping access to root's files, and it
needs no other user account or changed file ownership.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from infra.errors import ConfigError, UpstreamError
from infra.local_services import free_port
from infra.opensearch.assembly import assemble

START_TIMEOUT_S = 240.0  # the JVM and plugin loading take ~30 s on two busy cores
STOP_GRACE_S = 30.0
_PR_SET_PDEATHSIG = 1


class OpenSearchNode:
    """One local node. ``start()`` returns once the cluster is yellow or green."""

    def __init__(
        self,
        run_dir: Path,
        *,
        port: int | None = None,
        heap_mb: int = 512,
        home: Path | None = None,
    ) -> None:
        self.run_dir = run_dir  # data, logs and the console output live here
        self.port = port or free_port()
        self.heap_mb = heap_mb
        self.home = home
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def console_log(self) -> Path:
        return self.run_dir / "console.log"

    def start(self, timeout_s: float = START_TIMEOUT_S) -> OpenSearchNode:
        """Assemble the home if needed, start the JVM and wait until the node answers."""
        if self._process is not None:
            raise RuntimeError("the node is already running")
        if _port_taken(self.port):
            raise ConfigError(f"port {self.port} is taken by another server: choose another")
        home = assemble(self.home)
        java = shutil.which("java")
        if java is None:
            raise ConfigError(
                "Java 11 or later is needed to run OpenSearch: apt-get install "
                "openjdk-17-jre-headless"
            )
        (self.run_dir / "data").mkdir(parents=True, exist_ok=True)
        (self.run_dir / "logs").mkdir(parents=True, exist_ok=True)
        command = [
            *_unprivileged(),
            java,
            *self._jvm_options(home),
            "-cp",
            str(home / "lib/*"),
            "org.opensearch.bootstrap.OpenSearch",
            *self._settings(),
        ]
        with self.console_log.open("wb") as console:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # the node must not outlive this process
            )
        try:
            self._wait_until_healthy(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the node (SIGTERM, then SIGKILL after a grace period); idempotent."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> OpenSearchNode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _jvm_options(self, home: Path) -> list[str]:
        heap = f"{self.heap_mb}m"
        return [
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-Djava.security.manager=allow",
            "-Djava.locale.providers=SPI,COMPAT",
            "-Dfile.encoding=UTF-8",
            # Without these two log4j's own shutdown hook fails under the security manager
            # and the JVM hangs on SIGTERM.
            "-Dlog4j2.disable.jmx=true",
            "-Dlog4j.shutdownHookEnabled=false",
            "-Dio.netty.noUnsafe=true",
            "-Dio.netty.allocator.numDirectArenas=0",
            f"-Dopensearch.path.home={home}",
            f"-Dopensearch.path.conf={home / 'config'}",
            "-Dopensearch.distribution.type=tar",
            "-Dopensearch.bundled_jdk=false",
        ]

    def _settings(self) -> list[str]:
        return [
            "-E", f"http.port={self.port}",
            "-E", f"path.data={self.run_dir / 'data'}",
            "-E", f"path.logs={self.run_dir / 'logs'}",
        ]  # fmt: skip

    def _wait_until_healthy(self, timeout_s: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise UpstreamError(
                    f"OpenSearch exited with code {self._process.returncode} while starting:\n"
                    f"{self._console_tail()}"
                )
            if _healthy(self.url):
                return
            time.sleep(0.5)
        raise UpstreamError(
            f"OpenSearch did not become healthy within {timeout_s:.0f} s:\n{self._console_tail()}"
        )

    def _console_tail(self, lines: int = 20) -> str:
        try:
            text = self.console_log.read_text(errors="replace")
        except OSError:
            return "(no console output)"
        return "\n".join(text.strip().splitlines()[-lines:])


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _healthy(url: str) -> bool:
    """Whether the cluster reports yellow or green (a refused connection is just 'not yet')."""
    health = f"{url}/_cluster/health?wait_for_status=yellow&timeout=1s"
    try:
        with urllib.request.urlopen(health, timeout=3.0) as response:
            status = json.load(response).get("status")
    except (OSError, ValueError):  # urllib's URLError and HTTPError are OSErrors
        return False
    return status in ("yellow", "green")


def _unprivileged() -> list[str]:
    """The command prefix that drops root (see the module docstring); empty for other users."""
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        raise ConfigError(
            "OpenSearch cannot run as root and `unshare` (util-linux) is missing: "
            "run as another user or install util-linux"
        )
    return [unshare, "--user", "--"]


def _die_with_parent() -> None:
    """In the child before exec: have the kernel send SIGTERM when the starting thread ends.

    So a test run killed with SIGKILL leaves no node behind. Start nodes from a thread that
    lives as long as they should (the main thread does).
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
