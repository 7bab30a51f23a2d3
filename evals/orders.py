"""``shopagent eval orders``: replay tau-bench retail tasks through our customer-service tools.

``--data DIR`` holds the benchmark's ``products.json``, ``users.json`` and ``orders.json``;
``--tasks JSON`` is a list of tasks, each with ``actions`` (``{"name", "kwargs"}``, the
ground truth). The data is loaded once into a SQLite store with our own loader, and every task
runs on a fresh copy of that file: each action goes through the tool exactly as a model would
call it (``ToolSpec.as_langchain_tool``), and after the last one every record a tool wrote is
compared with the data as read from DIR.

Report (JSON)::

    {"data", "tasks", "results": [{"index", "user_id", "actions", "tool_outputs",
                                   "changed_records": {table: {id: record}}}],
     "conformance"?: {"expected", "tasks", "conforming", "mismatches": [{"index", "why"}]}}

``tool_outputs`` are the texts the tools answered; records are in the benchmark's shapes.
With ``--expected JSON`` (the reference's outputs for the same tasks, e.g.
``expected_train.json``) each task conforms when its outputs and changed records equal the
reference's as parsed JSON (a text that is not JSON compares as text).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from graphs.turns import parse_output
from infra.errors import ConfigError
from tools.catalog.loaders.tau_retail import load_tau_retail
from tools.catalog.sqlite import SqliteStore
from tools.models import Order, Product, User
from tools.orders.records import ProductRecord, UserRecord
from tools.orders.tools import order_tools

Table = dict[str, dict[str, Any]]


class WriteLogStore(SqliteStore):
    """The SQLite store, noting the id of every record written (a record no tool wrote cannot
    have changed)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.written: dict[str, set[str]] = {"products": set(), "users": set(), "orders": set()}

    def put_product(self, product: Product) -> None:
        super().put_product(product)
        self.written["products"].add(product.id)

    def put_user(self, user: User) -> None:
        super().put_user(user)
        self.written["users"].add(user.user_id)

    def put_order(self, order: Order) -> None:
        super().put_order(order)
        self.written["orders"].add(order.order_id)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot read {path}: {err}") from err


def read_tasks(path: Path) -> list[dict[str, Any]]:
    """The tasks of a tau-bench task file; ``ConfigError`` names the first malformed one."""
    tasks = _read(path)
    if not isinstance(tasks, list):
        raise ConfigError(f"{path} should hold a JSON list of tasks")
    for index, task in enumerate(tasks):
        actions = task.get("actions") if isinstance(task, dict) else None
        if not isinstance(actions, list) or not all(
            isinstance(a, dict)
            and isinstance(a.get("name"), str)
            and isinstance(a.get("kwargs"), dict)
            for a in actions
        ):
            raise ConfigError(f"{path}: task {index} needs 'actions': [{{'name', 'kwargs'}}, …]")
    return tasks


def _as_json(record: BaseModel) -> Any:
    """A record as its tool shows it: the JSON text, parsed."""
    return json.loads(record.model_dump_json(exclude_none=True))


def _current(store: SqliteStore, table: str, key: str) -> Any:
    if table == "orders":
        order = store.get_order(key)
        return None if order is None else _as_json(order)
    if table == "users":
        user = store.get_user(key)
        return None if user is None else _as_json(UserRecord.of(user))
    product = store.get_product(key)
    return None if product is None else _as_json(ProductRecord.of(product))


class Replayer:
    """Runs tasks on fresh copies of one loaded data set."""

    def __init__(self, data_dir: Path, scratch: Path) -> None:
        self.initial: dict[str, Table] = {
            table: _read(data_dir / f"{table}.json") for table in ("products", "users", "orders")
        }
        self.template = scratch / "initial.sqlite"
        self.work = scratch / "task.sqlite"
        dataset = load_tau_retail(data_dir)
        with SqliteStore(self.template) as store:
            store.replace_all(dataset.info, dataset.products, dataset.users, dataset.orders)

    async def run(self, index: int, task: dict[str, Any]) -> dict[str, Any]:
        """One task's tool outputs and changed records."""
        for leftover in self.work.parent.glob(self.work.name + "*"):
            leftover.unlink()
        shutil.copyfile(self.template, self.work)
        store = WriteLogStore(self.work)
        try:
            outputs = await _act(store, task["actions"])
            changed = self.changed(store)
        finally:
            store.close()
        return {
            "index": index,
            "user_id": task.get("user_id"),
            "actions": task["actions"],
            "tool_outputs": outputs,
            "changed_records": changed,
        }

    def changed(self, store: WriteLogStore) -> dict[str, Table]:
        """The records written that now differ from the data as read, by table and id."""
        changed: dict[str, Table] = {}
        for table, keys in store.written.items():
            for key in sorted(keys):
                record = _current(store, table, key)
                if record != self.initial[table].get(key):
                    changed.setdefault(table, {})[key] = record
        return changed


