"""``shopagent serve`` in a subprocess on a free port, as an attacker reaches it: over TCP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(data_dir: Path, **settings: str) -> Iterator[str]:
    """The base URL of a server on ``data_dir`` with ``SHOPAGENT_<NAME>`` set from
    ``settings``; stopped (and waited for) on exit."""
    port = free_port()
    env = {
        **os.environ,
        "SHOPAGENT_DATA_DIR": str(data_dir),
        "SHOPAGENT_PORT": str(port),
        **{f"SHOPAGENT_{name.upper()}": value for name, value in settings.items()},
    }
    cli = Path(sys.executable).with_name("shopagent")
    output = data_dir.parent / f"serve-{port}.log"  # a file, so a chatty server never blocks
    with output.open("wb") as sink:
        proc = subprocess.Popen([str(cli), "serve"], env=env, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {output.read_text(errors='replace')}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become ready in 90 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
