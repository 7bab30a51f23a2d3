"""A customer-service conversation on PostgreSQL, its turns taken by two "workers".

Each worker is what a server process holds: its own store (connection pool) and its own
checkpointer (another pool) on the one database. The conversation is saved by one and continued
by the other; a confirmation asked by one and answered by the other applies once, and two
answers racing on both apply once.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from agents.offline.service.answers import nothing_pending
from graphs.orders import ALREADY_MADE
from graphs.turns import run_turn
from infra.conversations import open_checkpointer
from infra.settings import Settings
from tests.security.confirming_process import service_graph
from tests.security.test_safe_writes import (
    ASK,
    BEFORE,
    CARD,
    OMAR,
    ONCE,
    ORDER,
    PAID,
    THREAD,
    UP_TO_THE_QUESTION,
)
from tools.catalog.postgres import PostgresStore

pytestmark = pytest.mark.integration


@asynccontextmanager
async def _worker(settings: Settings, url: str) -> AsyncIterator[Any]:
    """The service graph on a store and a checkpointer of its own, both on ``url``."""
    async with AsyncExitStack() as stack:
        store = stack.enter_context(PostgresStore(url))
        saver = await stack.enter_async_context(open_checkpointer(settings))
        yield service_graph(store, saver)  # type: ignore[arg-type]


def _settings(tmp_path: Path, url: str, key: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        store_backend="postgres",
        checkpointer_backend="postgres",
        database_url=SecretStr(url),
        checkpoint_key=SecretStr(key),
    )


def _omar(url: str) -> tuple[float, int, str]:
    """Omar's gift-card balance, the refunds of his order and its status, as stored."""
    with PostgresStore(url) as store:
        user, order = store.get_user(OMAR), store.get_order(ORDER)
    assert user is not None and order is not None
    balance = float((user.payment_methods[CARD].model_extra or {})["balance"])
    refunds = sum(1 for p in order.payment_history if p.transaction_type == "refund")
    return balance, refunds, order.status


@pytest.fixture
def scene(
    tmp_path: Path, new_database: Callable[[str | None], str], tau_database: str
) -> tuple[Settings, str]:
    url = new_database(tau_database)
    return _settings(tmp_path, url, base64.b64encode(os.urandom(32)).decode()), url


async def test_a_question_asked_on_one_worker_is_answered_on_the_other_once(
    scene: tuple[Settings, str],
) -> None:
    settings, url = scene
    async with _worker(settings, url) as first:
        for text in UP_TO_THE_QUESTION:
            asked = await run_turn(first, THREAD, text)
    assert asked.answer.endswith(ASK) and f"Refund {PAID} to the gift card {CARD}" in asked.answer
    assert _omar(url) == (BEFORE, 0, "pending")
    async with _worker(settings, url) as second:
        done = await run_turn(second, THREAD, "yes")
    assert done.answer.startswith(f"Done: order {ORDER} is cancelled"), done.answer
    assert _omar(url) == (ONCE, 1, "cancelled")


async def test_two_answers_racing_on_two_workers_apply_once(scene: tuple[Settings, str]) -> None:
    settings, url = scene
    async with _worker(settings, url) as first, _worker(settings, url) as second:
        for text in UP_TO_THE_QUESTION:
            asked = await run_turn(first, THREAD, text)
        assert asked.answer.endswith(ASK)
        results = await asyncio.gather(
            run_turn(first, THREAD, "yes"), run_turn(second, THREAD, "yes")
        )
    # Applied once, whichever way the race fell: both turns found the question waiting (one
    # applies, the other is told it was made already), or one worker finished its turn before
    # the other read the conversation (which then has nothing waiting for a yes), or read it
    # between the first's change and its answer (and reports that change, making none).
    assert _omar(url) == (ONCE, 1, "cancelled")
    answers = sorted(r.answer for r in results)
    done = f"Done: order {ORDER} is cancelled"
    assert answers[0].startswith(done), answers
    assert answers[1].startswith((done, ALREADY_MADE, nothing_pending())), answers
    assert any(r.tool_calls and r.tool_calls[0]["output"] is not None for r in results)
    assert all("Nothing was changed" not in a for a in answers)
