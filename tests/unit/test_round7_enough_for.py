"""Round 7: "is the green one okay for 60?" and "enough for an order of 60?" ask whether
the stock covers that many (a ``check_inventory`` answered yes or no with the number)."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from tests.unit.test_round6_quantities import MUGS, _answer_after_tools, _planner


def _inventory(stock: int) -> dict[str, object]:
    out = {"product_id": "42", "title": "Enamel Mug Green", "in_stock": True, "stock": stock}
    return {"check_inventory:42": out}


@pytest.mark.parametrize(
    "text",
    ["is the green one okay for 60 units?", "green: fine for 60?", "is the green alright with 60"],
)
def test_ok_for_a_count_is_a_stock_check(text: str) -> None:
    answer = _answer_after_tools([*MUGS, HumanMessage(text)], _inventory(25))
    assert "only 25 in stock" in answer and "Enamel Mug Green" in answer


def test_enough_for_an_order_of_a_count() -> None:
    text = "the green one - enough stock there for a customer of 60?"
    answer = _answer_after_tools([*MUGS, HumanMessage(text)], _inventory(80))
    assert answer.startswith("Yes")


def test_ok_without_a_count_is_no_stock_check() -> None:
    reply = _planner().invoke([*MUGS, HumanMessage("ok, the green one please")])
    assert [c["name"] for c in reply.tool_calls] != ["check_inventory"]
