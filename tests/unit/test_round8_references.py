"""Round 8: which shown product a message means. A word or two of one title ("the gingham
one", "the kiddies ones"), "the other one" of two, "it" after a search that named one title
exactly, another version after one product found ("and the sage one?"); a question back only
when several titles fit, and never for a product ruled out ("anything but the sage one")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.planner import OfflinePlanner
from agents.offline.references import one_phrase_words
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="81", title="Apron Gingham Blue", category="apron", price=5.5),
    Product(id="82", title="Apron Childrens Dinosaur", category="apron", price=3.75),
    Product(id="83", title="Apron Floral Linen", category="apron", price=7.0),
    Product(id="84", title="Enamel Jug Cream", category="jug", price=6.0),
    Product(id="85", title="Enamel Jug Sage", category="jug", price=7.25),
    Product(id="86", title="Picnic Blanket", category="blanket", price=12.0),
    Product(id="87", title="Picnic Blanket Tartan Wool", category="blanket", price=18.0),
]
BY_ID = {p.id: p for p in PRODUCTS}
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset({"search_products", "get_product", "check_inventory"})


def _planner() -> OfflinePlanner:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    return planner.model_copy(update={"tool_names": TOOLS})


def _summary(pid: str) -> dict[str, Any]:
    p = BY_ID[pid]
    return {"id": p.id, "title": p.title, "price": p.price, "currency": "GBP", "in_stock": True}


def _listed(text: str, query: str, ids: list[str]) -> list[BaseMessage]:
    call = AIMessage(
        "", tool_calls=[{"name": "search_products", "args": {"query": query}, "id": "s1"}]
    )
    found = {"products": [_summary(i) for i in ids], "total": len(ids)}
    return [
        HumanMessage(text),
        call,
        ToolMessage(json.dumps(found), tool_call_id="s1"),
        AIMessage(""),
    ]


def _looked_at(pid: str) -> list[BaseMessage]:
    call = AIMessage(
        "", tool_calls=[{"name": "get_product", "args": {"product_id": pid}, "id": "g1"}]
    )
    return [
        HumanMessage("tell me about that"),
        call,
        ToolMessage(json.dumps({**_summary(pid), "stock": 20}), tool_call_id="g1"),
        AIMessage(""),
    ]


APRONS = _listed("aprons", "apron", ["81", "82", "83"])


def _first_call(messages: list[BaseMessage]) -> tuple[str, str]:
    reply = _planner().invoke(messages)
    assert reply.tool_calls, reply.content
    call = reply.tool_calls[0]
    return call["name"], str(call["args"].get("product_id", call["args"].get("query")))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("how much is the gingham one", ["gingham"]),
        ("and how many tartan wool ones are left", ["tartan", "wool"]),
        ("is the first one in stock", []),
        ("which one", []),
    ],
)
def test_the_words_before_one_tell_a_product_apart(text: str, words: list[str]) -> None:
    assert one_phrase_words(text) == words


@pytest.mark.parametrize(
    ("text", "pid"),
    [
        ("what does the gingham one cost and is it washable", "81"),
        ("the kiddies one?", "82"),
        ("got the linen ones in stock", "83"),
    ],
)
def test_a_word_of_one_shown_title_points_at_it(text: str, pid: str) -> None:
    assert _first_call([*APRONS, HumanMessage(text)])[1] == pid


def test_several_titles_fitting_the_words_get_a_question_back() -> None:
    jugs = _listed("jugs", "jug", ["84", "85"])
    reply = _planner().invoke([*jugs, HumanMessage("how much is the enamel one")])
    assert not reply.tool_calls and "Which one" in str(reply.content)


def test_the_other_one_of_two_is_the_one_not_in_focus() -> None:
    jugs = _listed("jugs", "jug", ["84", "85"])
    messages = [*jugs, *_looked_at("84"), HumanMessage("and the other one?")]
    assert _first_call(messages) == ("get_product", "85")


def test_it_after_a_search_naming_one_title_exactly_is_that_product() -> None:
    blankets = _listed("picnic blanket", "picnic blanket", ["86", "87"])
    assert _first_call([*blankets, HumanMessage("what's it cost")]) == ("get_product", "86")


def test_a_ruled_out_product_is_not_pointed_at() -> None:
    jugs = _listed("jugs", "jug", ["84", "85"])
    reply = _planner().invoke([*jugs, HumanMessage("anything but the sage one?")])
    assert all(c["args"].get("product_id") != "85" for c in reply.tool_calls)


def test_another_version_after_one_product_found() -> None:
    cream = _listed("cream enamel jug", "enamel jug cream", ["84"])
    assert _first_call([*cream, HumanMessage("ok and the sage one?")]) == ("get_product", "85")


def test_of_several_seen_earlier_the_one_looked_at_alone_is_meant() -> None:
    blankets = _listed("picnic blankets", "blanket", ["86", "87"])
    towels = _listed("aprons", "apron", ["81", "82"])
    messages = [
        *blankets,
        *_looked_at("87"),
        *towels,
        HumanMessage("back to the blanket, in stock?"),
    ]
    assert _first_call(messages) == ("check_inventory", "87")
