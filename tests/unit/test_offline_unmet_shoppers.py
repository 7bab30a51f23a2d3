"""Kinds of request first failed by shoppers the planner was not built beside: copy asked for
in another language or misspelt, a pasted review in another language, a goodbye or a request
for a person that names a catalog word, look-aheads counted out, keywords quoted after
"targeting", and a forecast or copy that refers back to the product in focus."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.content_requests import content_args, is_content_request
from agents.offline.foreign import foreign_review
from agents.offline.merchandising import content_keywords
from agents.offline.planner import OfflinePlanner
from agents.offline.store_policy import StorePolicy
from agents.offline.supply import is_reorder_question, reorder_args
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="22423", title="Regency Cakestand 3 Tier", category="cake stand", price=12.75),
    Product(id="21212", title="Pack of 72 Retrospot Cake Cases", category="cake case", price=0.55),
    Product(id="84879", title="Assorted Colour Bird Ornament", category="ornament", price=1.69),
    Product(id="90001", title="Only One Person Wall Sign", category="sign", price=2.5),
]  # fmt: skip
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset(
    {"search_products", "get_product", "analyze_text", "transfer_to_human_agents"}
    | {"write_product_content", "forecast_demand", "reorder_suggestions", "recommend_products"}
)


def _planner() -> OfflinePlanner:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    return planner.model_copy(update={"tool_names": TOOLS})


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("Schreib bitte eine Produktbeschreibung für 22423 auf Deutsch",
         {"product_id": "22423", "language": "de"}),
        ("une description élégante pour 22423 en français",
         {"product_id": "22423", "language": "fr", "tone": "elegant"}),
        ("descripton for 22423 in italian pls", {"product_id": "22423", "language": "it"}),
    ],
)  # fmt: skip
def test_copy_asked_in_another_language_or_misspelt_is_a_content_request(
    text: str, args: dict[str, str]
) -> None:
    assert is_content_request(text)
    assert content_args(text, VOCAB, None) == args


def test_a_foreign_copy_request_reaches_the_writer_not_the_english_only_line() -> None:
    message = _planner().invoke([HumanMessage("Schreib eine Beschreibung für 22423 auf Deutsch")])
    assert [c["name"] for c in message.tool_calls] == ["write_product_content"]
    assert message.tool_calls[0]["args"]["language"] == "de"


def test_a_review_pasted_in_another_language_goes_to_the_analyzer() -> None:
    text = "Was sagt diese Bewertung: 'Die Kanne ist wunderschön und kam sehr schnell an'"
    assert foreign_review(text)
    assert not foreign_review("Haben Sie Kerzen aus Glas?")
    message = _planner().invoke([HumanMessage(text)])
    assert [c["name"] for c in message.tool_calls] == ["analyze_text"]


@pytest.mark.parametrize(
    "text", ["great, cheers, that's me finished", "lovely, that's everything I needed thanks"]
)
def test_a_goodbye_is_not_searched_for(text: str) -> None:
    message = _planner().invoke([HumanMessage(text)])
    assert not message.tool_calls
    assert "Goodbye" in message.text or "welcome" in message.text


def test_a_person_asked_for_in_words_the_catalog_knows_is_still_a_person() -> None:
    message = _planner().invoke([HumanMessage("I'd much rather talk to a real person at the shop")])
    assert [c["name"] for c in message.tool_calls] == ["transfer_to_human_agents"]


def test_a_greeting_with_small_talk_is_not_searched_for() -> None:
    message = _planner().invoke([HumanMessage("hey there! what should I call you?")])
    assert not message.tool_calls
    assert message.text.startswith("Hello!")


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("reorder list for the next 5 weeks", {"within_days": 35}),
        ("is there anything we need to restock in the next 9 days?", {"within_days": 9}),
        ("which lines are about to run out?", {}),
    ],
)
def test_look_aheads_counted_out_are_kept(text: str, args: dict[str, int]) -> None:
    assert is_reorder_question(text)
    assert reorder_args(text) == args


def test_will_we_run_out_of_one_product_is_not_the_reorder_list() -> None:
    assert not is_reorder_question("what is going to run out of stock first, the cake stand?")


def test_keywords_quoted_after_targeting_are_kept() -> None:
    text = "write copy for 22423 targeting the searches 'tiered cake stand' and \"tea party\""
    assert content_keywords(text) == ["tiered cake stand", "tea party"]


def _after_details(product_id: str) -> list[HumanMessage | AIMessage | ToolMessage]:
    asked = HumanMessage(f"tell me about {product_id}")
    call = AIMessage("", tool_calls=[
        {"name": "get_product", "args": {"product_id": product_id}, "id": "c1"}
    ])  # fmt: skip
    result = ToolMessage(
        f'{{"id": "{product_id}", "title": "Regency Cakestand 3 Tier", "price": 12.75}}',
        tool_call_id="c1",
    )
    return [asked, call, result, AIMessage("Regency Cakestand 3 Tier (22423) — £12.75")]


def test_a_forecast_for_a_period_refers_to_the_product_in_focus() -> None:
    messages = [*_after_details("22423"), HumanMessage("and the forecast for the next 3 weeks")]
    message = _planner().invoke(messages)
    assert [c["name"] for c in message.tool_calls] == ["forecast_demand"]
    assert message.tool_calls[0]["args"] == {"product_id": "22423", "horizon_days": 21}


def test_the_weather_forecast_is_still_not_a_product_forecast() -> None:
    messages = [*_after_details("22423"), HumanMessage("what's the weather forecast for next week")]
    message = _planner().invoke(messages)
    assert "forecast_demand" not in [c["name"] for c in message.tool_calls]


def test_a_negated_adjective_covers_the_catalogs_other_forms_of_it() -> None:
    from agents.offline.negation import take_exclusions

    vocab = CatalogVocabulary.from_products(
        [
            Product(id="1", title="Tea Cosy Red Stripe", category="tea cosy", price=2.5),
            Product(id="2", title="Childrens Apron Dolly Girl", category="apron", price=2.1),
            Product(id="3", title="Kids Apron Spaceboy", category="apron", price=2.1),
        ]
    )
    assert "stripe" in take_exclusions("tea cosies but not the stripy ones", vocab)[1]
    assert "childrens aprons" in take_exclusions("aprons, no kids aprons", vocab)[1]


def _listed(text: str, name: str, args: dict[str, object], output: str) -> list[BaseMessage]:
    call = AIMessage("", tool_calls=[{"name": name, "args": args, "id": "l1"}])
    return [HumanMessage(text), call, ToolMessage(output, tool_call_id="l1"), AIMessage("listed")]


_TWO = (
    '{"products": [{"id": "21212", "title": "Pack of 72 Retrospot Cake Cases", "price": 0.55},'
    ' {"id": "22423", "title": "Regency Cakestand 3 Tier", "price": 12.75}], "total": 2}'
)


def test_that_one_after_asking_for_the_cheapest_is_the_top_of_the_listing() -> None:
    from agents.offline.context import read_conversation

    messages = _listed(
        "which one's the cheapest", "search_products", {"query": "cake", "sort": "price_asc"}, _TWO
    )
    conv = read_conversation([*messages, HumanMessage("is that one in stock?")])
    assert conv.focus() == "21212"
    unsorted = _listed("cake things", "search_products", {"query": "cake"}, _TWO)
    assert read_conversation([*unsorted, HumanMessage("is it in stock?")]).focus() is None


def test_a_bare_how_much_asks_the_price_of_what_is_in_view() -> None:
    from agents.offline.cues import DETAILS

    assert DETAILS.search("how much?") and DETAILS.search("ok, and what do they cost")
    assert not DETAILS.search("how much stock have we got")


def test_picks_from_the_shoppers_history_are_personal_recommendations() -> None:
    message = _planner().invoke([HumanMessage("any ideas for me based on what I normally buy?")])
    assert [c["name"] for c in message.tool_calls] == ["recommend_products"]
    assert message.tool_calls[0]["args"]["strategy"] == "personalized"


def test_a_position_on_the_reorder_list_is_that_product() -> None:
    reorder = '{"products": [{"id": "84879", "title": "Bird"}, {"id": "22423", "title": "Stand"}]}'
    messages = _listed("what's about to run out?", "reorder_suggestions", {}, reorder)
    asked = HumanMessage("forecast the second one on that list for the next 2 weeks")
    message = _planner().invoke([*messages, asked])
    assert [c["name"] for c in message.tool_calls] == ["forecast_demand"]
    assert message.tool_calls[0]["args"] == {"product_id": "22423", "horizon_days": 14}


def test_spanish_copy_and_copy_in_a_named_language_are_content_requests() -> None:
    assert is_content_request("escribe una descripción del producto 22423 en español")
    assert is_content_request("the description of 22423 in German please")
    assert not is_content_request("what's the description of 22423?")


def test_what_is_going_to_run_out_is_the_reorder_list() -> None:
    assert is_reorder_question("what's going to run out soon?")


def test_a_short_english_phrase_is_not_a_rare_language() -> None:
    from agents.offline.foreign import foreign_language

    assert foreign_language("wait a sec", VOCAB) is None  # langid.py ranks Walloon first
    assert foreign_language("¿tienen tazas rojas?", VOCAB) == "es"


def test_a_newborn_present_searches_the_catalogs_baby_word() -> None:
    from agents.offline.gifts import occasion_object

    vocab = CatalogVocabulary.from_products(
        [Product(id="5", title="Baby Bib Blue Spots", category="bib", price=1.5)]
    )
    assert occasion_object("present for a newborn baby girl", vocab) == "baby"


def test_valentines_is_read_by_what_people_give_for_it() -> None:
    from agents.offline.gifts import OCCASIONS

    meaning = next(m for p, m in OCCASIONS if p.search("something romantic for valentines"))
    assert "love" in meaning


def test_stock_and_forecast_asked_together_make_both_calls() -> None:
    planner = _planner().model_copy(update={"tool_names": TOOLS | {"check_inventory"}})
    message = planner.invoke([HumanMessage("check stock on 22423 and give me a 2 week forecast")])
    assert [c["name"] for c in message.tool_calls] == ["check_inventory", "forecast_demand"]
    assert message.tool_calls[1]["args"] == {"product_id": "22423", "horizon_days": 14}
    alone = planner.invoke([HumanMessage("give me a 2 week forecast for 22423")])
    assert [c["name"] for c in alone.tool_calls] == ["forecast_demand"]
