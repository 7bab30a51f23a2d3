"""Planner round 9, customer-service side, returns: an item "given back" (or sent, brought
back) is a return, not a search; a delivered order that cannot be cancelled is offered a
return at once. Wordings made up for the test; the flows run over the real tau-retail store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.orders_helpers import copy_tau_store
from tests.unit.test_offline_service import Chat, names
from tools.catalog.sqlite import SqliteStore
from tools.orders.tools import WRITE_TOOLS


@pytest.fixture
def store(tau_retail_dir: Path, tmp_path: Path) -> Iterator[SqliteStore]:
    opened = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    yield opened
    opened.close()


async def test_a_delivered_order_that_cannot_be_cancelled_is_offered_a_return(
    store: SqliteStore,
) -> None:
    chat = Chat(store)
    first = await chat.say("emma.smith3991@example.com, please cancel order #W5605613")
    assert not set(names(first)) & WRITE_TOOLS
    assert "can't be cancelled" in first.answer and "returned instead" in first.answer
    again = await chat.say("how come? I really don't need it any more")
    assert not set(names(again)) & WRITE_TOOLS
    assert "returned instead" in again.answer
