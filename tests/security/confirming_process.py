"""One customer-service turn in a process of its own, for the crash and race tests of safe writes.

``python -m tests.security.confirming_process STORE CHECKPOINTS THREAD TEXT [--die-at HOOK]
[--meet DIR]``
runs TEXT as the next message of conversation THREAD (the offline planner, the tau-retail
store file STORE, the conversation saved in the SQLite checkpoint file CHECKPOINTS, as
``shopagent serve`` keeps them) and prints the turn as JSON. With ``--die-at`` the process kills
itself with ``os._exit`` (no clean-up, no rollback by Python, no checkpoint saved):

- ``between-writes``: after the user record is written and before the order record is;
- ``after-commit``: right after the change is committed, before the turn ends and the
  conversation is saved.

With ``--meet DIR`` the process waits, on its way into the change's transaction, until a second
process has got there too (each leaves a file in DIR): two processes racing to confirm then
both hold the confirmed question, and both try to apply it at the same moment.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph.state import CompiledStateGraph

from agents.offline import CatalogVocabulary, OfflinePlanner
from graphs.chat import build_graph
from graphs.orders import CustomerService
from graphs.turns import run_turn
from tools.catalog.sqlite import SqliteStore
from tools.catalog.store import Applied, C
from tools.models import Order

DIED = 9  # the exit status of a process killed at a hook
RACERS = 2


class HookedStore(SqliteStore):
    """The SQLite store, killing its process at one point of a change, or waiting for another
    process at its start."""

    def __init__(self, path: Path, die_at: str | None, meet: Path | None) -> None:
        super().__init__(path)
        self.die_at = die_at
        self.meet = meet

    def _wait_for_the_other(self, meet: Path) -> None:
        (meet / str(os.getpid())).touch()
        deadline = time.monotonic() + 60
        while len(list(meet.iterdir())) < RACERS:
            if time.monotonic() > deadline:
                raise TimeoutError("the other process never reached the change")
            time.sleep(0.01)

    def put_order(self, order: Order) -> None:
        if self.die_at == "between-writes":
            os._exit(DIED)
        super().put_order(order)

    def apply_change(self, key: str, plan: Callable[[SqliteStore], C]) -> tuple[C | None, Applied]:
        if self.meet is not None:
            self._wait_for_the_other(self.meet)
        done = super().apply_change(key, plan)
        if self.die_at == "after-commit" and done[1].now:
            os._exit(DIED)
        return done


def service_graph(
    store: SqliteStore, saver: BaseCheckpointSaver[Any]
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The chat graph with customer service only, on the offline planner."""
    planner = OfflinePlanner(
        vocabulary=CatalogVocabulary.from_products(list(store.iter_products()))
    )
    return build_graph(planner, [], saver, service=CustomerService(store), max_tool_rounds=8)


async def turn(store: SqliteStore, checkpoints: Path, thread: str, text: str) -> dict[str, Any]:
    """One turn of ``thread``, its conversation read from and saved to ``checkpoints``."""
    async with AsyncSqliteSaver.from_conn_string(str(checkpoints)) as saver:
        result = await run_turn(service_graph(store, saver), thread, text)
    return {"answer": result.answer, "tool_calls": result.tool_calls}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("checkpoints", type=Path)
    parser.add_argument("thread")
    parser.add_argument("text")
    parser.add_argument("--die-at", choices=["between-writes", "after-commit"])
    parser.add_argument("--meet", type=Path)
    args = parser.parse_args()
    with HookedStore(args.store, args.die_at, args.meet) as store:
        print(json.dumps(asyncio.run(turn(store, args.checkpoints, args.thread, args.text))))


if __name__ == "__main__":
    main()
