"""`shopagent eval agent`: a mini suite replayed through the real harness on the demo store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evals.agent import load_suite, run_suite
from infra.settings import Settings

pytestmark = pytest.mark.e2e

SUITE = [
    {
        "id": "hello",
        "turns": ["hello"],
        "expect": [{"tool": None, "answer_contains": [["hello", "hi", "welcome"]]}],
    },
    {
        "id": "cheap-lanterns",
        "dataset": "online-retail",
        "turns": ["lanterns under £10", "show me cheaper ones"],
        "expect": [
            {
                "tool": "search_products",
                "args": {"max_price": 10},
                "constraints": {"max_price": 10},
            },
            None,
        ],
    },
    {
        # Nothing costs less than a penny: the expectation cannot be met by any answer.
        "id": "impossible",
        "turns": ["mugs under £5"],
        "expect": [{"tool": "search_products", "constraints": {"max_price": 0.001}}],
    },
]


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    path = tmp_path / "mini.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in SUITE) + "\n", encoding="utf-8")
    return path


async def test_report_lists_every_turn_and_scores_expectations(
    suite: Path, online_retail_dir: Path, tmp_path: Path
) -> None:
    # The harness loads each dataset into scratch/<dataset> when it is empty; a copy of the
    # session's store saves loading it again.
    scratch = tmp_path / "scratch"
    shutil.copytree(online_retail_dir, scratch / "online-retail")
    done: list[str] = []

    report = await run_suite(
        load_suite(suite),
        Settings(data_dir=tmp_path / "unused", model="offline"),
        scratch,
        on_conversation=lambda record: done.append(record["id"]),
    )

    assert done == ["hello", "cheap-lanterns", "impossible"]
    json.dumps(report)  # the report is plain JSON
    conversations = {c["id"]: c for c in report["conversations"]}
    assert list(conversations) == ["hello", "cheap-lanterns", "impossible"]
    lanterns = conversations["cheap-lanterns"]
    assert lanterns["dataset"] == "online-retail"
    assert [t["user"] for t in lanterns["turns"]] == ["lanterns under £10", "show me cheaper ones"]
    first, second = lanterns["turns"]
    _assert_turn_shape(first)
    assert first["tool_calls"][0]["name"] == "search_products"
    assert isinstance(first["tool_calls"][0]["output"], dict)  # parsed from JSON
    assert first["scores"]["tool"] is True
    assert "scores" not in second  # no expectation, only recorded
    assert all(t.get("error") is None for c in report["conversations"] for t in c["turns"])

    impossible = conversations["impossible"]
    score = impossible["turns"][0]["scores"]
    assert score["constraints"] is False
    assert score["passed"] is False
    assert score["failures"]
    assert impossible["passed"] is False

    summary = report["summary"]
    assert set(summary) == {"overall", "per_dataset"}
    assert set(summary["per_dataset"]) == {"online-retail"}
    overall = summary["overall"]
    assert overall["conversations"] == 3
    assert overall["turns"] == 4
    assert overall["tool_choice_accuracy"]["total"] == 3
    assert overall["constraint_satisfaction"]["total"] == 2
    assert overall["pass_rate"]["total"] == 3
    assert overall["pass_rate"]["correct"] <= 2
    assert overall["latency_ms"]["count"] == 4
    assert overall["latency_ms"]["p50"] <= overall["latency_ms"]["p95"]


def _assert_turn_shape(turn: dict[str, Any]) -> None:
    assert set(turn) >= {
        "turn",
        "user",
        "tool_calls",
        "answer",
        "products",
        "flags",
        "latency_ms",
        "expect",
        "scores",
    }
    assert turn["answer"]
    assert all(set(call) == {"name", "args", "output"} for call in turn["tool_calls"])
    assert all(isinstance(pid, str) for pid in turn["products"])
    assert turn["latency_ms"] > 0


def test_command_writes_the_report(suite: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "agent.json"
    cli = Path(sys.executable).with_name("shopagent")
    done = subprocess.run(
        [str(cli), "eval", "agent", "--suite", str(suite), "--out", str(out)],
        env={**os.environ, "SHOPAGENT_DATA_DIR": str(tmp_path / "untouched"), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["suite"] == str(suite)
    assert [c["id"] for c in report["conversations"]] == ["hello", "cheap-lanterns", "impossible"]
    assert "conversations passed" in done.stderr  # the summary table
    assert not (tmp_path / "untouched").exists()  # the store is loaded into a scratch folder


def test_command_names_a_bad_suite_line(tmp_path: Path) -> None:
    suite = tmp_path / "bad.jsonl"
    suite.write_text('{"id": "x", "turns": ["hi"], "expect": [{"tool": 3}]}\n', encoding="utf-8")
    cli = Path(sys.executable).with_name("shopagent")
    done = subprocess.run(
        [str(cli), "eval", "agent", "--suite", str(suite), "--out", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "bad.jsonl:1" in done.stderr
    assert "'tool' must be a tool name or null" in done.stderr
