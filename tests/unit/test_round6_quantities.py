"""Round 6: counts and totals about products already in the conversation: the cost of a
number ("what would 40 come to"), two together ("how much for the pair"), and whether a number
is in stock ("could you supply 120 of the blue?")."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.planner import OfflinePlanner
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="41", title="Enamel Mug Blue", category="mug", price=2.4),
    Product(id="42", title="Enamel Mug Green", category="mug", price=2.6),
    Product(id="43", title="Oak Serving Board", category="board", price=11.5),
]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset({"search_products", "get_product", "check_inventory"})


def _planner() -> OfflinePlanner:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    return planner.model_copy(update={"tool_names": TOOLS})


def _summary(p: Product) -> dict[str, object]:
    return {"id": p.id, "title": p.title, "price": p.price, "currency": "GBP"}


def _turn(text: str, name: str, args: dict[str, object], output: object) -> list[BaseMessage]:
    call = AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"c{id(args)}"}])
    result = ToolMessage(json.dumps(output), tool_call_id=f"c{id(args)}")
    return [HumanMessage(text), call, result, AIMessage("shown")]


MUGS = _turn(
    "enamel mugs",
    "search_products",
    {"query": "enamel mug"},
    {"products": [_summary(PRODUCTS[0]), _summary(PRODUCTS[1])], "total": 2},
)
BOARD = _turn("the oak serving board", "get_product", {"product_id": "43"}, _summary(PRODUCTS[2]))


def _answer_after_tools(messages: list[BaseMessage], outputs: dict[str, object]) -> str:
    """Run the planner, answer each call it makes from ``outputs``, and return its text."""
    planner = _planner()
    for _ in range(3):
        reply = planner.invoke(messages)
        if not reply.tool_calls:
            return str(reply.content)
        messages = [*messages, reply]
        for call in reply.tool_calls:
            out = outputs[f"{call['name']}:{call['args']['product_id']}"]
            messages.append(ToolMessage(json.dumps(out), tool_call_id=call["id"]))
    raise AssertionError("no answer")


DETAILS = {f"get_product:{p.id}": {**_summary(p), "in_stock": True} for p in PRODUCTS}


@pytest.mark.parametrize(
    "text", ["what would 40 come to", "how much for 40 of them?", "price for 40 please"]
)
def test_the_cost_of_a_count_of_the_product_in_focus(text: str) -> None:
    answer = _answer_after_tools([*BOARD, HumanMessage(text)], DETAILS)
    assert "£460.00" in answer and "£11.50" in answer


def test_two_together_are_priced_and_summed() -> None:
    text = "and the green enamel mug, how much is that for the pair"
    answer = _answer_after_tools([*BOARD, HumanMessage(text)], DETAILS)
    assert "£11.50" in answer and "£2.60" in answer and "£14.10" in answer


@pytest.mark.parametrize(
    ("stock", "said"),
    [(300, "Yes"), (20, "only 20 in stock"), (0, "out of stock")],
)
def test_a_count_in_stock_is_answered_yes_or_no_with_the_number(stock: int, said: str) -> None:
    inventory = {
        "check_inventory:41": {
            "product_id": "41",
            "title": "Enamel Mug Blue",
            "in_stock": stock > 0,
            "stock": stock,
        }
    }
    text = "could you supply 120 of the blue?"
    answer = _answer_after_tools([*MUGS, HumanMessage(text)], inventory)
    assert said in answer and "Enamel Mug Blue" in answer


@pytest.mark.parametrize("text", ["how much is 43", "mugs under £5", "a 20cm board"])
def test_an_id_a_price_or_a_size_is_no_count(text: str) -> None:
    reply = _planner().invoke([*BOARD, HumanMessage(text)])
    assert not reply.content.startswith("Yes") and "×" not in str(reply.content)
    assert all(c["name"] != "check_inventory" for c in reply.tool_calls)
