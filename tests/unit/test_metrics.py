"""``infra.metrics``: bounded labels, and one view of several worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from infra import metrics
from infra.errors import ToolInputError


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_label_values_outside_their_sets_are_counted_as_other() -> None:
    before = _value("shopagent_rate_limit_refusals_total", limit="other")
    chat = _value("shopagent_rate_limit_refusals_total", limit="chat")
    metrics.rate_limited("chat:user:12347")
    metrics.rate_limited("user:12347")  # a key without a known kind never becomes a label
    assert _value("shopagent_rate_limit_refusals_total", limit="chat") == chat + 1
    assert _value("shopagent_rate_limit_refusals_total", limit="other") == before + 1
    odd = _value("shopagent_tool_calls_total", tool="other", outcome="ok")
    metrics.tool_called("DROP TABLE; --", "ok", 0.01)
    assert _value("shopagent_tool_calls_total", tool="other", outcome="ok") == odd + 1
    assert metrics.bounded("pii_masked", metrics.GUARD_KINDS) == "pii_masked"
    assert metrics.bounded("a shopper's words", metrics.GUARD_KINDS) == "other"


async def test_a_tool_timer_names_how_the_call_ended() -> None:
    def calls(outcome: str) -> float:
        return _value("shopagent_tool_calls_total", tool="unit_probe", outcome=outcome)

    before = {o: calls(o) for o in metrics.TOOL_OUTCOMES}
    with metrics.tool_timer("unit_probe"):
        pass
    with pytest.raises(ToolInputError), metrics.tool_timer("unit_probe"):
        raise ToolInputError("no such order")
    with pytest.raises(KeyError), metrics.tool_timer("unit_probe"):
        raise KeyError("bug")
    assert {o: calls(o) - before[o] for o in before} == {"ok": 1, "input_error": 1, "error": 1}


def _worker(folder: Path, code: str) -> str:
    """Run ``code`` in a fresh interpreter that keeps its metrics in ``folder``, as a
    ``serve --workers N`` worker does; its standard output."""
    env = {**os.environ, metrics.MULTIPROC_ENV: str(folder)}
    script = "from pathlib import Path\nfrom infra import metrics\n" + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _read(text: str, name: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and s.labels.get("outcome", "answered") == "answered"
    )


def test_workers_report_one_view_and_a_dead_worker_leaves_no_open_sockets(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    # A worker that made two turns and died with a socket open (no clean shutdown).
    _worker(folder, "metrics.turn_done('answered', 0.2, 0.1)\n" * 2 + "metrics.socket_opened()")
    # A worker that stopped cleanly with a socket it never closed.
    _worker(folder, f"metrics.socket_opened()\nmetrics.worker_stopped(Path({str(folder)!r}))")
    # A live worker makes one turn, holds one socket open and answers the scrape.
    text = _worker(
        folder,
        f"""
        assert metrics.MULTIPROCESS
        metrics.turn_done("answered", 0.3, None)
        metrics.socket_opened()
        body, kind = metrics.exposition(Path({str(folder)!r}))
        print(body.decode())
        """,
    )
    assert _read(text, "shopagent_chat_turns_total") == 3
    assert _read(text, "shopagent_chat_turn_seconds_count") == 3
    assert _read(text, "shopagent_chat_first_token_seconds_count") == 2
    assert _read(text, "shopagent_open_sockets") == 1  # the live worker's only
    # The dead workers' counters stay (their turns happened); their live gauges are gone.
    assert len(list(folder.glob("counter_*.db"))) == 2  # the two workers that made turns
    assert len(list(folder.glob("gauge_livesum_*.db"))) == 1  # the scraped worker's


def test_the_parent_empties_the_folder_for_several_workers_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(metrics.MULTIPROC_ENV, raising=False)
    assert metrics.share_across_workers(tmp_path, 1) is None
    assert metrics.MULTIPROC_ENV not in os.environ
    stale = tmp_path / "metrics" / "counter_999999.db"
    stale.parent.mkdir()
    stale.write_bytes(b"an earlier run")
    monkeypatch.setenv(metrics.MULTIPROC_ENV, "restored after the test")
    folder = metrics.share_across_workers(tmp_path, 2)
    assert folder == tmp_path / "metrics"
    assert list(folder.iterdir()) == []  # an earlier run's counts would add to this one's
    assert os.environ[metrics.MULTIPROC_ENV] == str(folder)
    assert folder.stat().st_mode & 0o077 == 0
