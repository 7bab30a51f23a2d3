"""Round 6: one product picked from those shown by the size its title says ("which is the
largest?") or, after two were looked at side by side, by price ("the cheaper one?")."""

from __future__ import annotations

import json

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.planner import OfflinePlanner
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="81", title="Wicker Basket Small", category="basket", price=3.0),
    Product(id="82", title="Wicker Basket Extra Large", category="basket", price=9.0),
    Product(id="83", title="Wicker Basket Large", category="basket", price=7.0),
    Product(id="84", title="Seagrass Basket", category="basket", price=5.0),
]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)


def _planner() -> OfflinePlanner:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    return planner.model_copy(update={"tool_names": frozenset({"search_products", "get_product"})})


def _summary(p: Product) -> dict[str, object]:
    return {"id": p.id, "title": p.title, "price": p.price, "currency": "GBP"}


def _listed(products: list[Product]) -> list[BaseMessage]:
    call = AIMessage("", tool_calls=[{"name": "search_products", "args": {"query": "basket"},
                                       "id": "s1"}])  # fmt: skip
    out = {"products": [_summary(p) for p in products], "total": len(products)}
    return [HumanMessage("baskets"), call, ToolMessage(json.dumps(out), tool_call_id="s1"),
            AIMessage("listed")]  # fmt: skip


def _compared(products: list[Product]) -> list[BaseMessage]:
    calls = [{"name": "get_product", "args": {"product_id": p.id}, "id": f"d{p.id}"}
             for p in products]  # fmt: skip
    results = [ToolMessage(json.dumps(_summary(p)), tool_call_id=f"d{p.id}") for p in products]
    return [HumanMessage("compare these two"), AIMessage("", tool_calls=calls), *results,
            AIMessage("both shown")]  # fmt: skip


def _looked_up(messages: list[BaseMessage], text: str) -> list[str]:
    reply = _planner().invoke([*messages, HumanMessage(text)])
    return [c["args"].get("product_id", "") for c in reply.tool_calls]


def test_the_largest_by_the_size_words_of_the_titles() -> None:
    assert _looked_up(_listed(PRODUCTS), "which one is the largest?") == ["82"]
    assert _looked_up(_listed(PRODUCTS), "and the tiniest") == ["81"]


def test_one_large_among_titles_that_say_no_size_is_the_biggest() -> None:
    assert _looked_up(_listed([PRODUCTS[2], PRODUCTS[3]]), "what's the biggest") == ["83"]


def test_titles_that_say_no_size_leave_the_question_to_shopping() -> None:
    reply = _planner().invoke([*_listed([PRODUCTS[3]]), HumanMessage("the smallest?")])
    assert all(c["name"] != "get_product" for c in reply.tool_calls)


def test_after_two_compared_the_cheaper_and_the_dearer() -> None:
    pair = _compared([PRODUCTS[1], PRODUCTS[3]])
    assert _looked_up(pair, "which is cheaper") == ["84"]
    assert _looked_up(pair, "and which one's pricier?") == ["82"]
