"""Findings 9 and 13 replayed: a write that crashes half-way, a retried "yes", a racing "yes".

The scenario of the issue: omar_kim_3528 asks in chat to cancel pending order #W8557584, paid
622.73 with gift card gift_card_3749819 (balance 91). Before the fix the cancellation stored the
user record (the refunded balance) and the order record one after the other: a crash between
the two, then the retried "yes", refunded twice (91 -> 713.73 -> 1336.46). Now the change and
its confirmation's idempotency key go to the store in one transaction, so:

- a process killed between the two writes leaves both records as they were, and the retried
  "yes" refunds once;
- a process killed after the commit, before the conversation was saved (so the question is
  still waiting), is retried, and the key makes the retry change nothing;
- two "yes" answers racing on one conversation (two tasks, two processes) apply once, and the
  second is told the change is already made, not that nothing was changed.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from graphs.orders import ALREADY_DECLINED, ALREADY_MADE
from graphs.turns import ChatSession, run_turn
from tests.orders_helpers import copy_tau_store, store_digest
from tests.security.confirming_process import DIED, service_graph, turn
from tools.catalog.sqlite import SqliteStore
from tools.models import User

REPO = Path(__file__).resolve().parents[2]
OMAR, ORDER, CARD = "omar_kim_3528", "#W8557584", "gift_card_3749819"
BEFORE, PAID = 91.0, 622.73
ONCE = round(BEFORE + PAID, 2)  # 713.73; twice would be 1336.46
THREAD = "omar-conversation"
# The conversation up to the question, as a shopper types it.
UP_TO_THE_QUESTION = (
    "Please cancel my order #W8557584, I'm omar.kim8981@example.com",
    "I no longer need it",
)
ASK = "Shall I go ahead? Please answer yes or no."


@dataclass
class Scene:
    store_path: Path
    checkpoints: Path

    def balance(self) -> float:
        with SqliteStore(self.store_path) as store:
            user = store.get_user(OMAR)
            assert user is not None
            return _balance(user)

    def order(self) -> dict[str, Any]:
        with SqliteStore(self.store_path) as store:
            order = store.get_order(ORDER)
            assert order is not None
            return json.loads(order.model_dump_json())

    def refunds(self) -> int:
        return sum(1 for p in self.order()["payment_history"] if p["transaction_type"] == "refund")

    def say(self, text: str, die_at: str | None = None) -> subprocess.CompletedProcess[str]:
        """One turn in a process of its own."""
        command = [sys.executable, "-m", "tests.security.confirming_process"]
        command += [str(self.store_path), str(self.checkpoints), THREAD, text]
        command += ["--die-at", die_at] if die_at else []
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)

    def turn(self, text: str, die_at: str | None = None) -> dict[str, Any]:
        done = self.say(text, die_at)
        assert done.returncode == 0, done.stderr
        result: dict[str, Any] = json.loads(done.stdout)
        return result


def _balance(user: User) -> float:
    extra = user.payment_methods[CARD].model_extra or {}
    return float(extra["balance"])


@pytest.fixture
def scene(tau_retail_dir: Path, tmp_path: Path) -> Iterator[Scene]:
    """Omar's conversation saved at the confirmation question, nothing changed yet."""
    store = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    store.close()
    found = Scene(tmp_path / "store.sqlite", tmp_path / "checkpoints.sqlite")
    for text in UP_TO_THE_QUESTION:
        with SqliteStore(found.store_path) as opened:
            answer = asyncio.run(turn(opened, found.checkpoints, THREAD, text))["answer"]
    assert answer.endswith(ASK) and f"Refund {PAID} to the gift card {CARD}" in answer
    assert found.balance() == BEFORE and found.order()["status"] == "pending"
    yield found