async def _act(store: SqliteStore, actions: list[dict[str, Any]]) -> list[str]:
    """Each action's output, as the tool answers a model."""
    tools = {spec.name: spec.as_langchain_tool() for spec in order_tools(store)}
    outputs: list[str] = []
    for action in actions:
        tool = tools.get(action["name"])
        if tool is None:
            outputs.append(f"Error: unknown tool {action['name']!r}")
            continue
        try:
            outputs.append(str(await tool.ainvoke(action["kwargs"])))
        except ValidationError as err:
            outputs.append(f"Error: invalid arguments: {err.errors(include_url=False)}")
    return outputs


def mismatch(result: dict[str, Any], expected: dict[str, Any]) -> str | None:
    """Why a task's result differs from the reference's, or ``None`` when it conforms."""
    got, want = result["tool_outputs"], expected.get("tool_outputs", [])
    if len(got) != len(want):
        return f"{len(got)} tool outputs, the reference has {len(want)}"
    for number, (mine, reference) in enumerate(zip(got, want, strict=True), 1):
        if parse_output(mine) != parse_output(reference):
            return f"output {number} differs: {mine[:120]!r} vs {reference[:120]!r}"
    ours, theirs = result["changed_records"], expected.get("changed_records", {})
    for table in sorted(set(ours) | set(theirs)):
        mine_table, their_table = ours.get(table, {}), theirs.get(table, {})
        keys = set(mine_table) | set(their_table)
        differ = sorted(k for k in keys if mine_table.get(k) != their_table.get(k))
        if differ:
            return f"changed {table} differ: {', '.join(differ)}"
    return None


def conformance(
    results: list[dict[str, Any]], expected: list[dict[str, Any]], source: str
) -> dict[str, Any]:
    """How many results equal the reference's, task by task (matched by position)."""
    if len(expected) != len(results):
        raise ConfigError(f"{source} holds {len(expected)} tasks, the task file {len(results)}")
    mismatches = [
        {"index": result["index"], "why": why}
        for result, reference in zip(results, expected, strict=True)
        if (why := mismatch(result, reference)) is not None
    ]
    return {
        "expected": source,
        "tasks": len(results),
        "conforming": len(results) - len(mismatches),
        "mismatches": mismatches,
    }


async def replay(
    data_dir: Path,
    tasks: list[dict[str, Any]],
    on_task: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """Every task's result, in order."""
    with tempfile.TemporaryDirectory(prefix="shopagent-orders-") as scratch:
        replayer = Replayer(data_dir, Path(scratch))
        results = []
        for index, task in enumerate(tasks):
            results.append(await replayer.run(index, task))
            if on_task is not None:
                on_task(index + 1)
        return results


def run_orders_cli(
    data_dir: Path, tasks_path: Path, out: Path, expected_path: Path | None, console: Console
) -> bool:
    """Replay, write the report, print the conformance; False when some task does not conform."""
    for name in ("products.json", "users.json", "orders.json"):
        if not (data_dir / name).is_file():
            raise ConfigError(f"{data_dir} lacks {name}: --data must be the tau-retail folder")
    tasks = read_tasks(tasks_path)
    expected = _read(expected_path) if expected_path is not None else None
    if expected is not None and not isinstance(expected, list):
        raise ConfigError(f"{expected_path} should hold a JSON list, one entry per task")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as bar:
        job = bar.add_task("tasks", total=len(tasks))
        results = asyncio.run(replay(data_dir, tasks, lambda done: bar.update(job, completed=done)))
    report: dict[str, Any] = {"data": str(data_dir), "tasks": str(tasks_path), "results": results}
    if expected is not None:
        report["conformance"] = conformance(results, expected, str(expected_path))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"{len(results)} tasks replayed; report written to {out}")
    if expected is None:
        return True
    summary = report["conformance"]
    console.print(f"{summary['conforming']}/{summary['tasks']} tasks conform to {expected_path}")
    for item in summary["mismatches"][:10]:
        console.print(f"  task {item['index']}: {item['why']}")
    return not summary["mismatches"]
