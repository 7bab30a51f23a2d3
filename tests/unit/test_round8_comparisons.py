"""Round 8: products set side by side ("the oak board or the walnut one, which costs less?"),
follow-ups over those in play ("which of them have you got more of", "which one moves faster",
"the walnut one, how many left"), and counts per product ("30 of each, what does that come
to", "6 of the first and 2 of the second")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.comparisons import named_products
from agents.offline.planner import OfflinePlanner
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="71", title="Oak Serving Board", category="board", price=11.5),
    Product(id="72", title="Walnut Serving Board", category="board", price=14.0),
    Product(id="73", title="Slate Cheese Knife", category="knife", price=3.2),
    Product(id="74", title="Salt and Pepper Grinder", category="grinder", price=6.0),
    Product(id="75", title="Enamel Jug Cream", category="jug", price=6.0),
    Product(id="76", title="Enamel Jug Sage", category="jug", price=7.25),
    Product(id="77", title="Linen Tea Towel Stripe", category="tea towel", price=4.0),
]
BY_ID = {p.id: p for p in PRODUCTS}
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset({"search_products", "get_product", "check_inventory"})
STOCK = {"71": 40, "72": 9, "73": 120, "74": 15, "75": 60, "76": 60, "77": 3}
DAILY = {"71": 2.5, "72": 6.25, "73": 1.0, "74": 0.5, "75": 4.0, "76": 1.5, "77": 0.2}


def _planner() -> OfflinePlanner:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    return planner.model_copy(update={"tool_names": TOOLS})


def _output(name: str, pid: str) -> dict[str, Any]:
    p = BY_ID[pid]
    if name == "get_product":
        return {
            "id": p.id,
            "title": p.title,
            "price": p.price,
            "currency": "GBP",
            "category": p.category,
            "in_stock": True,
            "stock": STOCK[pid],
        }
    return {
        "product_id": p.id,
        "title": p.title,
        "in_stock": True,
        "stock": STOCK[pid],
        "daily_demand": DAILY[pid],
    }


def _run(messages: list[BaseMessage]) -> tuple[list[BaseMessage], str]:
    """The planner's turn with every call answered: the messages after it, and its text."""
    planner = _planner()
    for _ in range(4):
        reply = planner.invoke(messages)
        messages = [*messages, reply]
        if not reply.tool_calls:
            return messages, str(reply.content)
        for call in reply.tool_calls:
            out = _output(call["name"], call["args"]["product_id"])
            messages.append(ToolMessage(json.dumps(out), tool_call_id=call["id"]))
    raise AssertionError("no answer")


def _chat(*texts: str) -> tuple[list[BaseMessage], str]:
    messages: list[BaseMessage] = []
    answer = ""
    for text in texts:
        messages, answer = _run([*messages, HumanMessage(text)])
    return messages, answer


def _called(messages: list[BaseMessage]) -> list[tuple[str, str]]:
    """The tool calls of the last turn: (tool, product id)."""
    last_human = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
    return [
        (c["name"], str(c["args"].get("product_id")))
        for m in messages[last_human:]
        if isinstance(m, AIMessage)
        for c in m.tool_calls
    ]


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("oak serving board versus walnut serving board, price?", ["71", "72"]),
        ("the oak serving board or the walnut one - which costs less", ["71", "72"]),
        ("salt and pepper grinder vs slate cheese knife", ["74", "73"]),
        ("enamel jug cream, enamel jug sage and the oak serving board: prices", ["75", "76", "71"]),
        ("the cream enamel jug and the sage one", ["75", "76"]),
    ],
)
def test_each_product_named_in_a_comparison_is_found(text: str, ids: list[str]) -> None:
    assert named_products(text, VOCAB) == ids


@pytest.mark.parametrize("text", ["salt and pepper grinder", "oak and walnut boards", "a jug"])
def test_one_title_or_a_kind_is_no_list_of_products(text: str) -> None:
    assert len(named_products(text, VOCAB)) < 2


def test_two_named_are_looked_up_and_the_cheaper_said() -> None:
    messages, answer = _chat("the oak serving board or the walnut one - which costs less")
    assert sorted(_called(messages)) == [("get_product", "71"), ("get_product", "72")]
    assert "£11.50" in answer and "£14.00" in answer
    assert answer.splitlines()[-1] == "Oak Serving Board is cheaper."


def test_a_tie_on_price_is_said_as_a_tie() -> None:
    _, answer = _chat("compare the salt and pepper grinder with enamel jug cream on price")
    assert "£6.00" in answer and "cost the same" in answer


def test_three_named_then_which_has_most_in_stock() -> None:
    _, first = _chat(
        "enamel jug cream, enamel jug sage and the oak serving board: prices",
    )
    assert all(price in first for price in ("£6.00", "£7.25", "£11.50"))
    _, answer = _chat(
        "enamel jug cream, enamel jug sage and the oak serving board: prices",
        "of those, which have you got the most of",
    )
    assert "Enamel Jug Cream and Enamel Jug Sage have the most in stock" in answer


def test_which_moves_faster_is_read_from_the_sales_forecast() -> None:
    messages, answer = _chat(
        "oak serving board versus walnut serving board, price?", "which one sells quicker"
    )
    assert sorted(_called(messages)) == [("check_inventory", "71"), ("check_inventory", "72")]
    assert "Walnut Serving Board sells better." in answer and "6.2 a day" in answer


def test_a_word_tells_one_of_those_in_play_apart() -> None:
    messages, answer = _chat(
        "oak serving board versus walnut serving board, price?", "how many walnut ones left"
    )
    assert _called(messages) == [("check_inventory", "72")]
    assert "9" in answer