def test_a_crash_between_the_two_writes_then_a_retried_yes_refunds_once(scene: Scene) -> None:
    before = store_digest(scene.store_path)
    killed = scene.say("yes", die_at="between-writes")
    assert killed.returncode == DIED, killed.stderr  # it really died, mid-change
    # The user record was written inside the transaction, which the crash never committed.
    assert store_digest(scene.store_path) == before
    assert scene.balance() == BEFORE and scene.order()["status"] == "pending"
    retried = scene.turn("yes")
    (write,) = retried["tool_calls"]
    assert write["name"] == "cancel_pending_order" and write["output"]["status"] == "cancelled"
    assert scene.balance() == ONCE
    assert scene.order()["status"] == "cancelled" and scene.refunds() == 1
    again = scene.turn("yes")  # a replayed yes: nothing is waiting any more
    assert again["tool_calls"] == [] and "nothing waiting" in again["answer"]
    assert scene.balance() == ONCE and scene.refunds() == 1


def test_a_crash_after_the_commit_then_a_retried_yes_changes_nothing(scene: Scene) -> None:
    killed = scene.say("yes", die_at="after-commit")
    assert killed.returncode == DIED, killed.stderr
    assert scene.balance() == ONCE and scene.order()["status"] == "cancelled"
    made = store_digest(scene.store_path)
    # The conversation was never saved: the question is still waiting, and "yes" answers it.
    retried = scene.turn("yes")
    (write,) = retried["tool_calls"]
    assert write["output"]["already_made"] is True and write["output"]["status"] == "cancelled"
    assert retried["answer"].startswith(ALREADY_MADE)
    assert "Nothing was changed" not in retried["answer"]
    assert store_digest(scene.store_path) == made
    assert scene.balance() == ONCE and scene.refunds() == 1


