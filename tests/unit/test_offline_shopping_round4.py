"""Planner round 4, shopping side: each failure kind read with wordings made up for the test."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.context import Conversation, ToolRecord
from agents.offline.nlu import NluContext, ShownProduct, understand
from agents.offline.planner import OfflinePlanner
from agents.offline.relax import relaxations
from agents.offline.search_arguments import refine_fallbacks
from agents.offline.shopping import _guessed_category
from agents.offline.supply import (
    is_reorder_question,
    reorder_args,
    reorder_follow_up,
    restock_line,
)
from agents.offline.text import normalize
from agents.offline.text_checks import language_line, pii_line, requested_features
from agents.offline.vocabulary import CatalogVocabulary
from tests.unit.offline_catalog import GIFTWARE
from tests.unit.test_offline_planner import Shop

GIFT = CatalogVocabulary.from_products(GIFTWARE)
SHOWN = [
    ShownProduct("22386", "Jumbo Bag Pink Polkadot", 2.08, "GBP", "bag"),
    ShownProduct("85099B", "Jumbo Bag Red Retrospot", 2.08, "GBP", "bag"),
]
AFTER_BAGS = NluContext(
    has_search=True, category="bag", shown=SHOWN, known={p.id.lower(): p for p in SHOWN}
)


@pytest.fixture
def gift() -> Shop:
    return Shop(GIFTWARE)


# ------------------------------------------------------- interjections and degree words


@pytest.mark.parametrize(
    ("text", "excluded", "attributes"),
    [
        ("urghh, nothing red", ["red"], {}),
        ("meh. the glass ones maybe", [], {"material": "glass"}),
        ("pfft no polkadot please", ["polkadot"], {}),
        ("hmmm, blue instead?", [], {"colour": "blue"}),
    ],
)
def test_a_sound_of_feeling_is_never_searched_for(
    text: str, excluded: list[str], attributes: dict[str, str]
) -> None:
    u = understand(text, GIFT, AFTER_BAGS)
    assert u.query_words == []
    assert u.intent == "refine"
    assert u.excluded == excluded
    assert u.attributes == attributes


@pytest.mark.parametrize("text", ["slightly cheaper?", "even cheaper ones", "somewhat cheaper"])
def test_a_degree_word_only_says_how_much(text: str) -> None:
    u = understand(text, GIFT, AFTER_BAGS)
    assert (u.intent, u.query_words, u.cheaper) == ("refine", [], True)


def test_a_catalog_word_that_sounds_like_one_is_kept() -> None:
    vocab = CatalogVocabulary.from_products(
        [*GIFTWARE, GIFTWARE[0].model_copy(update={"id": "X1", "title": "Ooh La La Mug"})]
    )
    assert "ooh" in understand("ooh la la mug", vocab).query_words


async def test_an_interjection_after_a_search_refines_it(gift: Shop) -> None:
    await gift.say("jumbo bags")
    turn = await gift.say("ugh, not pink")
    ((name, args),) = gift.calls(turn)
    assert name == "search_products"
    assert args["exclude"] == ["pink"] and "ugh" not in args["query"]


# ------------------------------------------------------- small talk, off-topic, farewells


@pytest.mark.parametrize(
    ("text", "answer_has"),
    [
        ("what film would you say is worth watching tonight", "can't help"),
        ("what is the tallest building in the world", "can't help"),
        ("who do you reckon wins the grand prix on sunday", "can't help"),
        ("brill, that's everything, toodles", "Goodbye"),
        ("ta muchly, laters", "Goodbye"),
        ("cheers pal", "You're welcome"),
        ("heh, you're surprisingly good at this", "shop's assistant"),
    ],
)
async def test_off_topic_and_goodbyes_are_answered_without_a_search(
    gift: Shop, text: str, answer_has: str
) -> None:
    turn = await gift.say(text)
    assert gift.calls(turn) == []
    assert answer_has in gift.answer(turn)


def test_an_option_word_alone_does_not_outweigh_an_off_topic_word() -> None:
    assert understand("who won the cricket in red and white?", GIFT).intent == "out_of_scope"
    assert understand("any red mugs for a cricket fan?", GIFT).intent == "search"


def test_lacking_something_is_no_exclusion() -> None:
    u = understand("we've got no mugs at home, need a couple", GIFT)
    assert u.excluded == [] and "mugs" in u.query_words
    assert understand("mugs, no red", GIFT).excluded == ["red"]


# ------------------------------------------------------- prices of every product shown


@pytest.mark.parametrize("question", ["and what do these cost?", "prices of those?", "how much?"])
async def test_a_price_question_over_a_listing_answers_for_every_product(
    gift: Shop, question: str
) -> None:
    await gift.say("mugs")
    turn = await gift.say(question)
    assert gift.calls(turn) == []
    answer = gift.answer(turn)
    for line in ("Red Retrospot Mug — £2.95", "Vintage Red Mug — £1.25"):
        assert line in answer


async def test_one_price_for_all_is_said_once(gift: Shop) -> None:
    await gift.say("jumbo bags")
    answer = gift.answer(await gift.say("how much are they each"))
    assert answer.startswith("They all cost £2.08")


async def test_a_price_question_about_one_product_still_looks_it_up(gift: Shop) -> None:
    await gift.say("mugs")
    turn = await gift.say("how much is the third one?")
    assert gift.calls(turn)[0][0] == "get_product"


# ------------------------------------------------------- gifts: the price outlasts the guess


async def test_a_gift_budget_outlasts_the_kind_guessed_for_it(gift: Shop) -> None:
    turn = await gift.say("a present for my aunt who loves tea, under £3")
    calls = gift.calls(turn)
    assert calls[0][1]["category"] == "teapot"  # read by meaning: nothing under £3
    assert calls[-1][1] == {"query": "", "max_price": 3.0, "sort": "popularity"}
    assert "with any kind of product" in gift.answer(turn)
    assert "£7.95" not in gift.answer(turn)


def test_a_kind_the_shopper_named_is_never_dropped_for_the_price() -> None:
    args = {"query": "lantern", "category": "lantern", "min_price": 20.0, "max_price": 40.0}
    said = relaxations(args, GIFT)
    assert all(step.args.get("query") == "lantern" for step in said)
    guessed = relaxations(args, GIFT, guessed=True)
    assert guessed[1].args == {
        "query": "",
        "min_price": 20.0,
        "max_price": 40.0,
        "sort": "popularity",
    }


def test_a_refinement_gives_up_a_guessed_category_and_keeps_the_words() -> None:
    u = understand("any of those under a fiver?", GIFT, AFTER_BAGS)
    refined = {"query": "lantern", "category": "lantern", "max_price": 5.0}
    (step,) = refine_fallbacks(u, refined, guessed=True)
    assert step.args == {"query": "lantern", "max_price": 5.0}
    assert refine_fallbacks(u, refined) == []
    cheaper = understand("bit cheaper?", GIFT, AFTER_BAGS)
    assert [s.args for s in refine_fallbacks(cheaper, refined, guessed=True)] == [step.args]


def test_a_category_never_said_in_the_conversation_is_a_guess() -> None:
    conv = Conversation(turn_texts=["my niece is mad about hearts, gift ideas?"])
    assert _guessed_category({"query": "doormat", "category": "doormat"}, conv)
    conv = Conversation(turn_texts=["show me doormats please"])
    assert not _guessed_category({"query": "doormat", "category": "doormat"}, conv)


# ------------------------------------------------------- reorder lists asked for by how due


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("the 4 lines most in need of restocking", {"limit": 4}),
        (
            "give me the top 12 items due a reorder over the next 3 weeks",
            {"within_days": 21, "limit": 12},
        ),
        ("which skus are urgent to replenish this month", {"within_days": 26}),
        ("anything that needs reordering in 9 days?", {"within_days": 9}),
    ],
)
def test_a_list_asked_for_by_how_due_its_lines_are_is_a_reorder_question(
    text: str, args: dict[str, int]
) -> None:
    assert is_reorder_question(text)
    assert reorder_args(text) == args


@pytest.mark.parametrize(
    "text", ["do we need to reorder it?", "is the doormat due a restock?", "reorder the red mug"]
)
def test_one_product_is_no_reorder_list(text: str) -> None:
    assert not is_reorder_question(text)


def _after_reorder(text: str) -> Conversation:
    record = ToolRecord("c1", "reorder_suggestions", {"within_days": 6}, output={"products": []})
    return Conversation(text=text, has_human=True, turns=[[record]], turn_texts=["reorder?"])


@pytest.mark.parametrize(
    ("text", "follow_up"),
    [
        ("and if we look a month out?", True),
        ("ok what about over the next 15 days", True),
        ("forecast the second one for a week", False),
        ("show me red mugs", False),
    ],
)
def test_a_new_look_ahead_after_a_reorder_list_asks_for_the_list_again(
    text: str, follow_up: bool
) -> None:
    assert reorder_follow_up(_after_reorder(text), normalize(text), GIFT) is follow_up


# ------------------------------------------------------- checks asked of a pasted passage


@pytest.mark.parametrize(
    ("request_text", "features"),
    [
        ("is there any private info in this", ["pii"]),
        ("GDPR check on the following", ["pii"]),
        ("what language has this customer written in", ["language"]),
        ("identify the language and the tone of this reply", ["language", "sentiment"]),
        ("what do people think of this", []),
    ],
)
def test_the_request_names_the_checks(request_text: str, features: list[str]) -> None:
    assert requested_features(request_text) == features


def test_masked_personal_data_is_reported_by_kind_never_by_value() -> None:
    line = pii_line({"pii": [{"type": "POSTCODE"}]}, "call me on [PHONE] any evening")
    assert line == "Yes, that text holds personal data: a postcode and a phone number."
    assert pii_line({"pii": []}, "the lamp works well") == "I found no personal data in that text."
    assert language_line({"language": {"code": "de", "score": 0.91}}) == (
        "That text is in German (91% sure)."
    )


def _routing_planner() -> OfflinePlanner:
    planner = OfflinePlanner(vocabulary=GIFT)
    return planner.model_copy(update={"tool_names": frozenset({"search_products", "analyze_text"})})


@pytest.mark.parametrize(
    ("message", "features", "output", "answer"),
    [
        (
            "could you check whether this comment holds personal details? 'Drop it at "
            "flat 2, my mobile is [PHONE], thanks Sam'",
            ["pii"],
            {"pii": []},
            "a phone number",
        ),
        (
            "which language is this review in: 'Der Becher ist wirklich sehr schön'",
            ["language"],
            {"language": {"code": "de", "score": 0.97}},
            "German",
        ),
    ],
)
def test_a_check_of_a_pasted_passage_calls_the_analyzer_with_those_features(
    message: str, features: list[str], output: dict[str, object], answer: str
) -> None:
    planner = _routing_planner()
    asked = HumanMessage(message)
    call = planner.invoke([asked])
    assert [(c["name"], c["args"]["features"]) for c in call.tool_calls] == [
        ("analyze_text", features)
    ]
    result = ToolMessage(json.dumps(output), tool_call_id=call.tool_calls[0]["id"])
    assert answer in planner.invoke([asked, call, result]).text


# ------------------------------------------------------- a title link needs the title said


@pytest.mark.parametrize(
    "text", ["metal lanterns for the white wall", "i'm after the white metal lanterns"]
)
def test_a_kind_in_the_plural_is_a_search_not_one_title(text: str) -> None:
    u = understand(text, GIFT)
    assert u.intent == "search" and not u.references
    assert u.category == "lantern"


def test_a_whole_title_said_from_the_is_that_product() -> None:
    u = understand("can i see the white metal lantern", GIFT)
    assert [(r.kind, r.product_id) for r in u.references] == [("title", "71053")]


# ------------------------------------------------------- follow-ups keep the product


CLOCKS = [
    GIFTWARE[0].model_copy(
        update={"id": pid, "title": f"Desk Clock Retro {c.title()}", "category": "clock",
                "attributes": {"colour": [c]}}
    )
    for pid, c in (("90001", "red"), ("90002", "blue"), ("90003", "cream"))
]  # fmt: skip


def _one_product_turn(tool: str, args: dict[str, object]) -> list[BaseMessage]:
    call = AIMessage("", tool_calls=[{"name": tool, "args": args, "id": "t1"}])
    out = {"product_id": "90001", "title": "Desk Clock Retro Red", "in_stock": True, "stock": 9}
    return [HumanMessage("about 90001"), call, ToolMessage(json.dumps(out), tool_call_id="t1")]


@pytest.mark.parametrize(
    ("tool", "args", "follow_up"),
    [
        ("forecast_demand", {"product_id": "90001", "horizon_days": 21}, "same for the blue one"),
        ("check_inventory", {"product_id": "90001"}, "what about the cream version?"),
    ],
)
def test_another_version_is_read_the_way_the_focus_product_was(
    tool: str, args: dict[str, object], follow_up: str
) -> None:
    planner = OfflinePlanner(vocabulary=CatalogVocabulary.from_products(CLOCKS))
    planner = planner.model_copy(
        update={"tool_names": frozenset({"get_product", "check_inventory", "forecast_demand"})}
    )
    history = [*_one_product_turn(tool, args), AIMessage("answered")]
    step = planner.invoke([*history, HumanMessage(follow_up)])
    ((name, called),) = [(c["name"], c["args"]) for c in step.tool_calls]
    assert name == tool
    assert called["product_id"] in {"90002", "90003"}
    assert {k: v for k, v in called.items() if k != "product_id"} == {
        k: v for k, v in args.items() if k != "product_id"
    }


def test_which_options_it_comes_in_is_no_stock_question() -> None:
    ctx = NluContext(has_search=True, focus="22386")
    for text in ("what colours can you get it in?", "which sizes can we get it in"):
        u = understand(text, GIFT, ctx)
        assert u.intent == "details" and u.asked_attribute in {"colour", "size"}


def test_a_design_asked_on_the_listed_products_narrows_that_search() -> None:
    u = understand("ones with a heart on them?", GIFT, AFTER_BAGS)
    assert u.intent == "refine" and "heart" in u.query_words


def test_what_the_excluded_ones_come_with_is_the_exclusion() -> None:
    for text, excluded in (
        ("none of the ones that come with polkadots", ["polkadots"]),
        ("not the ones which have hearts", ["hearts"]),
        ("not the ones that include a lid", []),  # no catalog word: nothing to leave out
    ):
        assert understand(text, GIFT, AFTER_BAGS).excluded == excluded


def test_an_age_is_not_a_list_position_nor_a_product_word() -> None:
    u = understand("it's my nan's 90th next month, i'd love some teapots, say under £10", GIFT)
    assert u.intent == "search" and not u.references
    assert "90th" not in u.query_words and "say" not in u.query_words
    assert understand("tell me about the 3rd one", GIFT, AFTER_BAGS).references[0].position == 3


def test_a_stock_answer_says_when_it_runs_out_in_those_words() -> None:
    line = restock_line(
        {"in_stock": True, "days_of_cover": 12.5, "daily_demand": 3.0, "runs_out_on": "2027-02-01"}
    )
    assert line.endswith("lasts about 12.5 trading days: it runs out around 2027-02-01.")
