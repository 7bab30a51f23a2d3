"""`shopagent chat`: lines piped to standard input, and typed in a terminal (a pty)."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

pytestmark = pytest.mark.e2e
UP, LEFT = "\x1b[A", "\x1b[D"


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


def test_terminal_chat_edits_lines_recalls_history_and_stops_on_ctrl_c(
    online_retail_dir: Path, tmp_path: Path
) -> None:
    """In a terminal (a pty): an empty Enter does nothing, the arrow keys edit the line and
    recall the last one, Ctrl-C stops an answer in progress (the forecaster training on its
    first use) and the next line is answered, Ctrl-D quits; the history file is private."""
    data_dir = tmp_path / "data"
    shutil.copytree(online_retail_dir, data_dir)
    cli = Path(sys.executable).with_name("shopagent")
    env = {
        **os.environ,
        "SHOPAGENT_DATA_DIR": str(data_dir),
        "TERM": "xterm",
        "NO_COLOR": "1",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # the test terminal answers no cursor-position request
    }
    child = pexpect.spawn(
        str(cli), ["chat"], env=env, encoding="utf-8", timeout=120, dimensions=(40, 200)
    )
    seen = io.StringIO()
    child.logfile_read = seen
    try:
        child.expect_exact("you>")
        child.send("\r")  # an empty line: the prompt again, nothing asked
        child.expect_exact("you>")
        # "lantrns", then the cursor moved back before "rns …" and the missing "e" typed in
        child.send("heart lantrns under 10 pounds" + LEFT * len("rns under 10 pounds") + "e\r")
        child.expect_exact("assistant>")
        child.expect_exact("you>")
        child.send(UP)  # the last line, recalled
        child.expect_exact("heart lanterns under 10 pounds")
        child.send("\r")
        child.expect_exact("assistant>")
        child.expect_exact("you>")
        child.send("how many of 22423 will sell in the next 10 days?\r")
        child.expect_exact("forecast_demand")  # the call is made: the forecaster now trains
        stopped_at = time.monotonic()
        child.sendintr()
        child.expect_exact("(stopped)", timeout=5)
        assert time.monotonic() - stopped_at < 5
        child.expect_exact("you>")
        child.send("hello\r")
        child.expect_exact("assistant>")
        child.expect_exact("you>")
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, seen.getvalue()[-2000:]
    out = seen.getvalue()
    assert out.count("assistant>") == 3  # the stopped turn printed no answer
    assert "^[[A" not in out and "lantrns" not in out.split("assistant>", 1)[1]
    history = data_dir / "chat_history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    typed = [line[1:] for line in history.read_text().splitlines() if line.startswith("+")]
    assert typed == [  # a line recalled unchanged is not stored twice
        "heart lanterns under 10 pounds",
        "how many of 22423 will sell in the next 10 days?",
        "hello",
    ]
