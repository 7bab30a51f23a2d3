"""Round 9: "is the <words> one available?" over a listing of a kind that did not show it: the
one product of that kind whose title holds the words, looked up instead of a new search."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.nlu import NluContext, ShownProduct, understand
from agents.offline.planner import OfflinePlanner
from agents.offline.references import kind_one_reference
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="91", title="Tea Cosy Spotty Blue", category="tea cosy", price=6.5),
    Product(id="92", title="Tea Cosy Knitted Sheep", category="tea cosy", price=8.0),
    Product(id="93", title="Tea Cosy Union Jack", category="tea cosy", price=7.0),
    Product(id="94", title="Tea Cosy Union Jack Stripe", category="tea cosy", price=7.5),
    Product(id="95", title="Union Jack Bunting", category="bunting", price=4.0),
]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset({"search_products", "get_product", "check_inventory"})
SHOWN = [
    ShownProduct(id=p.id, title=p.title, price=p.price, currency="GBP", category=p.category)
    for p in PRODUCTS[:2]
]


def _ctx(category: str | None) -> NluContext:
    return NluContext(
        has_search=True,
        category=category,
        shown=SHOWN,
        known={p.id: p for p in SHOWN},
    )


def test_words_before_one_name_the_unshown_product_of_the_kind() -> None:
    u = understand("is the knitted sheep one still going?", VOCAB, _ctx("tea cosy"))
    assert [r.product_id for r in u.references] == ["92"]  # shown: the shown one wins
    u = understand("got the spotty one?", VOCAB, _ctx("tea cosy"))
    assert [r.product_id for r in u.references] == ["91"]


def test_an_unshown_title_of_the_listed_kind_is_found() -> None:
    ctx = NluContext(has_search=True, category="tea cosy", shown=SHOWN[:1], known={})
    u = understand("and the knitted sheep one, how much?", VOCAB, ctx)
    assert [r.product_id for r in u.references] == ["92"]


def test_two_titles_fitting_the_words_name_none() -> None:
    ctx = NluContext(has_search=True, category="tea cosy", shown=SHOWN, known={})
    u = understand("is the union one in stock", VOCAB, ctx)
    assert not [r for r in u.references if r.kind == "title"]
    assert not kind_one_reference(u, ctx, VOCAB)


def test_without_a_listed_kind_nothing_is_guessed() -> None:
    ctx = NluContext(has_search=False, category=None, shown=[], known={})
    u = understand("is the knitted sheep one in stock", VOCAB, ctx)
    assert not kind_one_reference(u, ctx, VOCAB)


def _search(args: dict[str, Any]) -> dict[str, Any]:
    rows = [
        {
            "id": p.id,
            "title": p.title,
            "price": p.price,
            "currency": "GBP",
            "category": p.category,
            "in_stock": True,
        }
        for p in PRODUCTS
        if p.category == args.get("category")
    ][:1]
    return {"total": 4, "products": rows}


def test_the_planner_looks_up_the_unshown_one() -> None:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    planner = planner.model_copy(update={"tool_names": TOOLS})
    messages: list[BaseMessage] = [HumanMessage("tea cosies please")]
    reply = planner.invoke(messages)
    call = reply.tool_calls[0]
    assert call["name"] == "search_products"
    messages += [reply, ToolMessage(json.dumps(_search(call["args"])), tool_call_id=call["id"])]
    messages += [planner.invoke(messages), HumanMessage("is the knitted sheep one available?")]
    reply = planner.invoke(messages)
    assert isinstance(reply, AIMessage)
    assert [(c["name"], c["args"].get("product_id")) for c in reply.tool_calls] in (
        [("check_inventory", "92")],
        [("get_product", "92")],
    )
