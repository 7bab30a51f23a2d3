"""``shopagent eval agent``: replay a conversation suite through the chat graph and score it.

Suite: JSONL, one conversation a line::

    {"id": "red-lanterns", "dataset": "online-retail", "user_id": null,
     "turns": ["red lanterns under £5", "cheaper ones?"],
     "expect": [{"tool": "search_products", "args": {"max_price": 5}}, null]}

``dataset`` is ``online-retail`` (default) or ``tau-retail``; ``expect`` (optional) holds one
expectation per turn, ``null`` for a turn that is only recorded (schema: ``evals.scoring``).
``user_id`` (optional) is the signed-in shopper the conversation belongs to, as a shopper's
token names one on the WebSocket; it is kept in the report. A conversation with a ``user_id``
runs as that shopper (customer service on their own account only); one without runs as staff,
an agent serving whichever customer identifies (the tau-bench flow of ``orders.jsonl``), never
as an anonymous caller, whom customer service does not serve (``graphs.orders``).

Each dataset named in the suite is loaded once into a scratch data directory (removed at the
end) and served by one runtime; each conversation runs in a fresh thread, turns in order, on
the store as loaded: after a conversation whose tool calls name an order-changing tool, the
orders and users they name are put back as loaded (``AsLoaded``), so one conversation's
cancellation is not the next one's "already cancelled".

Report (JSON)::

    {"suite", "model", "summary": {"overall": {...}, "per_dataset": {name: {...}}},
     "conversations": [{"id", "dataset", "user_id", "thread_id", "passed",
                        "turns": [{"turn", "user", "tool_calls": [{"name", "args", "output"}],
                                   "answer", "products", "flags", "latency_ms",
                                   "expect"?, "scores"?, "error"?, "skipped"?}]}]}

Tool outputs are parsed as JSON when they are JSON; ``products`` lists the ids of the products
the answer shows; ``summary`` is ``evals.scoring.summarize`` over all conversations and per
dataset.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from langgraph.graph.state import CompiledStateGraph
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assembly.demo_store import Progress as StageProgress
from assembly.demo_store import ensure_store
from assembly.runtime import open_runtime
from evals.scoring import (
    conversation_passed,
    expectation_errors,
    failed_score,
    score_turn,
    summarize,
)
from graphs.orders import CustomerService, emails_in
from graphs.turns import TurnResult, run_turn
from infra.errors import ConfigError
from infra.settings import Dataset, Settings, get_settings
from tools.catalog.load import load_dataset
from tools.catalog.sqlite import SqliteStore
from tools.catalog.store import Store
from tools.orders.tools import WRITE_TOOLS

DATASETS: tuple[Dataset, ...] = get_args(Dataset)
DEFAULT_DATASET: Dataset = "online-retail"


@dataclass
class Conversation:
    """One suite line."""

    id: str
    turns: list[str]
    dataset: Dataset = DEFAULT_DATASET
    user_id: str | None = None
    expect: list[dict[str, Any] | None] = field(default_factory=list)


# ---- reading a suite --------------------------------------------------------------------


def parse_conversation(data: Any) -> Conversation:
    """One suite line as a ``Conversation``; ``ValueError`` names what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("a suite line must be a JSON object")
    cid, turns = data.get("id"), data.get("turns")
    if not isinstance(cid, str) or not cid:
        raise ValueError("'id' must be a non-empty string")
    if not isinstance(turns, list) or not turns or not all(isinstance(t, str) for t in turns):
        raise ValueError("'turns' must be a non-empty list of strings")
    dataset = next((d for d in DATASETS if d == (data.get("dataset") or DEFAULT_DATASET)), None)
    if dataset is None:
        raise ValueError(f"'dataset' must be one of {', '.join(DATASETS)}")
    user_id = data.get("user_id")
    if user_id is not None and not isinstance(user_id, str):
        raise ValueError("'user_id' must be a string")
    expect = data.get("expect")
    if expect is None:
        expect = [None] * len(turns)
    if not isinstance(expect, list) or len(expect) != len(turns):
        raise ValueError("'expect' must be a list with one entry (or null) per turn")
    for n, entry in enumerate(expect, 1):
        if errors := expectation_errors(entry):
            raise ValueError(f"expect[{n}]: {'; '.join(errors)}")
    return Conversation(cid, turns, dataset, user_id, expect)