def test_two_processes_racing_to_confirm_apply_once(scene: Scene, tmp_path: Path) -> None:
    meet = tmp_path / "meet"
    meet.mkdir()
    command = [sys.executable, "-m", "tests.security.confirming_process"]
    command += [str(scene.store_path), str(scene.checkpoints), THREAD, "yes", "--meet", str(meet)]
    racers = [
        subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = []
    for racer in racers:
        out, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err
        results.append(json.loads(out))
    writes = [r["tool_calls"][0]["output"] for r in results]
    assert sorted(bool(w.get("already_made")) for w in writes) == [False, True]
    assert all(w["status"] == "cancelled" for w in writes)
    second = next(r for r, w in zip(results, writes, strict=True) if w.get("already_made"))
    assert second["answer"].startswith(ALREADY_MADE)
    assert all("Nothing was changed" not in r["answer"] for r in results)
    assert scene.balance() == ONCE and scene.refunds() == 1


async def test_two_turns_racing_on_one_conversation_apply_once(
    tau_retail_dir: Path, tmp_path: Path
) -> None:
    store = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    try:
        graph = service_graph(store, InMemorySaver())
        for text in UP_TO_THE_QUESTION:
            asked = await run_turn(graph, THREAD, text)
        assert asked.answer.endswith(ASK)
        # Two sockets on one conversation answer at once: both find the question waiting.
        first, second = await asyncio.gather(
            run_turn(graph, THREAD, "yes"), run_turn(graph, THREAD, "yes")
        )
        outputs = [r.tool_calls[0]["output"] for r in (first, second)]
        assert [bool(o.get("already_made")) for o in outputs] == [False, True]
        assert first.answer.startswith("Done: order #W8557584 is cancelled")
        assert second.answer.startswith(ALREADY_MADE)
        assert "Nothing was changed" not in second.answer
        user = store.get_user(OMAR)
        assert user is not None and _balance(user) == ONCE
        order = store.get_order(ORDER)
        assert order is not None and order.status == "cancelled"
        assert [p.transaction_type for p in order.payment_history] == ["payment", "refund"]
    finally:
        store.close()


# ---- the store's one way to apply a change --------------------------------------------------


@dataclass(frozen=True)
class Refund:
    """A change for the store tests: a gift-card refund to Omar, as a cancellation makes it."""

    order: None
    user: User | None
    summary: str


def _refund(store: SqliteStore) -> Refund:
    user = store.get_user(OMAR)
    assert user is not None
    user = user.model_copy(deep=True)
    extra = user.payment_methods[CARD].model_extra or {}
    extra["balance"] = round(float(extra["balance"]) + PAID, 2)
    return Refund(None, user, f"refund {PAID}")


@pytest.fixture
def store(tau_retail_dir: Path, tmp_path: Path) -> Iterator[SqliteStore]:
    opened = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    yield opened
    opened.close()


def test_a_key_applies_once(store: SqliteStore) -> None:
    change, applied = store.apply_change("k1", _refund)
    assert change is not None and applied.now and applied.summary == f"refund {PAID}"
    after = store_digest(store.path)
    again, replayed = store.apply_change("k1", _refund)
    assert again is None and not replayed.now and replayed.summary == f"refund {PAID}"
    assert store_digest(store.path) == after
    assert store.applied_change("k1") == f"refund {PAID}" and store.applied_change("k2") is None
    user = store.get_user(OMAR)
    assert user is not None and _balance(user) == ONCE


def test_a_plan_that_fails_inside_the_transaction_writes_nothing(store: SqliteStore) -> None:
    before = store_digest(store.path)

    def refused(current: SqliteStore) -> Refund:
        _refund(current)
        raise ValueError("refused on the records as they are now")

    with pytest.raises(ValueError, match="refused"):
        store.apply_change("k1", refused)
    assert store_digest(store.path) == before and store.applied_change("k1") is None


def test_threads_racing_with_one_key_apply_once(store: SqliteStore) -> None:
    start = threading.Barrier(8)
    nows: list[bool] = []

    def confirm() -> None:
        start.wait()
        nows.append(store.apply_change("same-confirmation", _refund)[1].now)

    threads = [threading.Thread(target=confirm) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(nows) == [False] * 7 + [True]
    user = store.get_user(OMAR)
    assert user is not None and _balance(user) == ONCE


@pytest.mark.parametrize("reply", ["yes", "no", "what?"])
async def test_a_question_answered_on_another_socket_is_reported_made(
    tau_retail_dir: Path, tmp_path: Path, reply: str
) -> None:
    store = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    try:
        graph = service_graph(store, InMemorySaver())
        # Two sockets of one conversation, both signed in as Omar.
        asker, other = (ChatSession(graph, THREAD, "shopper", OMAR) for _ in range(2))
        for text in UP_TO_THE_QUESTION:
            frames = [f async for f in asker.stream(text)]
        assert frames[-1]["text"].endswith(ASK)
        done = [f async for f in other.stream("yes")]  # the second socket answers first
        assert done[-1]["text"].startswith("Done: order #W8557584 is cancelled")
        made = store_digest(store.path)
        late = [f async for f in asker.stream(reply)]  # the socket that asked answers late
        assert [f["type"] for f in late] == ["message"]
        assert late[-1]["text"] == ALREADY_MADE
        assert store_digest(store.path) == made
        user = store.get_user(OMAR)
        assert user is not None and _balance(user) == ONCE
    finally:
        store.close()


async def test_a_question_declined_on_another_socket_is_not_made_by_a_late_yes(
    tau_retail_dir: Path, tmp_path: Path
) -> None:
    store = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    try:
        graph = service_graph(store, InMemorySaver())
        # Two sockets of one conversation, both signed in as Omar.
        asker, other = (ChatSession(graph, THREAD, "shopper", OMAR) for _ in range(2))
        for text in UP_TO_THE_QUESTION:
            [f async for f in asker.stream(text)]
        before = store_digest(store.path)
        [f async for f in other.stream("no")]
        late = [f async for f in asker.stream("yes")]
        assert [f["type"] for f in late] == ["message"]
        assert late[-1]["text"] == ALREADY_DECLINED
        assert store_digest(store.path) == before
    finally:
        store.close()
