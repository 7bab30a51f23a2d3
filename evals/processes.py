"""Benchmark helpers for server processes: start and stop them, sample their memory and CPU."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from infra.errors import UpstreamError

# The repository root: subprocesses run from here so `api` and `evals` import uninstalled.
ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


def free_port() -> int:
    """A port the OS just handed out on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its children."""
    total = 0
    for proc in _tree(pid):
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and all its children so far."""
    total = 0.0
    for proc in _tree(pid):
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


class RssSampler:
    """Samples a process tree's RSS on a background thread; keeps the peak of each phase."""

    def __init__(self, pid: int, interval_s: float, phase: str = "startup") -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.phase = phase
        self.peaks: dict[str, int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def sample(self) -> int:
        try:
            rss = tree_rss(self.pid)
        except psutil.NoSuchProcess:
            return 0
        self.samples += 1
        self.peaks[self.phase] = max(rss, self.peaks.get(self.phase, 0))
        return rss

    def peak(self) -> tuple[int, str]:
        """The highest sample and the phase it fell in."""
        return max(((rss, phase) for phase, rss in self.peaks.items()), default=(0, ""))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)


@dataclass
class Server:
    """A server subprocess, its URL and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1) + "/v1/chat"

    def wait_ready(self, path: str, timeout_s: float) -> float:
        """Poll ``path`` until it answers 200; the seconds that took, or ``UpstreamError``."""
        start = time.perf_counter()
        last = "no answer yet"
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.perf_counter() - start < timeout_s:
                if self.process.poll() is not None:
                    raise UpstreamError(
                        f"the {self.name} server exited with code {self.process.returncode} "
                        f"before it was ready\n{log_tail(self.log_path)}"
                    )
                try:
                    response = client.get(path)
                    if response.status_code == 200:
                        return time.perf_counter() - start
                    last = f"{path} answered {response.status_code}: {response.text[:200]}"
                except httpx.HTTPError as err:
                    last = f"{type(err).__name__}: {err}"
                time.sleep(0.1)
        raise UpstreamError(
            f"the {self.name} server was not ready within {timeout_s:.0f} s ({last})\n"
            f"{log_tail(self.log_path)}"
        )


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    tail = "\n".join(text.splitlines()[-lines:]) or "(empty)"
    return f"its log ends with:\n{tail}"


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM for a graceful shutdown, SIGKILL when that takes over 10 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def started(
    name: str, args: list[str], env: dict[str, str], log_dir: Path, port: int = 0
) -> Iterator[Server]:
    """Run ``args`` from the repository root with output to a log; stop it on the way out."""
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield Server(name, process, f"http://127.0.0.1:{port}", log_path)
    finally:
        stop(process)


def settle_rss(pid: int, seconds: float) -> int:
    """RSS after leaving the process alone for ``seconds`` (median of five samples)."""
    time.sleep(seconds)
    samples = []
    for _ in range(5):
        samples.append(tree_rss(pid))
        time.sleep(0.05)
    return sorted(samples)[2]
