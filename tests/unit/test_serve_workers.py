"""``shopagent serve --workers N``: the numbers it refuses before it starts anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.workers import check_workers
from infra.errors import ConfigError
from infra.settings import Settings

CLI = Path(sys.executable).with_name("shopagent")


def _serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), "serve", *args],
        env={**os.environ, "SHOPAGENT_DATA_DIR": str(tmp_path / "data"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_several_workers_on_the_embedded_event_stream_must_leave_it_to_one_consumer(
    tmp_path: Path,
) -> None:
    done = _serve(tmp_path, "--workers", "2")
    assert done.returncode == 2
    said = " ".join(done.stderr.split())  # the console wraps long lines
    assert "set SHOPAGENT_EVENTS_PROCESS_IN_SERVER=false and run" in said, done.stderr
    assert not (tmp_path / "data" / "store.sqlite").exists()  # refused before loading anything


def test_zero_workers_is_refused(tmp_path: Path) -> None:
    done = _serve(tmp_path, "--workers", "0")
    assert done.returncode == 2 and "--workers" in done.stderr


@pytest.mark.parametrize(
    ("workers", "backend", "in_server", "refused"),
    [
        (1, "local", True, False),
        (2, "local", True, True),
        (2, "local", False, False),
        (2, "kinesis", True, False),  # shards are leased: every worker may process
    ],
)
def test_check_workers(
    tmp_path: Path, workers: int, backend: str, in_server: bool, refused: bool
) -> None:
    settings = Settings(
        data_dir=tmp_path, events_backend=backend, events_process_in_server=in_server
    )
    if refused:
        with pytest.raises(ConfigError, match=f"--workers {workers}"):
            check_workers(settings, workers)
    else:
        check_workers(settings, workers)
