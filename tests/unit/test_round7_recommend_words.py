"""Round 7: "what would go nicely with X", the same question about another product right after
("and with RED-MUG?"), and a trending question with a reason beside it ("what's selling best
right now? it's for the newsletter")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.unit.test_offline_recommending import Chat, shop_tools


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    tools, store = shop_tools(tmp_path)
    try:
        yield Chat(tools)
    finally:
        store.close()


async def test_goes_nicely_with_a_named_product_then_another(chat: Chat) -> None:
    calls, _ = await chat.say("what would go really nicely with the Red Heart Lantern? for a party")
    assert calls == [
        (
            "recommend_products",
            {"product_id": "RED-LANTERN", "strategy": "bought_together", "limit": 5},
        )
    ]
    calls, _ = await chat.say("and with RED-MUG?")
    assert calls == [
        ("recommend_products", {"product_id": "RED-MUG", "strategy": "bought_together", "limit": 5})
    ]
    calls, _ = await chat.say("what about the candle set")
    assert calls == [
        ("recommend_products", {"product_id": "CANDLES", "strategy": "bought_together", "limit": 5})
    ]


@pytest.mark.parametrize(
    "text",
    [
        "what's selling best right now? it's for the newsletter",
        "what's hot at the moment - planning next week's emails",
    ],
)
async def test_trending_with_a_reason_beside_it(chat: Chat, text: str) -> None:
    calls, _ = await chat.say(text)
    assert calls == [("recommend_products", {"strategy": "trending", "limit": 5})]


async def test_trending_beside_a_product_kind_is_a_search(chat: Chat) -> None:
    calls, _ = await chat.say("what's trending? we need lanterns for the window")
    assert [name for name, _ in calls] == ["search_products"]
