"""Planner round 6, customer-service side: an address written without its commas, an order
found by its item, an item that "has to go back", a zip code corrected after an address, a
yes after closing words, "it" meaning the order just shown, and a gift card too small to pay
for an order. Wordings made up for the test; records are small made-up ones."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.service.nlu import understand_request
from agents.offline.service.planner import ServicePlanner
from agents.prompts import NOT_CONFIRMED
from graphs.confirm import read_answer
from tests.unit.service_history import account_read, proposal, service_planner

USER = {
    "name": {"first_name": "Noor"},
    "address": {"address1": "3 Mill Lane", "address2": "", "city": "Reno", "state": "NV",
                "zip": "89501", "country": "USA"},
    "payment_methods": {
        "credit_card_7": {"source": "credit_card", "id": "credit_card_7", "brand": "visa",
                          "last_four": "1188"},
        "gift_card_8": {"source": "gift_card", "id": "gift_card_8", "balance": 40.0},
    },
    "orders": ["#W5000001", "#W5000002"],
}  # fmt: skip
ORDERS = [
    {"order_id": "#W5000001", "status": "pending",
     "items": [{"name": "Desk Lamp", "item_id": "51", "price": 120.0, "options": {}}],
     "payment_history": [{"transaction_type": "payment", "amount": 120.0,
                          "payment_method_id": "credit_card_7"}]},
    {"order_id": "#W5000002", "status": "delivered",
     "items": [{"name": "Yoga Mat", "item_id": "52", "price": 30.0, "options": {}},
               {"name": "Water Bottle", "item_id": "53", "price": 12.0, "options": {}}],
     "payment_history": [{"transaction_type": "payment", "amount": 42.0,
                          "payment_method_id": "credit_card_7"}]},
]  # fmt: skip


def _messages(first: str) -> list[BaseMessage]:
    return account_read(first, "noor_5", USER, ORDERS)


def _planner(messages: list[BaseMessage]) -> ServicePlanner:
    return service_planner(messages, "noor_5")


# ---- addresses written without commas ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "city", "state", "zip_code"),
    [
        ("pls send #W5000001 to 41 Birch Court, Apt 9, Santa Fe NM 87501 USA", "Santa Fe", "NM",
         "87501"),
        ("new address is 7 Dune Rd, Boise id 83702", "Boise", "ID", "83702"),
        ("ship my lamp order to 260 Canal Street, Floor 3, New Orleans LA 70130, US",
         "New Orleans", "LA", "70130"),
    ],
)  # fmt: skip
def test_an_address_without_commas_before_the_state_is_read(
    text: str, city: str, state: str, zip_code: str
) -> None:
    request = understand_request(text)
    assert request.address is not None
    assert (request.address["city"], request.address["state"], request.address["zip"]) == (
        city,
        state,
        zip_code,
    )
    assert request.name_zip is None  # the city and the state are no one's name
    assert request.intent == "address"


def test_two_capital_letters_that_are_no_state_do_not_make_an_address() -> None:
    assert understand_request("send it to 5 Lake Rd, Springfield QQ 12345").address is None


def test_an_order_address_said_in_the_first_message_is_proposed_at_once() -> None:
    text = "could #W5000001 go to 12 Aspen Way, Unit 4, Carson City NV 89701 instead"
    assert proposal(_planner(_messages(text))) == (
        "modify_pending_order_address",
        {"order_id": "#W5000001", "address1": "12 Aspen Way", "address2": "Unit 4",
         "city": "Carson City", "state": "NV", "country": "USA", "zip": "89701"},
    )  # fmt: skip


def test_a_zip_code_said_after_an_address_corrects_it() -> None:
    messages = _messages("move #W5000001 to 12 Aspen Way, Carson City NV 89701")
    proposed = {"order_id": "#W5000001", "address1": "12 Aspen Way", "address2": "",
                "city": "Carson City", "state": "NV", "country": "USA", "zip": "89701"}  # fmt: skip
    messages.append(
        AIMessage(
            "",
            tool_calls=[{"name": "modify_pending_order_address", "args": proposed, "id": "w1"}],
        )
    )
    messages.append(ToolMessage(f"Error: {NOT_CONFIRMED}", tool_call_id="w1"))
    messages.append(HumanMessage("oh wait the zip code should be 89706"))
    name, args = proposal(_planner(messages))
    assert name == "modify_pending_order_address"
    assert args == {**proposed, "zip": "89706"}


def test_it_after_an_order_was_shown_is_that_order() -> None:
    messages = _messages("what's in #W5000001")
    messages += [
        AIMessage("Order #W5000001 is pending."),
        HumanMessage("great, can you have it go to 8 Elm Row, Sparks NV 89431"),
    ]
    name, args = proposal(_planner(messages))
    assert name == "modify_pending_order_address" and args["order_id"] == "#W5000001"


def test_it_after_moving_house_is_the_default_address() -> None:
    messages = _messages("what's in #W5000001")
    messages += [
        AIMessage("Order #W5000001 is pending."),
        HumanMessage("I've moved - change it to 8 Elm Row, Sparks NV 89431"),
    ]
    name, _ = proposal(_planner(messages))
    assert name == "modify_user_address"


# ---- an order found by its item ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "wheres the desk lamp order",
        "has my desk lamp order gone through yet",
        "did the lamp order get processed",
    ],
)
def test_an_order_asked_after_by_its_item_is_a_status_question(text: str) -> None:
    request = understand_request(text)
    assert request.intent == "status" and request.has_cue
    assert "lamp" in request.words


def test_the_order_holding_the_item_is_answered() -> None:
    text = _planner(_messages("wheres my yoga mat order?")).step().text
    assert text.startswith("Order #W5000002 is delivered.")


# ---- an item that has to go back ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("the water bottle from #W5000002 needs to go back", ["water", "bottle"]),
        ("i'd like to take the yoga mat back", ["yoga", "mat"]),
        ("mailing the bottle back tomorrow, refund to my gift card", ["bottle", "tomorrow"]),
    ],
)
def test_an_item_going_back_is_a_return_and_keeps_its_name(text: str, words: list[str]) -> None:
    request = understand_request(text)
    assert request.intent == "return"
    assert request.words == words


def test_going_back_to_something_is_no_return() -> None:
    assert understand_request("can we go back to the lamp").intent is None


def test_a_return_with_its_refund_said_is_proposed_at_once() -> None:
    text = "the yoga mat in #W5000002 has to go back, refund onto my gift card"
    assert proposal(_planner(_messages(text))) == (
        "return_delivered_order_items",
        {"order_id": "#W5000002", "item_ids": ["52"], "payment_method_id": "gift_card_8"},
    )


# ---- a yes after closing words -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("ok that's all, go ahead", "yes"),
        ("nothing else - yes please", "yes"),
        ("yep, correct, go", "yes"),
        ("that's it", "unclear"),  # closing words alone say neither yes nor no
        ("that's all, no thanks", "no"),
        ("that's everything but use the visa", "request"),
    ],
)
def test_closing_words_count_for_nothing(text: str, reading: str) -> None:
    assert read_answer(text) == reading


# ---- a gift card too small for the order -------------------------------------------------


def test_a_gift_card_short_of_the_order_total_is_refused_with_its_balance() -> None:
    step = _planner(_messages("could I pay for W5000001 with the gift card instead of visa")).step()
    assert not step.calls
    assert "40.00" in step.text and "120.00" in step.text and "#W5000001" in step.text


def test_a_gift_card_that_covers_the_order_is_proposed() -> None:
    rich = {**USER, "payment_methods": {**USER["payment_methods"]}}  # type: ignore[dict-item]
    rich["payment_methods"]["gift_card_8"] = {"source": "gift_card", "id": "gift_card_8",
                                              "balance": 500.0}  # fmt: skip
    messages = _messages("could I pay for W5000001 with the gift card instead of visa")
    messages[2] = ToolMessage(json.dumps(rich), tool_call_id="r0")
    assert proposal(_planner(messages)) == (
        "modify_pending_order_payment",
        {"order_id": "#W5000001", "payment_method_id": "gift_card_8"},
    )


# ---- more ways to ask after an order by its item -------------------------------------------


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("did my yoga mat order ship yet", "yoga"),
        ("has my water bottle arrived??", "bottle"),
        ("whens my desk lamp coming", "lamp"),
        ("is my order with the yoga mat on its way", "mat"),
        ("did the bottle i bought get sent out", "bottle"),
        ("hows my lamp order doing", "lamp"),
        ("i still haven't received my yoga mat", "yoga"),
        ("where is the lamp i ordered", "lamp"),
    ],
)
def test_an_order_asked_after_in_other_words_keeps_the_items_words(text: str, item: str) -> None:
    request = understand_request(text)
    assert request.intent == "status" and request.has_cue
    assert item in request.words


@pytest.mark.parametrize(
    "text",
    ["did the mug come in green", "has the lamp come back in stock", "does it come in red?"],
)
def test_a_product_question_with_come_is_no_order_question(text: str) -> None:
    request = understand_request(text)
    assert request.intent is None and not request.has_cue


def test_a_missing_item_finds_its_order() -> None:
    text = _planner(_messages("i never got my water bottle, where is it")).step().text
    assert text.startswith("Order #W5000002 is delivered.")


# ---- addresses with no commas, a state written out, a unit after the street ----------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("send #W5000001 to 7 Cedar Lane Unit 12 Boise ID 83702",
         ("7 Cedar Lane", "Unit 12", "Boise", "ID", "83702")),
        ("new address 31 Harbor Blvd Apt 2, Mobile, Alabama 36602",
         ("31 Harbor Blvd", "Apt 2", "Mobile", "AL", "36602")),
        ("ship to 5 Pike Rd, Albany, New York 12207-4410",
         ("5 Pike Rd", "", "Albany", "NY", "12207")),
    ],
)  # fmt: skip
def test_an_address_with_fewer_commas_is_read(
    text: str, expected: tuple[str, str, str, str, str]
) -> None:
    address = understand_request(text).address
    assert address is not None
    got = (address["address1"], address["address2"], address["city"], address["state"])
    assert (*got, address["zip"]) == expected


def test_a_street_number_and_a_zip_without_a_street_word_are_no_address() -> None:
    assert understand_request("order 3 mugs for 12345 Dallas TX 75201").address is None


def test_a_gift_card_the_tool_found_short_is_named_with_its_balance() -> None:
    messages = _messages("swap the yoga mat in #W5000002 for the blue one, gift card for the rest")
    args = {"order_id": "#W5000002", "item_ids": ["52"], "new_item_ids": ["99"],
            "payment_method_id": "gift_card_8"}  # fmt: skip
    messages.append(
        AIMessage(
            "", tool_calls=[{"name": "exchange_delivered_order_items", "args": args, "id": "x1"}]
        )
    )
    refusal = "Error: insufficient gift card balance to pay for the price difference"
    messages.append(ToolMessage(refusal, tool_call_id="x1"))
    text = _planner(messages).step().text
    assert text.startswith("That didn't go through: insufficient gift card balance")
    assert text.endswith("Your gift card gift_card_8 has 40.00 on it.")
