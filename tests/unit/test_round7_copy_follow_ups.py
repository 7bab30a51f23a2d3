"""Round 7: a merchandiser's follow-up on copy just written ("a snappier take", "and the
ivory one, same again") asks for the copy again, in the tone or for the other version it
names; a product named before the target keywords is found whole."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.content_requests import content_args
from agents.offline.planner import OfflinePlanner
from agents.offline.shorthand import expand_shorthand
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="71", title="Enamel Bread Bin Cream", category="bread bin", price=9.0,
            attributes={"colour": ["cream"]}),
    Product(id="72", title="Enamel Bread Bin Sage", category="bread bin", price=9.0,
            attributes={"colour": ["sage"]}),
    Product(id="73", title="Enamel Bread Bin Navy", category="bread bin", price=9.5,
            attributes={"colour": ["navy"]}),
    Product(id="74", title="Linen Tea Towel Stripes", category="tea towel", price=2.5),
]  # fmt: skip
VOCAB = CatalogVocabulary.from_products(PRODUCTS)


def _written(product_id: str, tone: str = "neutral") -> list[BaseMessage]:
    args = {"product_id": product_id, "tone": tone}
    call = AIMessage("", tool_calls=[{"name": "write_product_content", "args": args, "id": "w1"}])
    copy = {"title": "t", "description": "d", "bullets": [], "keywords": []}
    out = {"product_id": product_id, "language": "en", "tone": tone, "version": 1, "content": copy}
    result = ToolMessage(json.dumps(out), tool_call_id="w1")
    return [HumanMessage(f"write copy for {product_id}"), call, result, AIMessage("Here it is")]


def _next_call(messages: list[BaseMessage], text: str) -> dict[str, object]:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    tools = frozenset({"write_product_content", "search_products", "get_product"})
    reply = planner.model_copy(update={"tool_names": tools}).invoke([*messages, HumanMessage(text)])
    assert isinstance(reply, AIMessage)
    assert [c["name"] for c in reply.tool_calls] == ["write_product_content"]
    return dict(reply.tool_calls[0]["args"])


@pytest.mark.parametrize(
    ("text", "tone"),
    [
        ("can I get a snappier version", "playful"),
        ("now a classier take please", "elegant"),
        ("try a no-nonsense rewrite", "practical"),
        ("another draft", "neutral"),
    ],
)
def test_another_take_in_the_tone_named(text: str, tone: str) -> None:
    assert _next_call(_written("71"), text) == {"product_id": "71", "tone": tone}


@pytest.mark.parametrize(
    ("text", "product_id"),
    [("brilliant. and the sage one, same deal", "72"), ("same treatment for the navy", "73")],
)
def test_the_other_version_named_gets_the_same_copy(text: str, product_id: str) -> None:
    assert _next_call(_written("71", "playful"), text) == {
        "product_id": product_id,
        "tone": "playful",
    }


def test_a_title_before_the_keywords_is_found() -> None:
    text = "playful blurb for Linen Tea Towel Stripes, weave in the keywords 'kitchen linen'"
    assert content_args(text, VOCAB, None)["product_id"] == "74"


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("Perfect. And the sage one?", "And the sage one?"),
        ("super, now the navy one", "now the navy one"),
        ("lovely and cheap mugs", "lovely and cheap mugs"),
    ],
)
def test_a_word_of_approval_before_a_follow_up_is_no_product(text: str, rest: str) -> None:
    assert expand_shorthand(text) == rest


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("Thanks ever so. Is it in stock?", "Thanks ever so. Is it in stock?"),
        (
            "Thank you very much! And what does the sage one cost?",
            "And what does the sage one cost?",
        ),
        ("cheers mate, which is cheaper", "which is cheaper"),
        ("thanks, that's all", "thanks, that's all"),
    ],
)
def test_thanks_before_a_question_leaves_the_question(text: str, rest: str) -> None:
    assert expand_shorthand(text) == rest
