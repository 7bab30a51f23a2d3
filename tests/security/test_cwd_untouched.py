"""Red-team round 2, finding E replayed: a ``.shopagent`` folder made in the working directory.

The CLI's top-level callback makes the data directory private before any subcommand runs, and
click runs it before the subcommand reads ``--help``: ``shopagent serve --help`` made an empty
``.shopagent`` (the default data directory) wherever it was run. Asking for help now makes
nothing, and a real command makes only the configured data directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SHOPAGENT = Path(sys.executable).with_name("shopagent")


def _run(args: list[str], cwd: Path, data_dir: Path | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPAGENT_")}
    if data_dir is not None:
        env["SHOPAGENT_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [str(SHOPAGENT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("configured", [True, False])
@pytest.mark.parametrize("args", [["serve", "--help"], ["--help"], ["auth", "token", "--help"]])
def test_help_makes_no_data_directory(tmp_path: Path, args: list[str], configured: bool) -> None:
    cwd, data_dir = tmp_path / "scratch", tmp_path / "elsewhere"
    cwd.mkdir()
    result = _run(args, cwd, data_dir if configured else None)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    assert list(cwd.iterdir()) == []
    assert not data_dir.exists()


def test_a_command_makes_only_the_configured_data_directory(tmp_path: Path) -> None:
    cwd, data_dir = tmp_path / "scratch", tmp_path / "elsewhere"
    cwd.mkdir()
    result = _run(["auth", "token", "--user-id", "agent", "--role", "staff"], cwd, data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(".") == 2  # a JWT was printed
    assert data_dir.is_dir() and data_dir.stat().st_mode & 0o777 == 0o700
    assert list(cwd.iterdir()) == []
