"""Round 9, shopper questions read by their shape, in wordings of our own:

- "some different ones please" after a listing is the next page, not a search for "different";
- "a bit steep, any cheaper lanterns?" right after one lantern was looked at keeps the search
  below that lantern's price (above it for "pricier");
- a shop to visit, opening hours, trade terms are answered from the policy or honestly, never
  searched, though their words name places and numbers the catalog holds;
- "what sort of stuff do you stock?" lists the catalog's main kinds, not the help text."""

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
    Product(id="901", title="Moroccan Tin Lantern", category="lantern", price=8.5),
    Product(id="902", title="Glass Jar Lantern Small", category="lantern", price=3.25),
    Product(id="903", title="Paper Star Lantern", category="lantern", price=2.1),
    Product(id="904", title="Doormat Bristol Skyline", category="doormat", price=7.0),
    Product(id="905", title="Doormat Hello Sunshine", category="doormat", price=7.0),
    Product(id="906", title="Set of 60 Vintage Tealights", category="tealight", price=1.2),
    Product(id="907", title="Lantern Hook Black", category="hook", price=1.0),
]  # fmt: skip
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset({"search_products", "get_product", "check_inventory"})


def _reply(messages: list[BaseMessage]) -> AIMessage:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    reply = planner.model_copy(update={"tool_names": TOOLS}).invoke(messages)
    assert isinstance(reply, AIMessage)
    return reply


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


def _lanterns_listed() -> list[BaseMessage]:
    args = {"query": "lantern", "category": "lantern"}
    out = {"total": 9, "products": [_summary(p) for p in ("901", "902", "903")]}
    return _turn("lanterns please", "search_products", args, out)


@pytest.mark.parametrize("text", ["some different ones please", "more, but different ones"])
def test_different_ones_after_a_listing_are_the_next_page(text: str) -> None:
    reply = _reply([*_lanterns_listed(), HumanMessage(text)])
    assert reply.tool_calls[0]["args"] == {"query": "lantern", "category": "lantern", "offset": 3}


def _looked_at(pid: str) -> list[BaseMessage]:
    return _turn(f"what about {pid}", "get_product", {"product_id": pid}, _summary(pid))


@pytest.mark.parametrize(
    "text", ["a bit steep, any cheaper lanterns?", "too dear - cheaper lanterns please"]
)
def test_cheaper_of_the_kind_stays_below_the_product_looked_at(text: str) -> None:
    reply = _reply([*_looked_at("901"), HumanMessage(text)])
    args = reply.tool_calls[0]["args"]
    assert args["category"] == "lantern" and args["max_price"] == 8.49


def test_pricier_of_the_kind_stays_above_it() -> None:
    reply = _reply([*_looked_at("902"), HumanMessage("show me more expensive lanterns")])
    assert reply.tool_calls[0]["args"]["min_price"] == 3.26


def test_cheaper_of_another_kind_has_no_price_to_be_below() -> None:
    reply = _reply([*_looked_at("901"), HumanMessage("cheaper doormats?")])
    assert "max_price" not in reply.tool_calls[0]["args"]


@pytest.mark.parametrize(
    "text",
    [
        "is there a showroom in bristol we could pop into?",
        "where's your nearest store",
        "when are you open on sundays?",
        "what's the minimum spend for a wholesale account",
        "could we settle invoices on 60 day terms?",
        "do you offer trade pricing for cafes",
    ],
)
def test_questions_about_the_business_are_not_searched(text: str) -> None:
    reply = _reply([HumanMessage(text)])
    assert not reply.tool_calls
    assert "no information" in reply.text


@pytest.mark.parametrize("text", ["bristol doormat", "60 tealights", "lantern hook for the shop"])
def test_the_same_words_as_products_are_still_searched(text: str) -> None:
    assert [c["name"] for c in _reply([HumanMessage(text)]).tool_calls] == ["search_products"]


@pytest.mark.parametrize(
    "text", ["what sort of stuff do you stock?", "so what does the shop sell?"]
)
def test_what_the_shop_sells_lists_its_kinds(text: str) -> None:
    answer = _reply([HumanMessage(text)]).text
    assert answer.startswith("The shop sells") and "lanterns" in answer and "doormats" in answer


def test_what_the_assistant_does_is_still_the_help_text() -> None:
    assert "narrow or widen a search" in _reply([HumanMessage("what can you do?")]).text


@pytest.mark.parametrize("text", ["price of the doormat again?", "the doormat, how much?"])
def test_a_price_asked_of_a_vague_reference_gives_each_candidates_price(text: str) -> None:
    args = {"query": "doormat", "category": "doormat"}
    out = {"total": 2, "products": [_summary("904"), _summary("905")]}
    listed = _turn("doormats?", "search_products", args, out)
    reply = _reply([*listed, HumanMessage(text)])
    assert not reply.tool_calls
    assert "1. Doormat Bristol Skyline — 7.00" in reply.text
    assert "2. Doormat Hello Sunshine — 7.00" in reply.text


def test_a_vague_reference_without_a_price_question_still_asks_which() -> None:
    args = {"query": "doormat", "category": "doormat"}
    out = {"total": 2, "products": [_summary("904"), _summary("905")]}
    listed = _turn("doormats?", "search_products", args, out)
    reply = _reply([*listed, HumanMessage("is the doormat in stock?")])
    assert not reply.tool_calls and "Which one" in reply.text


@pytest.mark.parametrize(
    "text",
    [
        "will you match a competitor's price on the lanterns?",
        "can you send a VAT receipt with the tealights?",
        "do invoices go to our company accounts team?",
    ],
)
def test_trade_paperwork_and_price_matching_are_not_searched(text: str) -> None:
    reply = _reply([HumanMessage(text)])
    assert not reply.tool_calls and "no information" in reply.text


@pytest.mark.parametrize(
    "text", ["not the moroccan one, she likes simpler things", "anything but paper? too flimsy"]
)
def test_a_refusal_with_its_reason_keeps_the_listing(text: str) -> None:
    args = {"query": "lantern", "category": "lantern", "max_price": 9.0}
    out = {"total": 3, "products": [_summary(p) for p in ("901", "902", "903")]}
    listed = _turn("lanterns under £9", "search_products", args, out)
    reply = _reply([*listed, HumanMessage(text)])
    new = reply.tool_calls[0]["args"]
    assert new["category"] == "lantern" and new["max_price"] == 9.0
    assert new["exclude"] in (["moroccan"], ["paper"])


@pytest.mark.parametrize("text", ["whens it back in?", "when's it back?"])
def test_when_the_product_in_play_is_back_is_a_stock_check(text: str) -> None:
    reply = _reply([*_looked_at("903"), HumanMessage(text)])
    assert reply.tool_calls[0]["name"] == "check_inventory"
    assert reply.tool_calls[0]["args"] == {"product_id": "903"}
