"""Round 9: a trade buyer's count of one product ("need 30 of the <title>, enough? total?",
"the first one, we'd take 25", "add 8 <title> as well, total for the lot") answered with the
unit price times the count, the sum, and whether the stock covers it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.planner import OfflinePlanner
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="81", title="Enamel Camping Mug Blue", category="mug", price=3.4),
    Product(id="82", title="Box of 24 Birthday Candles", category="candle", price=1.25),
    Product(id="83", title="Linen Apron Mustard", category="apron", price=12.5),
    Product(id="84", title="Bamboo Lunch Box", category="lunch box", price=6.75),
    Product(id="85", title="Wicker Picnic Basket", category="basket", price=24.0),
]
BY_ID = {p.id: p for p in PRODUCTS}
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset({"search_products", "get_product", "check_inventory"})
STOCK = {"81": 300, "82": 7, "83": 45, "84": 0, "85": 60}


def _search(args: dict[str, Any]) -> dict[str, Any]:
    """The catalog's products of the asked category, else those whose title holds the query."""
    query = str(args.get("query", "")).lower()
    hits = [
        p
        for p in PRODUCTS
        if p.category == args.get("category") or any(w in p.title.lower() for w in query.split())
    ]
    rows = [
        {
            "id": p.id,
            "title": p.title,
            "price": p.price,
            "currency": "GBP",
            "category": p.category,
            "in_stock": STOCK[p.id] > 0,
        }
        for p in hits
    ]
    return {"total": len(rows), "products": rows}


def _output(name: str, args: dict[str, Any]) -> dict[str, Any]:
    if name == "search_products":
        return _search(args)
    pid = str(args["product_id"])
    p = BY_ID[pid]
    if name == "get_product":
        return {
            "id": p.id,
            "title": p.title,
            "price": p.price,
            "currency": "GBP",
            "category": p.category,
            "in_stock": STOCK[pid] > 0,
            "stock": STOCK[pid],
        }
    return {"product_id": p.id, "title": p.title, "in_stock": STOCK[pid] > 0, "stock": STOCK[pid]}


def _run(messages: list[BaseMessage]) -> tuple[list[BaseMessage], str]:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    planner = planner.model_copy(update={"tool_names": TOOLS})
    for _ in range(4):
        reply = planner.invoke(messages)
        messages = [*messages, reply]
        if not reply.tool_calls:
            return messages, str(reply.content)
        for call in reply.tool_calls:
            out = _output(call["name"], call["args"])
            messages.append(ToolMessage(json.dumps(out), tool_call_id=call["id"]))
    raise AssertionError("no answer")


def _chat(*texts: str) -> tuple[list[BaseMessage], str]:
    messages: list[BaseMessage] = []
    answer = ""
    for text in texts:
        messages, answer = _run([*messages, HumanMessage(text)])
    return messages, answer


def _called(messages: list[BaseMessage]) -> list[tuple[str, str]]:
    last_human = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
    return [
        (c["name"], str(c["args"].get("product_id")))
        for m in messages[last_human:]
        if isinstance(m, AIMessage)
        for c in m.tool_calls
    ]


@pytest.mark.parametrize(
    "text",
    [
        "we're after 40 enamel camping mug blue for the scout hut, enough in? total?",
        "could you quote me 40 of the enamel camping mug blue and say if you have that many",
        "40 x enamel camping mug blue - price for the lot and is that doable",
    ],
)
def test_a_count_of_a_named_product_gets_its_total_and_stock(text: str) -> None:
    messages, answer = _chat(text)
    assert _called(messages) == [("get_product", "81")]
    assert "£136.00" in answer and "enough for 40" in answer


def test_a_count_above_the_stock_says_the_stock() -> None:
    _, answer = _chat("need 20 of the box of 24 birthday candles, what would it all cost?")
    # 24 belongs to the title: the count is 20
    assert "20 × Box of 24 Birthday Candles" in answer and "£25.00" in answer
    assert "Only 7 in stock" in answer


def test_out_of_stock_is_said() -> None:
    _, answer = _chat("we'd buy 15 bamboo lunch box, how much altogether and have you got them?")
    assert "£101.25" in answer and "out of stock" in answer


def test_a_count_after_the_product_in_focus() -> None:
    _, answer = _chat("linen apron mustard", "we'd want 12 then, total?")
    assert "12 × Linen Apron Mustard" in answer and "£150.00" in answer


def test_a_position_counts_among_products_set_side_by_side() -> None:
    _, answer = _chat(
        "linen apron mustard vs wicker picnic basket, which costs less",
        "right, the second one - could we get 70 of them",
    )
    assert "Wicker Picnic Basket" in answer and "Only 60 in stock" in answer
    _, answer = _chat(
        "linen apron mustard vs wicker picnic basket, which costs less",
        "right, the second one - could we get 70 of them",
        "and the first one, 30 of those alright?",
    )
    assert "Linen Apron Mustard" in answer and "enough for 30" in answer


def test_a_running_basket_keeps_the_earlier_line() -> None:
    _, answer = _chat(
        "need 10 linen apron mustard, what's that come to",
        "plus 2 wicker picnic basket, what's the total with that",
    )
    assert "10 × Linen Apron Mustard" in answer and "2 × Wicker Picnic Basket" in answer
    assert "£173.00" in answer


@pytest.mark.parametrize(
    "text",
    [
        "stock level for 83?",
        "a bamboo lunch box for a 7 year old",
        "bamboo lunch boxes under 10",
        "forecast for the linen apron mustard over 4 weeks",
    ],
)
def test_numbers_that_are_no_count_are_not_costed(text: str) -> None:
    _, answer = _chat(text)
    assert " × " not in answer


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("two dozen enamel camping mug blue, total and is that ok stock wise", 24),
        ("could you do a hundred and fifty enamel camping mug blue? total?", 150),
        ("half a dozen of the enamel camping mug blue please, how much in all", 6),
        ("thirty-five enamel camping mug blue - enough in stock? cost?", 35),
    ],
)
def test_a_spelled_count_is_a_count(text: str, count: int) -> None:
    _, answer = _chat(text)
    assert answer.startswith(f"{count} × Enamel Camping Mug Blue")


def test_two_lines_in_one_message_are_summed() -> None:
    _, answer = _chat(
        "linen apron mustard",
        "right, pencil in 4 for us; plus 3 wicker picnic basket - grand total?",
    )
    assert "4 × Linen Apron Mustard" in answer and "3 × Wicker Picnic Basket" in answer
    assert "Total: £122.00." in answer


def test_a_kind_described_with_a_count_is_no_title_said() -> None:
    messages, _ = _chat("do you do camping mugs? we might take 40, what would that cost")
    assert _called(messages)[0][0] == "search_products"


def test_a_basket_grows_over_three_turns() -> None:
    _, answer = _chat(
        "need 10 linen apron mustard, what's that come to",
        "plus 2 wicker picnic basket, what's the total with that",
        "and 4 enamel camping mug blue as well - new total?",
    )
    assert "10 × Linen Apron Mustard" in answer and "2 × Wicker Picnic Basket" in answer
    assert "4 × Enamel Camping Mug Blue" in answer and "Total: £186.60." in answer


def test_a_new_order_after_an_unrelated_turn_starts_afresh() -> None:
    _, answer = _chat(
        "need 10 linen apron mustard, what's that come to",
        "wicker picnic basket",
        "we'd need 3 enamel camping mug blue, total?",
    )
    assert answer.startswith("3 × Enamel Camping Mug Blue") and "Total:" not in answer
