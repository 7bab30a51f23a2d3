"""Round 6: chat shorthand read as its words, and "what's popular" questions that name no
product (with their time words) answered with what sells."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage

from agents.offline.context import read_conversation
from agents.offline.cues import HELP
from agents.offline.recommending import _only_trending
from agents.offline.shorthand import expand_shorthand


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("what do ppl pair w/ this", "what do people pair with this"),
        ("anything good atm?", "anything good at the moment?"),
        ("r u able to gift wrap", "are you able to gift wrap"),
        ("cups n saucers plz", "cups and saucers please"),
        ("idk, smth for her bday", "i don't know, something for her birthday"),
    ],
)
def test_shorthand_is_written_out(said: str, meant: str) -> None:
    assert expand_shorthand(said) == meant


@pytest.mark.parametrize(
    "kept",
    ["Letter U bunting", "deliver to 12 N Oak Ave", "barn owl doorstop", "turn off", "u-shaped"],
)
def test_letters_and_words_holding_shorthand_stay(kept: str) -> None:
    assert expand_shorthand(kept) == kept


def test_only_the_current_shopper_text_is_rewritten() -> None:
    conv = read_conversation([HumanMessage("hi"), HumanMessage("got smth like it in blue pls")])
    assert conv.text == "got something like it in blue please"


@pytest.mark.parametrize(
    "text",
    [
        "what's hot at the moment",
        "which items are moving fastest these days",
        "what is in demand this week",
        "what are your top sellers right now",
    ],
)
def test_a_popularity_question_alone_is_trending(text: str) -> None:
    assert _only_trending(text)


@pytest.mark.parametrize(
    "text",
    ["which lanterns sell the most", "are the hot water bottles selling well", "popular mugs"],
)
def test_a_popularity_question_about_products_is_not_trending_alone(text: str) -> None:
    assert not _only_trending(text)


@pytest.mark.parametrize(
    ("text", "help_asked"),
    [
        ("what do you sell", True),
        ("what else can you offer", True),
        ("what thicknesses do you have", False),
        ("what sizes do you stock", False),
    ],
)
def test_what_options_you_have_is_no_help_request(text: str, help_asked: bool) -> None:
    assert bool(HELP.search(text)) is help_asked


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("lovely, how much?", "how much?"),
        ("awesome what sizes does it come in", "what sizes does it come in"),
        ("ooh do you have it in green", "do you have it in green"),
        ("cool bags for the beach", "cool bags for the beach"),
        ("ok do it", "ok do it"),
        ("great thanks", "great thanks"),
    ],
)
def test_an_interjection_before_a_question_is_left_out(said: str, meant: str) -> None:
    assert expand_shorthand(said) == meant
