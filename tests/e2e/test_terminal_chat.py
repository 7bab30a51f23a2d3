"""`shopagent chat` in the terminal, with the shopper's lines on standard input."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_terminal_chat_answers_and_refines(online_retail_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(online_retail_dir, data_dir)
    cli = Path(sys.executable).with_name("shopagent")
    done = subprocess.run(
        [str(cli), "chat"],
        input="hello\nheart lanterns under 10 pounds\nshow me cheaper ones\n\n",
        env={**os.environ, "SHOPAGENT_DATA_DIR": str(data_dir), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("assistant>") == 3
    assert "search_products" in out
    assert "max_price" in out
