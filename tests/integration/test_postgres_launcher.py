"""``python -m infra.postgres run``: serves, prints its URL, stops on SIGTERM and leaves nothing."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from infra.errors import UpstreamError
from infra.local_services import free_port
from infra.postgres import LocalPostgres

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def test_run_prints_a_working_url_and_stops_on_sigterm() -> None:
    port = free_port()
    command = [sys.executable, "-m", "infra.postgres", "run", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        url = None
        deadline = time.monotonic() + 180  # initdb and the start, on a busy machine
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, "the launcher ended before printing its URL"
            found = re.search(r"postgresql://\S+", line)
            url = found.group(0) if found else None
        assert url is not None and f"@127.0.0.1:{port}/shopagent" in url
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("shopagent",)
            directory = conn.execute("SHOW data_directory").fetchone()
        assert directory is not None and Path(directory[0]).is_dir()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    assert not Path(directory[0]).exists()  # the scratch cluster is gone
    with socket.socket() as probe:  # and nothing listens on its port any more
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_a_port_in_use_fails_at_once_and_cleans_up() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = LocalPostgres(port=taken.getsockname()[1])
        started = time.monotonic()
        with pytest.raises(UpstreamError, match="postgres exited on start"):
            server.start()
    # At once: initdb's seconds, never the 180 s wait for a server that might still come up.
    assert time.monotonic() - started < 60
    assert server.directory is None
