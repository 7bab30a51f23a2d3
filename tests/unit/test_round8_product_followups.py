"""Round 8: follow-ups about the product in play.

- "what other colours?" about a product whose title names its colour lists the design's other
  colours (a search for the title without its colour); after a search filtered to one colour,
  "any in another colour?" repeats it with that colour ruled out;
- "should we top it up?" about one product answers from its stock and reorder point;
- "and one for <another title>, fun tone" right after copy was written writes that product's;
- "more like that but no <word>" after a bought-together list is the listed-for product's
  similar items, without the ones whose titles hold the word."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.planner import OfflinePlanner
from agents.offline.store_policy import StorePolicy
from agents.offline.supply import reorder_line
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="701", title="Enamel Jug Sage", category="jug", price=6.0,
            attributes={"colour": ["sage"]}),
    Product(id="702", title="Enamel Jug Navy", category="jug", price=6.0,
            attributes={"colour": ["navy"]}),
    Product(id="703", title="Stoneware Jug Speckled", category="jug", price=9.0),
    Product(id="704", title="Felt Bunting Woodland Animals", category="bunting", price=4.0),
    Product(id="705", title="Felt Bunting Rainbow Stars", category="bunting", price=4.0),
]  # fmt: skip
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset(
    {
        "search_products",
        "get_product",
        "check_inventory",
        "write_product_content",
        "recommend_products",
    }
)


def _summary(pid: str) -> dict[str, Any]:
    p = next(p for p in PRODUCTS if p.id == pid)
    return {"id": p.id, "title": p.title, "price": p.price, "category": p.category,
            "attributes": {}, "in_stock": True}  # fmt: skip


def _turn(text: str, name: str, args: dict[str, Any], out: dict[str, Any]) -> list[BaseMessage]:
    call = AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"c{len(text)}"}])
    return [
        HumanMessage(text),
        call,
        ToolMessage(json.dumps(out), tool_call_id=f"c{len(text)}"),
        AIMessage("ok"),
    ]


def _reply(messages: list[BaseMessage]) -> AIMessage:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    reply = planner.model_copy(update={"tool_names": TOOLS}).invoke(messages)
    assert isinstance(reply, AIMessage)
    return reply


def _looked_at(pid: str) -> list[BaseMessage]:
    return _turn(f"tell me about {pid}", "get_product", {"product_id": pid}, _summary(pid))


@pytest.mark.parametrize(
    "text", ["does it come in other colours?", "colour options?", "any other colours"]
)
def test_other_colours_of_a_titled_colour_are_its_siblings(text: str) -> None:
    reply = _reply([*_looked_at("701"), HumanMessage(text)])
    assert [c["name"] for c in reply.tool_calls] == ["search_products"]
    assert reply.tool_calls[0]["args"] == {"query": "enamel jug", "category": "jug"}


def test_a_title_without_a_colour_is_left_to_the_details() -> None:
    reply = _reply([*_looked_at("703"), HumanMessage("does it come in other colours?")])
    assert [c["name"] for c in reply.tool_calls] != ["search_products"]


def test_another_colour_after_a_colour_filtered_search_rules_that_colour_out() -> None:
    args = {"query": "jug", "category": "jug", "attributes": {"colour": "navy"}, "max_price": 8.0}
    out = {"total": 1, "products": [_summary("702")]}
    reply = _reply([*_turn("navy jugs under £8", "search_products", args, out),
                    HumanMessage("got it in a different colour?")])  # fmt: skip
    assert reply.tool_calls[0]["args"] == {
        "query": "jug",
        "category": "jug",
        "max_price": 8.0,
        "exclude": ["navy"],
    }


def test_the_only_colour_is_said_plainly() -> None:
    messages = [*_looked_at("701"), HumanMessage("other colours?")]
    first = _reply(messages)
    out = {"total": 1, "products": [_summary("701")]}
    result = ToolMessage(json.dumps(out), tool_call_id=first.tool_calls[0]["id"])
    answer = _reply([*messages, first, result])
    assert "one colour only" in answer.text


def _stock(**over: Any) -> dict[str, Any]:
    out = {"product_id": "701", "title": "Enamel Jug Sage", "in_stock": True, "stock": 120,
           "daily_demand": 10.0, "lead_time_days": 7, "demand_over_lead_time": 70.0,
           "safety_stock": 30.0, "reorder_point": 100.0, "reorder_now": False,
           "suggested_order": 0, "on_order": 0}  # fmt: skip
    return {**out, **over}


def test_the_reorder_verdict_above_the_reorder_point() -> None:
    line = reorder_line(_stock())
    assert line.startswith("No need to reorder yet")
    assert "reorder point 100" in line and "about 2 trading days" in line


def test_the_reorder_verdict_at_the_reorder_point() -> None:
    line = reorder_line(_stock(stock=80, reorder_now=True, suggested_order=140))
    assert line.startswith("Yes, reorder now about 140 units")


@pytest.mark.parametrize("text", ["should we top it up?", "time to order more of it?"])
def test_a_reorder_question_about_one_product_checks_its_stock(text: str) -> None:
    messages = [*_looked_at("701"), HumanMessage(text)]
    first = _reply(messages)
    assert [c["name"] for c in first.tool_calls] == ["check_inventory"]
    result = ToolMessage(json.dumps(_stock()), tool_call_id=first.tool_calls[0]["id"])
    assert _reply([*messages, first, result]).text.startswith("No need to reorder yet")


def _copy_written(pid: str) -> list[BaseMessage]:
    copy = {"title": "t", "description": "d", "bullets": [], "keywords": []}
    out = {"product_id": pid, "language": "en", "tone": "neutral", "version": 1, "content": copy}
    return _turn(f"blurb for {pid}", "write_product_content", {"product_id": pid}, out)


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("and one for the felt bunting rainbow stars, fun tone",
         {"product_id": "705", "tone": "playful"}),
        ("lovely, now do the Felt Bunting Rainbow Stars", {"product_id": "705"}),
    ],
)  # fmt: skip
def test_the_same_brief_for_another_product_named(text: str, args: dict[str, Any]) -> None:
    reply = _reply([*_copy_written("704"), HumanMessage(text)])
    assert [c["name"] for c in reply.tool_calls] == ["write_product_content"]
    assert reply.tool_calls[0]["args"] == args


def test_more_like_that_but_not_a_word_after_a_bought_together_list() -> None:
    args = {"product_id": "704", "strategy": "bought_together", "limit": 5}
    listed = {"strategy": "bought_together", "product_id": "704",
              "products": [_summary("705"), _summary("701"), _summary("702")]}  # fmt: skip
    messages = [*_turn("what goes with 704", "recommend_products", args, listed),
                HumanMessage("similar stuff to that but no rainbow")]  # fmt: skip
    first = _reply(messages)
    assert first.tool_calls[0]["args"]["product_id"] == "704"
    assert first.tool_calls[0]["args"]["strategy"] == "similar"
    similar = {**listed, "strategy": "similar"}
    result = ToolMessage(json.dumps(similar), tool_call_id=first.tool_calls[0]["id"])
    answer = _reply([*messages, first, result]).text
    assert "Rainbow" not in answer and "Enamel Jug Sage" in answer


def test_what_goes_with_a_product_named_by_its_title_not_shown() -> None:
    text = "what would pair nicely with the woodland animals bunting? it's for a nursery"
    reply = _reply([HumanMessage(text)])
    assert [c["name"] for c in reply.tool_calls] == ["recommend_products"]
    assert reply.tool_calls[0]["args"]["product_id"] == "704"


def test_matching_kinds_with_nothing_in_play_are_a_search() -> None:
    reply = _reply([HumanMessage("have you got enamel jugs and matching bunting?")])
    assert [c["name"] for c in reply.tool_calls] == ["search_products"]
