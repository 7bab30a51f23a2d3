"""Trace the offline planner over every suite: per turn, the tool calls and the final text.

A refactor of the planner must leave this trace unchanged. Record one before, one after, and
compare them::

    .venv/bin/python -m evals.planner_trace --out before.json
    .venv/bin/python -m evals.planner_trace --out after.json --against before.json

Every suite in ``evals/suites/*.jsonl`` runs as ``shopagent eval agent`` runs it (one scratch
store per dataset, each conversation in a fresh thread); the trace keeps, per turn, the tool
calls (name and arguments, not outputs) and the answer text, keyed by suite, conversation and
turn number. ``--against`` prints every turn that differs and exits 1 when any does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from evals.agent import load_suite, run_suite
from infra.settings import get_settings

SUITES = Path(__file__).parent / "suites"


def trace_suites(paths: list[Path]) -> dict[str, Any]:
    """``{suite/conversation/turn: {"calls": [[name, args]...], "answer": text}}``."""
    conversations = []
    for path in paths:
        for conversation in load_suite(path):
            conversation.id = f"{path.stem}/{conversation.id}"
            conversations.append(conversation)
    with tempfile.TemporaryDirectory(prefix="shopagent-trace-") as scratch:
        report = asyncio.run(run_suite(conversations, get_settings(), Path(scratch)))
    trace: dict[str, Any] = {}
    for record in report["conversations"]:
        for turn in record["turns"]:
            trace[f"{record['id']}/{turn['turn']}"] = {
                "user": turn["user"],
                "calls": [[c["name"], c["args"]] for c in turn["tool_calls"]],
                "answer": turn["answer"],
                "error": turn.get("error"),
            }
    return trace


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The keys whose calls, answer or error differ (or exist on one side only)."""
    keys = sorted(set(before) | set(after))
    return [k for k in keys if before.get(k) != after.get(k)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the trace")
    parser.add_argument("--against", type=Path, help="an earlier trace to compare with")
    parser.add_argument("suites", nargs="*", type=Path, help="suites (default: all)")
    args = parser.parse_args(argv)
    paths = args.suites or sorted(SUITES.glob("*.jsonl"))
    trace = trace_suites(paths)
    args.out.write_text(json.dumps(trace, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(trace)} turns traced to {args.out}")
    if args.against is None:
        return 0
    before = json.loads(args.against.read_text(encoding="utf-8"))
    changed = differences(before, trace)
    for key in changed:
        print(
            f"--- {key}\n  before: {json.dumps(before.get(key), ensure_ascii=False)}"
            f"\n  after:  {json.dumps(trace.get(key), ensure_ascii=False)}"
        )
    print(f"{len(set(before) | set(trace))} turns compared, {len(changed)} differ")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
