"""Planner round 9, customer-service side: "the other one instead" moves a cancellation to
another order, with or without items naming it, and what was said before (the reason) still
holds. Wordings made up for the test; the flows run over the real tau-retail store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.prompts import NOT_CONFIRMED
from tests.orders_helpers import copy_tau_store
from tests.unit.test_offline_service import Chat, names, write
from tools.catalog.sqlite import SqliteStore
from tools.orders.tools import WRITE_TOOLS


@pytest.fixture
def store(tau_retail_dir: Path, tmp_path: Path) -> Iterator[SqliteStore]:
    opened = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    yield opened
    opened.close()


async def test_the_other_order_instead_moves_the_cancellation(store: SqliteStore) -> None:
    chat = Chat(store)
    first = await chat.say("evelyn.patel2010@example.com: cancel the order with the fleece jacket")
    assert "#W6385395" in first.answer and not set(names(first)) & WRITE_TOOLS
    moved = await chat.say("no wait, the other pending one instead, the one with the dumbbells")
    assert "#W3561024" in moved.answer and "#W6385395" not in moved.answer
    proposed = await chat.say("yes, i ordered it by mistake")
    assert write(proposed)["args"] == {"order_id": "#W3561024", "reason": "ordered by mistake"}


@pytest.mark.parametrize("correction", ["sorry, i meant the other one", "no, the other order"])
async def test_the_other_one_alone_is_the_pending_order_not_discussed(
    store: SqliteStore, correction: str
) -> None:
    chat = Chat(store)
    first = await chat.say("ava.lopez3569@example.com - cancel my order with the garden hose")
    assert "#W5911003" in first.answer
    moved = await chat.say(correction)
    assert "#W8327915" in moved.answer and "#W5911003" not in moved.answer


async def test_a_reason_said_before_the_correction_still_holds(store: SqliteStore) -> None:
    chat = Chat(store)
    await chat.say("ava.lopez3569@example.com - cancel the garden hose order, bought by mistake")
    moved = await chat.say("oh no i meant the other one, sorry")
    # the first proposal is declined by the correction, the other order is put instead
    first, second = [c for c in moved.tool_calls if c["name"] in WRITE_TOOLS]
    assert first["args"]["order_id"] == "#W5911003" and NOT_CONFIRMED in str(first["output"])
    assert second["args"] == {"order_id": "#W8327915", "reason": "ordered by mistake"}
    assert "Shall I go ahead?" in moved.answer