def load_suite(path: Path) -> list[Conversation]:
    """Every conversation of a JSONL suite; ``ConfigError`` names the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ConfigError(f"cannot read suite {path}: {err}") from err
    conversations: list[Conversation] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            conversation = parse_conversation(json.loads(line))
        except ValueError as err:  # JSONDecodeError is a ValueError too
            raise ConfigError(f"{path}:{number}: {err}") from err
        if conversation.id in seen:
            raise ConfigError(f"{path}:{number}: duplicate id {conversation.id!r}")
        seen.add(conversation.id)
        conversations.append(conversation)
    if not conversations:
        raise ConfigError(f"suite {path} holds no conversations")
    return conversations


# ---- running ----------------------------------------------------------------------------


def scored_calls(
    text: str, result: TurnResult, asked_before: Collection[str]
) -> list[dict[str, Any]]:
    """The turn's calls as they ran, for scoring: a masked e-mail lookup with the address the
    orders policy ran it with (the one in the shopper's message, ``graphs.orders``), and each
    call asked about in an earlier turn marked ``carried`` (``asked_before``: those calls' ids)."""
    written = emails_in(text)
    calls = []
    for call in result.tool_calls:
        args = call["args"]
        if call["name"] == "find_user_id_by_email":
            resolved = CustomerService.with_email(args, written)
            args = resolved if isinstance(resolved, dict) else args
        calls.append({**call, "args": args, "carried": call.get("id") in asked_before})
    return calls


def turn_record(
    number: int,
    text: str,
    result: TurnResult,
    expect: dict[str, Any] | None,
    earlier: Collection[str] = (),
    asked_before: Collection[str] = (),
) -> dict[str, Any]:
    """What the report keeps of one turn, scored when it has an expectation.

    ``earlier`` holds the ids of the products shown in the conversation's earlier turns,
    ``asked_before`` the ids of the tool calls made or asked about in them. The report keeps
    the arguments as the model wrote them (an e-mail address stays masked).
    """
    record: dict[str, Any] = {
        "turn": number,
        "user": text,
        "tool_calls": [
            {"name": c["name"], "args": c["args"], "output": c["output"]} for c in result.tool_calls
        ],
        "answer": result.answer,
        "products": [str(p.get("id")) for p in result.products],
        "flags": result.flags,
        "latency_ms": round(result.latency_ms, 1),
    }
    if expect is not None:
        calls = scored_calls(text, result, asked_before)
        score = score_turn(expect, calls, result.products, result.answer, earlier)
        record |= {"expect": expect, "scores": score.as_dict()}
    return record


def unrun_record(
    number: int, text: str, expect: dict[str, Any] | None, *, error: str | None
) -> dict[str, Any]:
    """The record of a turn that raised (``error``) or was skipped after one."""
    reason = f"error: {error}" if error else "skipped after an earlier error"
    record: dict[str, Any] = {
        "turn": number,
        "user": text,
        "tool_calls": [],
        "answer": "",
        "products": [],
        "flags": [],
        "latency_ms": None,
    }
    record |= {"error": error} if error else {"skipped": True}
    if expect is not None:
        record |= {"expect": expect, "scores": failed_score(expect, reason).as_dict()}
    return record


async def run_conversation(
    graph: CompiledStateGraph[Any, Any, Any, Any], conversation: Conversation
) -> dict[str, Any]:
    """Run one conversation's turns in order in a fresh thread."""
    thread_id = f"eval-{conversation.id}-{uuid.uuid4().hex[:8]}"
    turns: list[dict[str, Any]] = []
    error: str | None = None
    shown: set[str] = set()  # ids shown so far, for "not_shown_before"
    asked: set[str] = set()  # ids of the tool calls made or asked about so far
    expects = conversation.expect or [None] * len(conversation.turns)
    for number, (text, expect) in enumerate(zip(conversation.turns, expects, strict=True), 1):
        if error is not None:
            turns.append(unrun_record(number, text, expect, error=None))
            continue
        try:
            # As the named shopper, else as staff (``ChatSession.operator``).
            result = await run_turn(graph, thread_id, text, conversation.user_id)
        # One broken turn must not cost the rest of a long run: it is recorded, scored as
        # failed and counted in the summary's errors; the thread's state is suspect afterwards.
        except Exception as err:
            error = f"{type(err).__name__}: {err}"
            turns.append(unrun_record(number, text, expect, error=error))
            continue
        turns.append(turn_record(number, text, result, expect, shown, asked))
        shown.update(str(p.get("id")) for p in result.products)
        asked.update(str(c["id"]) for c in result.tool_calls if c.get("id"))
    record: dict[str, Any] = {
        "id": conversation.id,
        "dataset": conversation.dataset,
        "user_id": conversation.user_id,
        "thread_id": thread_id,
        "turns": turns,
    }
    record["passed"] = conversation_passed(record)
    return record


def written_records(record: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The order ids and user ids that a conversation's order-changing tool calls name."""
    orders: set[str] = set()
    users: set[str] = set()
    for turn in record["turns"]:
        for call in turn.get("tool_calls", []):
            if call["name"] not in WRITE_TOOLS or not isinstance(call.get("args"), dict):
                continue
            if isinstance(call["args"].get("order_id"), str):
                orders.add(call["args"]["order_id"])
            if isinstance(call["args"].get("user_id"), str):
                users.add(call["args"]["user_id"])
    return orders, users


class AsLoaded:
    """A second copy of a dataset, loaded when first needed (in SQLite under ``folder``), from
    which the records a conversation changed are put back into the store the suite runs on."""

    def __init__(self, dataset: str, folder: Path) -> None:
        self._dataset = dataset
        self._folder = folder
        self._copy: SqliteStore | None = None

    def restore(self, store: Store, record: dict[str, Any]) -> None:
        """Put back, as loaded, the orders and users ``record``'s write calls name (and each
        named order's owner: a refund can change the owner's gift card balance)."""
        orders, users = written_records(record)
        if not orders and not users:
            return
        if self._copy is None:
            self._copy = SqliteStore(self._folder / "store.sqlite")
            load_dataset(self._dataset, self._copy)
        for order_id in orders:
            order = self._copy.get_order(order_id)
            if order is not None:
                store.put_order(order)
                users.add(order.user_id)
        for user_id in users:
            user = self._copy.get_user(user_id)
            if user is not None:
                store.put_user(user)

    def close(self) -> None:
        if self._copy is not None:
            self._copy.close()


def _labelled(on_stage: StageProgress | None, dataset: str) -> StageProgress | None:
    """``on_stage`` with the dataset named in each stage (both loaders say "read", "users"…)."""
    if on_stage is None:
        return None
    return lambda stage, done, total: on_stage(f"{dataset} {stage}", done, total)


def grouped(conversations: list[Conversation]) -> dict[str, list[Conversation]]:
    """Conversations by dataset, datasets in order of first appearance."""
    groups: dict[str, list[Conversation]] = {}
    for conversation in conversations:
        groups.setdefault(conversation.dataset, []).append(conversation)
    return groups


async def run_suite(
    conversations: list[Conversation],
    base: Settings,
    scratch: Path,
    *,
    on_stage: StageProgress | None = None,
    on_conversation: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run every conversation (one store and runtime per dataset under ``scratch``); the report."""
    records: dict[str, dict[str, Any]] = {}
    for dataset, members in grouped(conversations).items():
        settings = base.model_copy(update={"data_dir": scratch / dataset, "dataset": dataset})
        await asyncio.to_thread(ensure_store, settings, _labelled(on_stage, dataset))
        with closing(AsLoaded(dataset, scratch / f"{dataset}-as-loaded")) as as_loaded:
            async with open_runtime(settings) as runtime:
                for conversation in members:
                    record = await run_conversation(runtime.graph, conversation)
                    await asyncio.to_thread(as_loaded.restore, runtime.services.store, record)
                    records[conversation.id] = record
                    if on_conversation:
                        on_conversation(record)
    ordered = [records[c.id] for c in conversations]
    per_dataset = {
        name: summarize([r for r in ordered if r["dataset"] == name])
        for name in grouped(conversations)
    }
    return {
        "model": base.model,
        "summary": {"overall": summarize(ordered), "per_dataset": per_dataset},
        "conversations": ordered,
    }


# ---- command line -----------------------------------------------------------------------


@contextmanager
def progress_on(
    console: Console, total: int
) -> Iterator[tuple[StageProgress, Callable[[Any], None]]]:
    """Bars on ``console``: one per store-loading stage, one for the conversations."""
    columns = (
        TextColumn("{task.description:<40}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        stages: dict[str, Any] = {}
        done = bar.add_task("conversations", total=total)

        def stage(name: str, current: int, of: int) -> None:
            if name not in stages:
                stages[name] = bar.add_task(name, total=of or None)
            bar.update(stages[name], completed=current, total=of or None)

        def conversation(record: Any) -> None:
            bar.update(done, advance=1, description=f"conversations: {record['id']}")

        yield stage, conversation


def _rate_cell(metric: dict[str, Any]) -> str:
    if metric["rate"] is None:
        return "—"
    return f"{metric['rate']:.1%} ({metric['correct']}/{metric['total']})"


def summary_table(summary: dict[str, Any]) -> Table:
    """The overall and per-dataset figures side by side."""
    columns = {"overall": summary["overall"], **summary["per_dataset"]}
    table = Table(title="agent evaluation")
    table.add_column("metric")
    for name in columns:
        table.add_column(name, justify="right")
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("conversations / turns", lambda s: f"{s['conversations']} / {s['turns']}"),
        ("tool choice", lambda s: _rate_cell(s["tool_choice_accuracy"])),
        ("arguments", lambda s: _rate_cell(s["argument_accuracy"])),
        ("constraints", lambda s: _rate_cell(s["constraint_satisfaction"])),
        ("turns passed", lambda s: _rate_cell(s["pass_rate"])),
        ("conversations passed", lambda s: _rate_cell(s["conversations_passed"])),
        ("errors", lambda s: str(s["errors"])),
        ("latency p50 / p95 ms", lambda s: f"{s['latency_ms']['p50']} / {s['latency_ms']['p95']}"),
    ]
    for label, cell in rows:
        table.add_row(label, *(cell(s) for s in columns.values()))
    return table


def run_suite_cli(suite: Path, out: Path, console: Console) -> None:
    """Run ``suite`` with the configured settings, write the report to ``out``, print a summary."""
    conversations = load_suite(suite)
    base = get_settings()
    with (
        tempfile.TemporaryDirectory(prefix="shopagent-eval-") as scratch,
        progress_on(console, len(conversations)) as (stage, conversation),
    ):
        report = asyncio.run(
            run_suite(
                conversations, base, Path(scratch), on_stage=stage, on_conversation=conversation
            )
        )
    report = {"suite": str(suite), **report}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    console.print(summary_table(report["summary"]))
    console.print(f"report written to {out}")
