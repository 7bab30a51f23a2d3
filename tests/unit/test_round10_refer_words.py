"""Round 10: a product picked by the words that tell it apart, little words and counts too
("is the keep warm one …", "the 6 owl set, stock?"), and "the cheaper one" of a listing of two."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.nlu import NluContext, ShownProduct, understand
from agents.offline.planner import OfflinePlanner
from agents.offline.references import title_holds
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="71", title="Tea Cosy Keep Warm", category="tea cosy", price=6.0),
    Product(id="72", title="Tea Cosy Stay Warm", category="tea cosy", price=7.0),
    Product(id="73", title="Tea Cosy Plain Grey", category="tea cosy", price=5.0),
    Product(id="74", title="Keep Warm Hand Warmer", category="hand warmer", price=3.0),
    Product(id="81", title="Scented Candles 6 Owls", category="candles", price=9.0),
    Product(id="82", title="Scented Candles Hedgehogs", category="candles", price=14.0),
    Product(id="83", title="Owl Tea Light Holder", category="candles", price=4.0),
]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset({"search_products", "get_product", "check_inventory"})


def _shown(*ids: str) -> list[ShownProduct]:
    return [
        ShownProduct(id=p.id, title=p.title, price=p.price, currency="GBP", category=p.category)
        for p in PRODUCTS
        if p.id in ids
    ]


def test_a_little_word_of_the_title_tells_the_unshown_one_apart() -> None:
    shown = _shown("73")
    ctx = NluContext(has_search=True, category="tea cosy", shown=shown, known={})
    u = understand("does the keep warm one cost the same?", VOCAB, ctx)
    assert [r.product_id for r in u.references] == ["71"]
    u = understand("does the stay warm one cost the same?", VOCAB, ctx)
    assert [r.product_id for r in u.references] == ["72"]


def test_a_count_and_a_word_before_set_name_one_product_of_the_kind() -> None:
    ctx = NluContext(has_search=True, category="candle", shown=_shown("83"), known={})
    u = understand("the 6 owl set, how many in stock?", VOCAB, ctx)
    assert [r.product_id for r in u.references] == ["81"]
    u = understand("the 6 badger set, how many in stock?", VOCAB, ctx)
    assert not [r for r in u.references if r.kind == "title"]  # no title holds "badger"


def test_a_singular_word_is_held_by_its_plural_in_a_title() -> None:
    assert title_holds({"scented", "candles", "6", "owls"}, "owl")
    assert title_holds({"scented", "candles", "6", "owls"}, "candle")
    assert not title_holds({"owl", "tea", "light", "holder"}, "lantern")


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
        if p.id in ("81", "82")
    ]
    return {"total": len(rows), "products": rows}


def _after_two_listed(question: str) -> AIMessage:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    planner = planner.model_copy(update={"tool_names": TOOLS})
    messages: list[BaseMessage] = [HumanMessage("owl candles")]
    reply = planner.invoke(messages)
    call = reply.tool_calls[0]
    assert call["name"] == "search_products"
    messages += [reply, ToolMessage(json.dumps(_search(call["args"])), tool_call_id=call["id"])]
    messages += [planner.invoke(messages), HumanMessage(question)]
    reply = planner.invoke(messages)
    assert isinstance(reply, AIMessage)
    return reply


def test_the_cheaper_one_of_two_listed_is_looked_up() -> None:
    reply = _after_two_listed("the cheaper one, do you still have it?")
    assert [(c["name"], c["args"].get("product_id")) for c in reply.tool_calls] == [
        ("get_product", "81")
    ]
    reply = _after_two_listed("and the more expensive one - how big is it?")
    assert [(c["name"], c["args"].get("product_id")) for c in reply.tool_calls] == [
        ("get_product", "82")
    ]


def _product(pid: str) -> dict[str, Any]:
    p = next(p for p in PRODUCTS if p.id == pid)
    return {
        "id": p.id,
        "title": p.title,
        "price": p.price,
        "currency": "GBP",
        "category": p.category,
        "in_stock": True,
    }


def test_a_cheaper_version_of_it_is_the_kind_below_its_price() -> None:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    planner = planner.model_copy(update={"tool_names": TOOLS})
    messages: list[BaseMessage] = [HumanMessage("tell me about the Tea Cosy Stay Warm")]
    reply = planner.invoke(messages)
    call = reply.tool_calls[0]
    assert (call["name"], call["args"]["product_id"]) == ("get_product", "72")
    messages += [reply, ToolMessage(json.dumps(_product("72")), tool_call_id=call["id"])]
    messages += [planner.invoke(messages), HumanMessage("got a cheaper or smaller one of that?")]
    reply = planner.invoke(messages)
    assert isinstance(reply, AIMessage)
    [call] = reply.tool_calls
    assert call["name"] == "search_products"
    assert call["args"]["category"] == "tea cosy"
    assert call["args"]["max_price"] < 7.0


def _fake_tool(name: str, args: dict[str, Any]) -> dict[str, Any]:
    if name == "search_products":
        rows = [_product(p.id) for p in PRODUCTS if p.category == args.get("category")]
        return {"total": len(rows), "products": rows}
    return {**_product(args["product_id"]), "stock_level": 12, "product_id": args["product_id"]}


def _run_turn(planner: OfflinePlanner, messages: list[BaseMessage]) -> list[tuple[str, Any]]:
    """Plan until the planner answers, every call fed from ``_fake_tool``; the calls made."""
    made: list[tuple[str, Any]] = []
    for _ in range(6):
        reply = planner.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            return made
        for call in reply.tool_calls:
            made.append((call["name"], call["args"]))
            out = json.dumps(_fake_tool(call["name"], call["args"]))
            messages.append(ToolMessage(out, tool_call_id=call["id"]))
    raise AssertionError("the planner never answered")


def test_a_count_with_a_wish_for_similar_ones_lists_the_kind_too() -> None:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    planner = planner.model_copy(update={"tool_names": TOOLS})
    messages: list[BaseMessage] = [HumanMessage("is the Tea Cosy Stay Warm in stock?")]
    assert [c[0] for c in _run_turn(planner, messages)] == ["check_inventory"]
    messages.append(HumanMessage("I need 30 of those. any similar tea cosies to get instead?"))
    made = _run_turn(planner, messages)
    searches = [args for name, args in made if name == "search_products"]
    assert searches and searches[-1]["category"] == "tea cosy"
    assert searches[-1]["in_stock_only"] is True
    answer = str(messages[-1].content)
    assert "30 ×" in answer  # the count is answered before the similar ones
    assert "Tea Cosy Keep Warm" in answer.split("30 ×", 1)[1]


def test_words_in_a_row_only_one_title_holds_name_it_before_any_search() -> None:
    ctx = NluContext(has_search=False, shown=[], known={})
    u = understand("the scented hedgehogs look sweet, what do they cost?", VOCAB, ctx)
    assert [r.product_id for r in u.references] == ["82"]
    u = understand("stay warm cosy for my mum, how many have you got", VOCAB, ctx)
    assert [r.product_id for r in u.references] == ["72"]
    u = understand("how much are the scented candles?", VOCAB, ctx)
    assert not [r for r in u.references if r.kind == "title"]  # two titles hold them
    u = understand("neither of those, show me the stay warm cosy", VOCAB, ctx)
    assert not [r for r in u.references if r.kind == "title"]  # neither price nor stock


def test_a_choice_said_among_those_shown_is_what_it_means_next() -> None:
    shown = _shown("71", "72")
    ctx = NluContext(has_search=True, category="tea cosy", shown=shown, known={}, focus="71")
    u = understand("right, we'll take the stay one. is it in stock?", VOCAB, ctx)
    assert [r.product_id for r in u.references] == ["72"]
    u = understand("I'll have the warm one. is it in stock?", VOCAB, ctx)
    assert not [r for r in u.references if r.kind == "title"]  # both titles hold "warm"
