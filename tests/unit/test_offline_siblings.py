"""Another version of the product in focus ("and the silver version?"), by its title."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.planner import OfflinePlanner
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="31", title="Enamel Flower Jug Cream", category="jug", price=3.75,
            attributes={"colour": ["cream"]}),
    Product(id="32", title="Enamel Flower Jug Blue", category="jug", price=3.75,
            attributes={"colour": ["blue"]}),
    Product(id="33", title="Blue Enamel Bowl", category="bowl", price=2.1,
            attributes={"colour": ["blue"]}),
]  # fmt: skip
VOCAB = CatalogVocabulary.from_products(PRODUCTS)


def _planner() -> OfflinePlanner:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    return planner.model_copy(update={"tool_names": frozenset({"search_products", "get_product"})})


def _looked_at(name: str, args: dict[str, object], output: str) -> list[BaseMessage]:
    call = AIMessage("", tool_calls=[{"name": name, "args": args, "id": "c1"}])
    return [HumanMessage("first"), call, ToolMessage(output, tool_call_id="c1"), AIMessage("ok")]


JUG = '{"id": "31", "title": "Enamel Flower Jug Cream", "price": 3.75}'


def test_the_other_colour_of_a_product_looked_at_is_read() -> None:
    messages = _looked_at("get_product", {"product_id": "31"}, JUG)
    message = _planner().invoke([*messages, HumanMessage("and the blue version?")])
    assert [c["name"] for c in message.tool_calls] == ["get_product"]
    assert message.tool_calls[0]["args"] == {"product_id": "32"}


def test_after_a_listing_another_colour_refines_the_search() -> None:
    listing = '{"products": [' + JUG + '], "total": 1}'
    messages = _looked_at("search_products", {"query": "jug", "category": "jug"}, listing)
    message = _planner().invoke([*messages, HumanMessage("what about blue?")])
    assert [c["name"] for c in message.tool_calls] == ["search_products"]


def test_a_new_product_kind_in_the_colour_is_a_search() -> None:
    messages = _looked_at("get_product", {"product_id": "31"}, JUG)
    message = _planner().invoke([*messages, HumanMessage("a blue bowl instead")])
    assert [c["name"] for c in message.tool_calls] == ["search_products"]
