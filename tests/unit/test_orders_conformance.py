"""Conformance: every tau-bench retail task's ground-truth actions, replayed through our tools on
a fresh copy of the data, give the reference's outputs and changed records (parsed JSON).

The tasks and the reference outputs are not shipped with the project (see the tau-retail
ATTRIBUTION): they are read from the shared data folder next to the repository.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from evals.orders import conformance, mismatch, read_tasks, replay
from tests.orders_helpers import TAU_DATA

pytestmark = pytest.mark.skipif(
    not (TAU_DATA / "expected_dev.json").is_file(),
    reason=f"the tau-bench tasks and reference outputs are not at {TAU_DATA}",
)


@pytest.mark.parametrize(("split", "count"), [("dev", 20), ("train", 500)])
async def test_every_task_conforms(split: str, count: int) -> None:
    tasks = read_tasks(TAU_DATA / f"retail_tasks_{split}.json")
    expected = json.loads((TAU_DATA / f"expected_{split}.json").read_text())
    results = await replay(TAU_DATA, tasks)
    summary = conformance(results, expected, split)
    assert summary["mismatches"] == []
    assert summary["conforming"] == summary["tasks"] == count


async def test_a_different_output_or_record_is_a_mismatch() -> None:
    task = read_tasks(TAU_DATA / "retail_tasks_dev.json")[0]
    reference = json.loads((TAU_DATA / "expected_dev.json").read_text())[0]
    (result,) = await replay(TAU_DATA, [task])
    assert mismatch(result, reference) is None
    first = json.loads(result["tool_outputs"][0])
    altered: dict[str, Any] = {**result, "tool_outputs": [json.dumps({**first, "status": "x"})]}
    assert mismatch(altered, reference) is not None
    table, records = next(iter(result["changed_records"].items()))
    key = next(iter(records))
    changed = {table: {key: {**records[key], "status": "x"}}}
    assert "differ" in (mismatch({**result, "changed_records": changed}, reference) or "")


def test_the_command_reports_the_count_and_fails_on_a_mismatch(tmp_path: Path) -> None:
    tasks = TAU_DATA / "retail_tasks_dev.json"
    out = tmp_path / "report.json"
    args = ["eval", "orders", "--data", str(TAU_DATA), "--tasks", str(tasks), "--out", str(out)]
    expected = TAU_DATA / "expected_dev.json"
    run = CliRunner().invoke(app, [*args, "--expected", str(expected)])
    assert run.exit_code == 0, run.output
    assert "20/20 tasks conform" in " ".join(run.output.split())
    report = json.loads(out.read_text())
    assert len(report["results"]) == 20 and report["conformance"]["conforming"] == 20
    altered = json.loads(expected.read_text())
    altered[3]["tool_outputs"] = ["Error: something else"]
    wrong = tmp_path / "altered.json"
    wrong.write_text(json.dumps(altered))
    run = CliRunner().invoke(app, [*args, "--expected", str(wrong)])
    assert run.exit_code == 1 and "19/20 tasks conform" in " ".join(run.output.split())
    assert json.loads(out.read_text())["conformance"]["mismatches"][0]["index"] == 3


def test_the_command_names_bad_input(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"actions": [{"name": "get_order_details"}]}]))
    out = tmp_path / "report.json"
    run = CliRunner().invoke(
        app, ["eval", "orders", "--data", str(tmp_path), "--tasks", str(tasks), "--out", str(out)]
    )
    assert run.exit_code == 2 and "lacks products.json" in " ".join(run.output.split())
    run = CliRunner().invoke(
        app, ["eval", "orders", "--data", str(TAU_DATA), "--tasks", str(tasks), "--out", str(out)]
    )
    assert run.exit_code == 2 and "task 0 needs 'actions'" in " ".join(run.output.split())
    assert not out.exists()