def test_a_new_version_is_set_beside_those_in_play() -> None:
    messages, answer = _chat(
        "the cream enamel jug and the sage one, which is dearer?",
        "and the oak serving board, how does it compare on stock",
    )
    assert ("get_product", "71") in _called(messages)
    assert "40 in stock" in answer and "60 in stock" in answer


def test_a_count_of_each_is_costed_and_summed() -> None:
    _, answer = _chat("oak serving board versus walnut serving board, price?", "30 of each, total?")
    assert "£345.00" in answer and "£420.00" in answer and "Total: £765.00." in answer


def test_counts_of_positions_are_costed_and_summed() -> None:
    search = AIMessage(
        "",
        tool_calls=[{"name": "search_products", "args": {"query": "jug"}, "id": "s1"}],
    )
    listing = {
        "products": [
            {"id": p.id, "title": p.title, "price": p.price, "currency": "GBP"}
            for p in (BY_ID["75"], BY_ID["76"])
        ],
        "total": 2,
    }
    shown = [
        HumanMessage("jugs"),
        search,
        ToolMessage(json.dumps(listing), tool_call_id="s1"),
        AIMessage("two jugs"),
    ]
    _, answer = _run([*shown, HumanMessage("what would 6 of the first and 2 of the second cost")])
    assert "£36.00" in answer and "£14.50" in answer and "Total: £50.50." in answer


@pytest.mark.parametrize(
    "text",
    [
        "expected sales for the oak serving board over the next 14 days",
        "torn between the oak serving board and the walnut serving board",
    ],
)
def test_a_forecast_or_a_plain_choice_is_no_side_by_side(text: str) -> None:
    reply = _planner().invoke([HumanMessage(text)])
    assert "Side by side" not in str(reply.content)
    assert [c["name"] for c in reply.tool_calls].count("check_inventory") < 2


@pytest.mark.parametrize(
    "text",
    [
        "i'd need 30 oak serving boards and 20 walnut serving boards, what would that come to",
        "20 walnut serving board and 30 oak serving board - total please",
    ],
)
def test_counts_said_beside_named_products_are_costed(text: str) -> None:
    _, answer = _chat(text)
    assert "£345.00" in answer and "£280.00" in answer and "Total: £625.00." in answer


def test_one_count_for_each_named_product() -> None:
    _, answer = _chat("price for 10 each of the oak serving board and the slate cheese knife")
    assert "£115.00" in answer and "£32.00" in answer and "Total: £147.00." in answer


def test_the_other_one_of_two_in_play() -> None:
    messages, _ = _chat(
        "oak serving board versus walnut serving board, price?",
        "how many walnut ones left",
        "and the other one?",
    )
    assert _called(messages) == [("get_product", "71")]


def _jugs_and_board() -> list[BaseMessage]:
    search = AIMessage(
        "", tool_calls=[{"name": "search_products", "args": {"query": "kitchen"}, "id": "s2"}]
    )
    listing = {
        "products": [
            {"id": p.id, "title": p.title, "price": p.price, "currency": "GBP"}
            for p in (BY_ID["75"], BY_ID["76"], BY_ID["71"])
        ],
        "total": 3,
    }
    return [
        HumanMessage("kitchen things"),
        search,
        ToolMessage(json.dumps(listing), tool_call_id="s2"),
        AIMessage("three things"),
    ]


def test_positions_pointed_at_are_compared_on_sales() -> None:
    messages, answer = _run(
        [*_jugs_and_board(), HumanMessage("the 1st and the 3rd, which sells more?")]
    )
    assert sorted(_called(messages)) == [("check_inventory", "71"), ("check_inventory", "75")]
    assert "Enamel Jug Cream sells better." in answer


def test_those_just_listed_are_compared_on_stock() -> None:
    _, answer = _run(
        [*_jugs_and_board(), HumanMessage("of those three which have you the most of")]
    )
    assert "Enamel Jug Cream and Enamel Jug Sage have the most in stock" in answer


def test_that_one_after_a_pick_is_the_product_picked() -> None:
    messages, _ = _chat(
        "the oak serving board or the walnut one - which costs less", "is that one in stock"
    )
    assert _called(messages) == [("check_inventory", "71")]


def test_that_one_after_a_tie_is_asked_back() -> None:
    messages, answer = _chat(
        "compare the salt and pepper grinder with enamel jug cream on price", "how much is it"
    )
    assert _called(messages) == []
    assert "Which one do you mean: Salt and Pepper Grinder or Enamel Jug Cream?" in answer


@pytest.mark.parametrize("text", ["and the unit price?", "what's the price per pack", "cost each?"])
def test_a_unit_price_is_the_price_of_the_product_in_focus(text: str) -> None:
    messages, answer = _chat("how many walnut serving boards are in stock", text)
    assert _called(messages) == [("get_product", "72")]
    assert answer == "Walnut Serving Board (72) is £14.00 each."


def test_two_shown_told_apart_by_a_word_each_are_compared() -> None:
    messages, answer = _run(
        [*_jugs_and_board(), HumanMessage("is the sage one dearer than the cream one?")]
    )
    assert sorted(_called(messages)) == [("get_product", "75"), ("get_product", "76")]
    assert answer.splitlines()[-1] == "Enamel Jug Sage is dearer."


def test_a_plain_difference_gives_the_details_of_each() -> None:
    messages, answer = _chat("what's the difference between the enamel jug cream and the sage one")
    assert sorted(_called(messages)) == [("get_product", "75"), ("get_product", "76")]
    assert "Enamel Jug Cream (75)" in answer and "Enamel Jug Sage (76)" in answer
