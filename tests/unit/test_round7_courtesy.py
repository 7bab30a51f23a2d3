"""Round 7: a request buried in a long polite message is read from the sentence that asks;
greetings, wishes, stories and signatures are no query words."""

from __future__ import annotations

import json

from langchain_core.messages import AIMessage, HumanMessage

from agents.offline.courtesy import requested_part
from agents.offline.nlu import NluContext, understand
from agents.offline.planner import OfflinePlanner
from agents.offline.store_policy import StorePolicy
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="61", title="Biscuit Tin Vintage Blue", category="biscuit tin", price=4.5),
    Product(id="62", title="Biscuit Tin Spotty Red", category="biscuit tin", price=3.9),
    Product(id="63", title="Enamel Watering Can Cream", category="watering can", price=6.0),
    Product(id="64", title="Doll Girl Cream", category="girl", price=2.0),
    Product(id="65", title="Wooden Picture Frame White", category="picture frame", price=3.2),
]
VOCAB = CatalogVocabulary.from_products(PRODUCTS)

LETTER_KIND = (
    "Good morning. I trust you are keeping well. My late aunt kept her buttons in a lovely "
    "old biscuit tin on the mantelpiece and I have always wanted one. Would you happen to "
    "stock anything like that? Warm regards, Sylvia"
)
LETTER_TITLE = (
    "Hello, sorry to trouble you on a Sunday. I spotted the enamel watering can cream in "
    "your window last spring and have been meaning to order one for my brother, who grows "
    "tomatoes. Could you let me know whether it is still available? Yours sincerely, Ken"
)


def test_the_sentence_that_asks_takes_its_kind_from_the_story() -> None:
    asked = requested_part(LETTER_KIND, VOCAB)
    assert "aunt" not in asked and "regards" not in asked and "morning" not in asked
    u = understand(asked, VOCAB, NluContext())
    assert u.intent == "search"
    assert u.category == "biscuit tin"
    assert not {"aunt", "buttons", "mantelpiece", "sylvia"} & set(u.query_words)


def test_a_person_is_no_product_kind_even_when_the_catalog_sells_one() -> None:
    text = (
        "Hi there. I hope this finds you well. When my sister was a little girl she had a "
        "wooden picture frame by her bed with our holiday photo in it. Do you sell "
        "something along those lines? Many thanks, Ruth"
    )
    u = understand(requested_part(text, VOCAB), VOCAB, NluContext())
    assert u.category == "picture frame"


def test_a_product_named_whole_in_the_story_is_the_one_asked_about() -> None:
    planner = OfflinePlanner(vocabulary=VOCAB, policy=StorePolicy(""))
    planner = planner.model_copy(update={"tool_names": frozenset({"check_inventory"})})
    reply = planner.invoke([HumanMessage(LETTER_TITLE)])
    assert isinstance(reply, AIMessage)
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("check_inventory", {"product_id": "63"})
    ]


def test_short_messages_and_the_customers_own_records_are_left_whole() -> None:
    short = "Hello! Do you have biscuit tins? Thanks so much."
    assert requested_part(short, VOCAB) == short
    records = (
        "Good afternoon. I hope you are well. I ordered a biscuit tin last month and it "
        "arrived dented, so I would like a refund please. My e-mail is kim@example.com. "
        "Kind regards, Kim"
    )
    assert requested_part(records, VOCAB) == records


def test_a_present_described_by_the_occasion_keeps_its_story() -> None:
    text = (
        "Good evening. I hope all is well with you. My neighbour has just retired after "
        "forty years at the post office and loves pottering in the garden. I would like "
        "to get her a little something to mark the day. Best wishes, Alan"
    )
    asked = requested_part(text, VOCAB)
    assert "retired" in asked and "garden" in asked
    assert "Best wishes" not in asked and "hope all is well" not in asked
    assert json.dumps(asked)  # plain text, nothing else
