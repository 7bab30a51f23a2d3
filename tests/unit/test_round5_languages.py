"""Round 5: shopping and order messages in German, French, Spanish and Italian read in
English by the hand-written lexicon, planned as the English would be, and answered with one
note saying how they were read; too little understood keeps the one-line answer."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agents.offline.foreign import read_in_english
from agents.offline.planner import OfflinePlanner
from agents.offline.vocabulary import CatalogVocabulary
from tools.models import Product

PRODUCTS = [
    Product(id="30001", title="Blue Enamel Alarm Clock", category="alarm clock", price=4.25),
    Product(id="30002", title="Yellow Enamel Alarm Clock", category="alarm clock", price=4.25),
    Product(id="30003", title="Lavender Scented Candle", category="candle", price=1.45),
    Product(id="30004", title="Large Church Candle", category="candle", price=6.95),
    Product(id="30005", title="Owl Design Keyring", category="keyring", price=1.10),
    Product(id="30006", title="Black Leather Wallet", category="wallet", price=9.50),
]  # fmt: skip
VOCAB = CatalogVocabulary.from_products(PRODUCTS)
TOOLS = frozenset({"search_products", "get_product", "check_inventory"})


def _planner() -> OfflinePlanner:
    return OfflinePlanner(vocabulary=VOCAB).model_copy(update={"tool_names": TOOLS})


@pytest.mark.parametrize(
    ("text", "code", "english"),
    [
        ("Gibt es blaue Wecker?", "de", "do you have blue alarm clock?"),
        ("vous avez des portefeuilles noirs ?", "fr", "do you have some black wallet?"),
        ("busco velas baratas, menos de 3 libras", "es",
         "i am looking for cheap candle, under 3 pounds"),
        ("cerco un portafoglio in pelle", "it", "i am looking for a leather wallet"),
        ("quanto costa?", "it", "how much is it?"),
        ("ist er noch vorrätig?", "de", "is it in stock?"),
    ],
)  # fmt: skip
def test_a_message_is_read_in_english(text: str, code: str, english: str) -> None:
    read = read_in_english(text, VOCAB)
    assert read is not None and read.language == code
    assert read.english == english


@pytest.mark.parametrize(
    "text",
    [
        "black leather wallet please",  # English
        "candles",  # one word, English in any case
        "ich suche ein Geschenk für meine Schwiegermutter zum Jubiläum",  # too little known
        "écris une description du portefeuille en français",  # copy for the writer
        "podaj mi portfel",  # a language the lexicon does not read
    ],
)
def test_english_copy_requests_and_little_understood_stay_as_they_are(text: str) -> None:
    assert read_in_english(text, VOCAB) is None


def test_a_foreign_search_is_the_english_search() -> None:
    call = _planner().invoke([HumanMessage("¿tienen relojes despertadores azules?")])
    english = _planner().invoke([HumanMessage("do you have blue alarm clocks?")])
    assert call.tool_calls and call.tool_calls[0]["name"] == "search_products"
    assert call.tool_calls[0]["args"] == english.tool_calls[0]["args"]


def test_the_answer_says_once_how_the_message_was_read() -> None:
    planner = _planner()
    asked = HumanMessage("Haben Sie Kerzen unter 2 Pfund?")
    first = planner.invoke([asked])
    assert first.tool_calls[0]["args"].get("max_price") == 2.0
    result = ToolMessage(
        content='{"products": [{"id": "30003", "title": "Lavender Scented Candle", '
        '"price": 1.45, "currency": "GBP", "in_stock": true}], "total": 1}',
        tool_call_id=first.tool_calls[0]["id"],
    )
    answer = planner.invoke([asked, first, result])
    assert answer.text.count("English") == 1
    assert "candle" in answer.text.split("\n")[0] and "Lavender Scented Candle" in answer.text


def test_little_understood_keeps_the_one_line_answer() -> None:
    message = _planner().invoke(
        [HumanMessage("¿me podrías recomendar algo bonito para mi suegra?")]
    )
    assert not message.tool_calls
    assert "Spanish" in message.text and "\n" not in message.text


def test_an_order_follow_up_reads_the_earlier_product() -> None:
    planner = _planner()
    history = [HumanMessage("avete portachiavi?")]
    search = planner.invoke(history)
    found = ToolMessage(
        content='{"products": [{"id": "30005", "title": "Owl Design Keyring", "price": 1.1, '
        '"currency": "GBP", "in_stock": true}], "total": 1}',
        tool_call_id=search.tool_calls[0]["id"],
    )
    listed = planner.invoke([*history, search, found])
    follow_up = planner.invoke([*history, search, found, listed, HumanMessage("è disponibile?")])
    assert [c["name"] for c in follow_up.tool_calls] == ["check_inventory"]
    assert follow_up.tool_calls[0]["args"] == {"product_id": "30005"}
    assert isinstance(listed, AIMessage)
