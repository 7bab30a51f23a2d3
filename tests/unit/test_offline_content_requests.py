"""Merchandiser prompts in the chat: the offline planner calls write_product_content."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from agents.offline import CatalogVocabulary, OfflinePlanner
from agents.offline.content_requests import content_args, is_content_request
from graphs.chat import build_graph
from graphs.content import ContentGraph
from graphs.turns import run_turn
from tools.analyze.local import LocalAnalyzer
from tools.catalog.sqlite import SqliteStore
from tools.content.local_store import LocalContentStore
from tools.content.offline_writer import OfflineWriter
from tools.content.tools import content_tools
from tools.models import Product

STAND = Product(
    id="22423",
    title="Regency Cakestand 3 Tier",
    description="Regency cakestand 3 tier.",
    category="cake stand",
    price=12.75,
    attributes={"colour": ["white"]},
)
VOCAB = CatalogVocabulary.from_products([STAND])


@pytest.mark.parametrize(
    ("text", "args"),
    [
        (
            "write a playful description for 22423 in German",
            {"product_id": "22423", "tone": "playful", "language": "de"},
        ),
        ("Draft SEO copy for 22423 auf Deutsch", {"product_id": "22423", "language": "de"}),
        (
            "SEO copy for 22423, keywords: cake stand, afternoon tea",
            {"product_id": "22423", "keywords": ["cake stand", "afternoon tea"]},
        ),
        (
            "a playful blurb in Spanish for 22423",
            {"product_id": "22423", "tone": "playful", "language": "es"},
        ),
        ("write an Italian listing for it", {"product_id": "FOCUS", "language": "it"}),
        (
            "could you put together an Italian product description for 22423, practical tone",
            {"product_id": "22423", "language": "it", "tone": "practical"},
        ),
        ("rewrite the title of it, elegant please", {"product_id": "FOCUS", "tone": "elegant"}),
    ],
)
def test_requests_are_read(text: str, args: dict[str, str]) -> None:
    assert is_content_request(text)
    assert content_args(text, VOCAB, "FOCUS") == args


@pytest.mark.parametrize("text", ["is 22423 in stock?", "show me a description of mugs"])
def test_shopping_messages_are_not_content_requests(text: str) -> None:
    assert not is_content_request(text)


@pytest.fixture
def chat(tmp_path: Path) -> object:
    store = SqliteStore(tmp_path / "store.sqlite")
    store.put_product(STAND)
    author = ContentGraph(
        store, LocalContentStore(tmp_path / "content"), OfflineWriter(), LocalAnalyzer()
    )
    tools = [spec.as_langchain_tool() for spec in content_tools(author)]
    return build_graph(OfflinePlanner(vocabulary=VOCAB), tools, InMemorySaver())


async def test_a_merchandiser_prompt_writes_and_shows_the_copy(chat: object) -> None:
    result = await run_turn(chat, "t1", "write a playful description for 22423 in German")  # type: ignore[arg-type]
    assert [c["name"] for c in result.tool_calls] == ["write_product_content"]
    assert result.tool_calls[0]["args"] == {
        "product_id": "22423",
        "tone": "playful",
        "language": "de",
    }
    assert "Here is the de copy for product 22423 (version 1, playful tone)" in result.answer
    assert "Regency Cakestand 3 Tier" in result.answer and "Farbe: weiß" in result.answer


async def test_errors_are_relayed_with_what_is_supported(chat: object) -> None:
    unknown = await run_turn(chat, "t2", "write a description for 99999")  # type: ignore[arg-type]
    assert "no product has id '99999'" in unknown.answer
    foreign = await run_turn(chat, "t3", "write a description for 22423 in Japanese")  # type: ignore[arg-type]
    assert "not supported; supported: en (English), de (German)" in foreign.answer


def test_a_language_named_anywhere_is_passed_on() -> None:
    assert content_args("write French product copy for 22423", VOCAB, None) == {
        "product_id": "22423",
        "language": "fr",
    }


async def test_same_again_repeats_the_last_copy_request_in_the_new_language(chat: object) -> None:
    await run_turn(chat, "t4", "write an elegant description for 22423")  # type: ignore[arg-type]
    again = await run_turn(chat, "t4", "same again in Italian")  # type: ignore[arg-type]
    assert [(c["name"], c["args"]) for c in again.tool_calls] == [
        ("write_product_content", {"product_id": "22423", "tone": "elegant", "language": "it"})
    ]
    assert "Here is the it copy for product 22423" in again.answer


def test_same_again_without_earlier_copy_is_not_a_content_request() -> None:
    from langchain_core.messages import HumanMessage

    from agents.offline.content_requests import content_step
    from agents.offline.dialogue import Dialogue, Store
    from agents.offline.store_policy import StorePolicy

    store = Store(VOCAB, StorePolicy(), frozenset({"write_product_content"}), max_tool_rounds=4)
    assert content_step(Dialogue([HumanMessage("same again in Italian")], store)) is None


async def test_a_short_language_follow_up_right_after_copy_asks_again(chat: object) -> None:
    await run_turn(chat, "t5", "write a description for 22423")  # type: ignore[arg-type]
    spanish = await run_turn(chat, "t5", "and in Spanish?")  # type: ignore[arg-type]
    french = await run_turn(chat, "t5", "French too please")  # type: ignore[arg-type]
    assert [c["args"] for c in spanish.tool_calls] == [{"product_id": "22423", "language": "es"}]
    assert [c["args"] for c in french.tool_calls] == [{"product_id": "22423", "language": "fr"}]


async def test_make_it_more_playful_rewrites_the_last_copy_in_that_tone(chat: object) -> None:
    await run_turn(chat, "t6", "write copy for 22423")  # type: ignore[arg-type]
    playful = await run_turn(chat, "t6", "make it more playful")  # type: ignore[arg-type]
    assert [c["args"] for c in playful.tool_calls] == [{"product_id": "22423", "tone": "playful"}]


def test_product_text_named_outright_is_a_content_request() -> None:
    assert is_content_request("playful product text in french for 22423")
    assert not is_content_request("what does the product text of 22423 say?")
