"""``shopagent serve`` in a subprocess on a free port, reached over TCP as a browser (or an
attacker) would reach it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from infra.local_services import free_port

CLI = Path(sys.executable).with_name("shopagent")


@contextmanager
def serving(
    env: Mapping[str, str],
    *args: str,
    log_dir: Path,
    ready_within_s: float = 300,
    stop_within_s: float = 10,
) -> Iterator[str]:
    """The base URL of ``shopagent serve --port <free port> ARGS`` run with ``env`` once it
    answers ``/readyz``; its output goes to a file in ``log_dir`` (so a chatty server never
    blocks) and is shown if it exits early. Stopped (and waited for) on exit.

    The waits are for readiness, so generous: on two cores shared with the rest of a test suite
    a worker's start (imports, the runtime, the first probes) took 72 s where it takes a few
    idle, and one /readyz answer can take over a second. A server that exits fails at once."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    output = log_dir / f"serve-{port}.log"
    with output.open("wb") as sink:
        proc = subprocess.Popen(
            [str(CLI), "serve", "--port", str(port), *args],
            env=dict(env),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_within_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {output.read_text(errors='replace')}")
            try:
                if httpx.get(f"{base}/readyz", timeout=10).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                tail = output.read_text(errors="replace")[-4000:]
                raise RuntimeError(f"server did not become ready in {ready_within_s:g} s: {tail}")
            time.sleep(0.2)
        yield base
    finally:
        died = proc.poll()  # a server that exited while in use says why, in its own words
        proc.terminate()  # with --workers N, the uvicorn supervisor stops and waits for them
        try:
            proc.wait(timeout=stop_within_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if died is not None:
            tail = output.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"server exited with {died} while in use: {tail}")


@contextmanager
def served(data_dir: Path, **settings: str) -> Iterator[str]:
    """The base URL of a server on ``data_dir`` with ``SHOPAGENT_<NAME>`` set from
    ``settings``; stopped (and waited for) on exit."""
    env = {
        **os.environ,
        "SHOPAGENT_DATA_DIR": str(data_dir),
        **{f"SHOPAGENT_{name.upper()}": value for name, value in settings.items()},
    }
    with serving(env, log_dir=data_dir.parent) as base:
        yield base
