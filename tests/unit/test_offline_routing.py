"""Messages no shopping tool answers: other languages, store questions, a person, small talk,
pasted reviews — read by meaning (the sentence encoder) and answered honestly."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agents.offline.acts import grounded, read_act, split_passage
from agents.offline.foreign import foreign_language
from agents.offline.planner import OfflinePlanner
from agents.offline.routing import asks_about_rules
from agents.offline.store_policy import StorePolicy, policy_rules, store_policy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="22178", title="Victorian Glass Hanging T-Light", category="t-light holder",
            price=1.25, description="A glass t-light holder."),
    Product(id="21733", title="Red Hanging Heart T-Light Holder", category="t-light holder",
            price=2.95, description="A red t-light holder."),
    Product(id="20725", title="Lunch Bag Red Retrospot", category="lunch bag", price=1.65),
    Product(id="37370", title="Retro Coffee Mugs Assorted", category="mug", price=1.06),
]  # fmt: skip
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset({"search_products", "get_product", "analyze_text", "transfer_to_human_agents"})


def _planner(policy: str = "") -> OfflinePlanner:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(policy))
    return planner.model_copy(update={"tool_names": TOOLS})


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("¿tienen tazas rojas?", "es"),
        ("Haben Sie Kerzen aus Glas?", "de"),
        ("je cherche un cadeau pour ma mère", "fr"),
        ("vorrei restituire il mio ordine per favore", "it"),
        ("¿tienen velas baratas?", "es"),  # langid is less sure, but no word is English
    ],
)
def test_other_languages_are_recognised(text: str, code: str) -> None:
    assert foreign_language(text, VOCAB) == code


@pytest.mark.parametrize(
    "text",
    [
        "do you have red mugs?",
        "lunch bag red retrospot",
        "asdfgh qwrtzp",
        "ok",
        "hi there",
        "write copy for 22423",
        "stock level of 20725",
    ],
)
def test_english_and_mash_are_not_another_language(text: str) -> None:
    assert foreign_language(text, VOCAB) is None


def test_a_message_in_another_language_gets_one_line_in_english() -> None:
    # (a request the round-5 lexicon reads, "¿tienen tazas rojas?", is searched instead)
    message = _planner().invoke([HumanMessage("¿me podrías recomendar algo bonito, amigo?")])
    assert not message.tool_calls
    assert "Spanish" in message.text and "English" in message.text
    assert "\n" not in message.text


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("how much do you charge for delivery?", "store_question"),
        ("are you open on bank holidays?", "store_question"),
        ("let me speak to someone please", "hand_off"),
        ("what's your name?", "small_talk"),
        ("where is my parcel?", "service"),
        ("something to keep my teapot warm", "shop"),
    ],
)
def test_acts_are_read_by_meaning(text: str, act: str) -> None:
    reading = read_act(text)
    assert reading is not None and reading.act == act and reading.confident


def test_a_pasted_passage_is_split_from_the_request() -> None:
    lead, passage = split_passage('how do people feel about this: "arrived broken, very sad"')
    assert lead == "how do people feel about this"
    assert passage == "arrived broken, very sad"
    assert split_passage("red mugs: cheap ones")[1] == ""  # too short to be a passage


def test_store_questions_quote_the_policy_or_say_they_cannot_be_answered() -> None:
    policy = store_policy("tau-retail")
    assert any("5 to 7 business days" in rule for _, rule in policy_rules(policy))
    answered = _planner(policy).invoke([HumanMessage("how long do refunds take to come through?")])
    assert "From the store's policy" in answered.text
    assert "5 to 7 business days" in answered.text
    unknown = _planner(policy).invoke([HumanMessage("are you open on bank holidays?")])
    assert "can't help with that here" in unknown.text
    assert not unknown.tool_calls
    assert store_policy("online-retail") == ""  # the gift shop ships no policy
    assert store_policy("../secrets") == ""


def test_asking_for_a_person_calls_the_transfer_tool_then_says_so() -> None:
    planner = _planner()
    asked = HumanMessage("let me speak to someone please")
    call = planner.invoke([asked])
    assert [c["name"] for c in call.tool_calls] == ["transfer_to_human_agents"]
    assert "let me speak to someone" in call.tool_calls[0]["args"]["summary"]
    result = ToolMessage("Transfer successful", tool_call_id=call.tool_calls[0]["id"])
    done = planner.invoke([asked, call, result])
    assert not done.tool_calls and "human agent" in done.text


def test_a_pasted_review_goes_to_the_text_analyzer() -> None:
    planner = _planner()
    asked = HumanMessage(
        'how do people feel about this one: "The mug arrived chipped and the handle came off '
        'after a week. Really disappointed."'
    )
    call = planner.invoke([asked])
    assert [c["name"] for c in call.tool_calls] == ["analyze_text"]
    assert call.tool_calls[0]["args"]["text"].startswith("The mug arrived chipped")
    analysis = {"sentiment": {"label": "NEGATIVE", "scores": {"negative": 0.62}},
                "key_phrases": [{"text": "handle came off"}]}  # fmt: skip
    result = ToolMessage(json.dumps(analysis), tool_call_id=call.tool_calls[0]["id"])
    done = planner.invoke([asked, call, result])
    assert "negative (62% negative)" in done.text and "handle came off" in done.text


def test_small_talk_is_answered_without_a_search() -> None:
    message = _planner().invoke([HumanMessage("what's your name?")])
    assert not message.tool_calls
    assert "shop's assistant" in message.text


def test_a_shopping_request_is_left_to_the_shopping_rules() -> None:
    message = _planner().invoke([HumanMessage("do you have red lunch bags?")])
    assert [c["name"] for c in message.tool_calls] == ["search_products"]


def test_an_answer_to_a_question_is_never_taken_away_from_the_order_rules() -> None:
    asked = [HumanMessage("cancel my order"), AIMessage("Is it no longer needed, or was it "
             "ordered by mistake?"), HumanMessage("no longer needed")]  # fmt: skip
    message = _planner().invoke(asked)
    assert "shop's assistant" not in message.text


def test_a_new_shopping_request_leaves_a_customer_service_flow() -> None:
    planner = OfflinePlanner(vocabulary=VOCAB).model_copy(
        update={"tool_names": TOOLS | {"find_user_id_by_email", "find_user_id_by_name_zip",
                                       "get_user_details", "get_order_details"}}  # fmt: skip
    )
    asked = [HumanMessage("I want to cancel an order"), AIMessage("First I need to confirm who "
             "you are: please tell me the e-mail address on your account?")]  # fmt: skip
    shopping = planner.invoke([*asked, HumanMessage("hmm. do you also sell lunch bags?")])
    assert [c["name"] for c in shopping.tool_calls] == ["search_products"]
    answer = planner.invoke([*asked, HumanMessage("the red lunch bag")])  # an answer, not a request
    assert not answer.tool_calls or answer.tool_calls[0]["name"] != "search_products"


def test_a_bare_this_does_not_keep_a_request_for_a_person_with_the_shopping_rules() -> None:
    message = _planner().invoke([HumanMessage("this isn't working, get me a real person")])
    assert [c["name"] for c in message.tool_calls] == ["transfer_to_human_agents"]


def test_a_digression_said_outright_goes_back_to_shopping() -> None:
    planner = OfflinePlanner(vocabulary=VOCAB).model_copy(
        update={"tool_names": TOOLS | {"find_user_id_by_email", "get_order_details"}}
    )
    asked = [HumanMessage("where is my order?"), AIMessage("First I need to confirm who you "
             "are: please tell me the e-mail address on your account?")]  # fmt: skip
    shopping = planner.invoke([*asked, HumanMessage("thanks. while I'm here, got any mugs?")])
    assert [c["name"] for c in shopping.tool_calls] == ["search_products"]
    kept = planner.invoke([*asked, HumanMessage("by the way, return my mugs")])
    assert not kept.tool_calls or kept.tool_calls[0]["name"] != "search_products"


def test_thanks_with_a_word_the_catalog_also_knows_is_still_thanks() -> None:
    message = _planner().invoke([HumanMessage("lovely, thanks so much")])
    assert not message.tool_calls


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("what happens if I want to cancel something that has already shipped?", True),
        ("is it possible to return only one item of an order?", True),
        ("how long do I have to send something back?", True),
        ("if I cancel, when do I get my money back?", True),
        ("can I return something?", False),  # a request: the order rules ask who and which
        ("can you cancel my order, it was ordered by mistake", False),
        ("I want to cancel order #W5918442, it shipped already", False),
        ("how do I return the kettle I received?", False),  # one item of theirs
    ],
)
def test_questions_about_the_rules_of_an_action(text: str, rule: bool) -> None:
    assert asks_about_rules(text) is rule


def test_a_rule_question_is_answered_from_the_policy_without_asking_who() -> None:
    message = _planner(store_policy("tau-retail")).invoke(
        [HumanMessage("what happens if I want to cancel something that has already shipped?")]
    )
    assert not message.tool_calls
    assert "From the store's policy" in message.text
    assert "pending" in message.text
    assert "e-mail" not in message.text


def test_two_close_answers_in_words_beat_a_search() -> None:
    person_or_store = read_act("can I speak to someone from the shop please")
    assert person_or_store is not None and person_or_store.wordy
    assert not person_or_store.confident  # a person and a store question are close
    shopping = read_act("red mugs please")
    assert shopping is not None and not shopping.wordy


def test_can_as_a_verb_is_not_the_product_kind() -> None:
    vocab = CatalogVocabulary.from_products(
        [Product(id="w1", title="Green Watering Can", category="can", price=3.0)]
    )
    assert not grounded("can I speak to someone from the shop please", vocab)
    assert grounded("can you show me a watering can", vocab)


def test_a_question_then_an_unquoted_passage_is_split_too() -> None:
    text = "is this feedback good or bad? The lunch bag tore at the seam within a week of use."
    lead, passage = split_passage(text)
    assert lead == "is this feedback good or bad?"
    assert passage.startswith("The lunch bag tore")
    assert split_passage("is it in stock? thanks")[1] == ""  # a short aside is no passage
    call = _planner().invoke([HumanMessage(text)])
    assert [c["name"] for c in call.tool_calls] == ["analyze_text"]


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("lol you're pretty smart", "small_talk"),
    ],
)
def test_more_acts_read_by_meaning(text: str, act: str) -> None:
    reading = read_act(text)
    assert reading is not None and reading.act == act and reading.confident


def test_a_payment_word_answers_only_a_question_that_was_asked() -> None:
    # no question pending: "can I pay with paypal?" asks about the store, it gives no payment
    policy = store_policy("tau-retail")
    alone = _planner(policy).invoke([HumanMessage("can I pay with paypal?")])
    assert not alone.tool_calls and "search" not in alone.text.lower()[:40]
    refund = _planner(policy).invoke([HumanMessage("how long until a refund reaches my card?")])
    assert "5 to 7 business days" in refund.text
