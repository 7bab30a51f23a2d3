"""Planner round 7, customer-service side. Wordings made up for the test; the account and its
orders are small made-up records."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.service.nlu import understand_request
from agents.offline.service.planner import ServicePlanner, _service_turns
from agents.offline.service.reading import read_service
from agents.offline.service.resolve import requested_options
from tests.unit.service_history import account_read, proposal, service_planner

ACCOUNT = {
    "name": {"first_name": "Ines", "last_name": "Park"},
    "address": {"address1": "18 Quarry Road", "address2": "Unit 2", "city": "Tulsa",
                "state": "OK", "zip": "74103", "country": "USA"},
    "payment_methods": {
        "credit_card_31": {"source": "credit_card", "id": "credit_card_31", "brand": "visa",
                           "last_four": "4410"},
        "gift_card_32": {"source": "gift_card", "id": "gift_card_32", "balance": 900.0},
        "paypal_33": {"source": "paypal", "id": "paypal_33"},
    },
    "orders": ["#W6100001", "#W6100002"],
}  # fmt: skip
ORDERS = [
    {"order_id": "#W6100001", "status": "pending",
     "address": {"address1": "5 Harbor Way", "address2": "", "city": "Portland", "state": "ME",
                 "zip": "04101", "country": "USA"},
     "items": [{"name": "Desk Fan", "item_id": "710", "product_id": "p71", "price": 64.5,
                "options": {"color": "white", "speed": "3"}},
               {"name": "Table Lamp", "item_id": "711", "product_id": "p72", "price": 80.25,
                "options": {"color": "brass"}}],
     "payment_history": [{"transaction_type": "payment", "amount": 144.75,
                          "payment_method_id": "gift_card_32"}]},
    {"order_id": "#W6100002", "status": "delivered",
     "items": [{"name": "Rain Jacket", "item_id": "720", "product_id": "p73", "price": 99.0,
                "options": {"size": "S", "color": "olive"}},
               {"name": "Rain Jacket", "item_id": "721", "product_id": "p73", "price": 101.5,
                "options": {"size": "M", "color": "olive"}},
               {"name": "Thermos", "item_id": "722", "product_id": "p74", "price": 30.0,
                "options": {"capacity": "1L"}}],
     "payment_history": [{"transaction_type": "payment", "amount": 230.5,
                          "payment_method_id": "paypal_33"}]},
]  # fmt: skip


def _reads(first: str, orders: bool = True) -> list[BaseMessage]:
    """The customer's first message, then their account (and orders) read."""
    return account_read(first, "ines_7", ACCOUNT, ORDERS if orders else ())


def _planner(messages: list[BaseMessage], customer: str | None = "ines_7") -> ServicePlanner:
    return service_planner(messages, customer)


# ---- a human asked for without a service word; who the customer is, said among other words ---


@pytest.mark.parametrize(
    "text",
    [
        "get me a real person please, I've explained this twice already",
        "I'd rather talk with someone real, the bot keeps looping",
    ],
)
def test_asking_for_a_human_is_service_whatever_else_is_said(text: str) -> None:
    request = understand_request(text)
    assert request.intent == "transfer"
    assert request.has_cue
    name, _ = proposal(_planner(_reads(text)))
    assert name == "transfer_to_human_agents"


@pytest.mark.parametrize(
    "text",
    [
        "hello, Ines Park here, zip code 74103 - can't recall which email I used",
        "It's Ines Park, my postal code is 74103, the login email escapes me",
    ],
)
def test_a_name_and_a_zip_code_said_as_such_identify_the_customer(text: str) -> None:
    request = understand_request(text)
    assert request.name_zip == ("Ines", "Park", "74103")
    assert request.has_cue
    name, args = proposal(_planner([HumanMessage(text)], customer=None))
    assert name == "find_user_id_by_name_zip"
    assert args == {"first_name": "Ines", "last_name": "Park", "zip": "74103"}


def test_a_name_with_a_bare_number_and_other_words_is_no_cue() -> None:
    assert not understand_request("Ines Park 74103 lamps under ten").has_cue


# ---- an order sent to the account's own address ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "my pending order should go to my home address, not the Portland one",
        "please redirect #W6100001 back to the address on file",
        "could you ship the desk fan order to my default address instead",
    ],
)
def test_an_order_sent_to_the_address_on_file_takes_the_accounts_address(text: str) -> None:
    request = understand_request(text)
    assert request.intent == "address" and request.to_default
    name, args = proposal(_planner(_reads(text)))
    assert name == "modify_pending_order_address"
    assert args["order_id"] == "#W6100001"
    assert args["address1"] == "18 Quarry Road" and args["city"] == "Tulsa"
    assert args["zip"] == "74103" and args["address2"] == "Unit 2"


def test_asking_what_the_address_on_file_is_changes_nothing() -> None:
    request = understand_request("what's the address on file for me?")
    assert request.intent == "profile" and not request.to_default


def test_asking_whether_a_person_can_help_with_a_purchase_is_no_cue() -> None:
    assert not understand_request("could a real person help me choose a birthday gift?").has_cue
    assert not understand_request("is there a real person to help with finding a rug").has_cue


# ---- an item change said as "change X to the Y one" or "X is A, I wanted B" -----------------


@pytest.mark.parametrize(
    "text",
    [
        "on #W6100001 please change the desk fan to the black one",
        "I'd like the lamp changed to a silver one on my pending order",
        "the thermos from #W6100002 is 1L, I wanted 2L.",
        "got the olive rain jacket but we asked for navy instead",
    ],
)
def test_an_item_change_in_other_words_is_an_exchange(text: str) -> None:
    assert understand_request(text).intent == "exchange"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("change the shipping address to 9 Elm St, Provo, UT 84601", "address"),
        ("please change it to the address on file", "address"),
        ("the kettle arrived yesterday, i ordered it for my mum", "status"),
        ("sorry it was a mistake, I ordered the wrong item", None),
    ],
)
def test_a_change_of_something_else_is_no_exchange(text: str, intent: str | None) -> None:
    assert understand_request(text).intent == intent


def test_change_my_order_to_something_is_no_item_change() -> None:
    assert understand_request("change my order to the paypal one").intent != "exchange"


# ---- an action called off by name -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "right, thanks. no, don't cancel it after all",
        "hmm I'd rather not return them",
        "on second thoughts please do not exchange the jacket",
        "decided not to cancel #W6100001",
    ],
)
def test_an_action_called_off_by_name_is_a_no(text: str) -> None:
    request = understand_request(text)
    assert request.no and request.called_off
    assert request.intent is None
    assert request.has_cue


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I don't want to return it, I want to exchange it for a bigger size", "exchange"),
        ("don't change the address, ship it to 9 Elm St, Provo, UT 84601", "address"),
        ("cancel it please, I don't need it any more", "cancel"),
    ],
)
def test_a_called_off_action_with_another_request_keeps_the_request(text: str, intent: str) -> None:
    request = understand_request(text)
    assert request.intent == intent and not request.no


def test_calling_off_a_cancellation_proposes_nothing() -> None:
    messages = _reads("cancel #W6100001 please, ordered by mistake")
    messages += [AIMessage("Cancel order #W6100001? Please answer yes or no."),
                 HumanMessage("oh ok. no, don't cancel the order after all")]  # fmt: skip
    step = _planner(messages).step()
    assert not step.calls
    assert step.text is not None and "left everything as it was" in step.text


# ---- the account's own address: asked about, or changed when no order is meant ---------------


@pytest.mark.parametrize(
    "text",
    [
        "is my home address still the Quarry Road one?",
        "was the default shipping address set to Tulsa?",
        "quick one: is my saved address up to date",
    ],
)
def test_a_yes_no_question_about_the_default_address_answers_it(text: str) -> None:
    request = understand_request(text)
    assert request.intent == "profile"
    step = _planner(_reads(text, orders=False)).step()
    assert not step.calls
    assert step.text is not None and "18 Quarry Road" in step.text


@pytest.mark.parametrize(
    "text",
    [
        "set my default address to 40 Fern Ave, Apt 1, Omaha, NE 68102 - not for an order",
        "update my profile address to 40 Fern Ave, Apt 1, Omaha, NE 68102 (not an order)",
    ],
)
def test_an_address_change_said_not_to_be_about_an_order_changes_the_account(text: str) -> None:
    request = understand_request(text)
    assert request.intent == "address" and not request.about_order
    name, args = proposal(_planner(_reads(text)))
    assert name == "modify_user_address"
    assert args["user_id"] == "ines_7" and args["city"] == "Omaha" and args["zip"] == "68102"


def test_an_address_change_naming_an_order_still_changes_the_order() -> None:
    text = "please send #W6100001 to 40 Fern Ave, Apt 1, Omaha, NE 68102, not my default one"
    name, args = proposal(_planner(_reads(text)))
    assert name == "modify_pending_order_address" and args["order_id"] == "#W6100001"


# ---- "what's in it?" after an order was discussed ----------------------------------------------


@pytest.mark.parametrize(
    "text", ["so what's in it?", "which items are in that one", "what was in it"]
)
def test_what_is_in_it_after_an_order_lists_that_orders_items(text: str) -> None:
    messages = _reads("any news on #W6100002?")
    messages += [AIMessage("Order #W6100002 is delivered."), HumanMessage(text)]
    conv = read_service(messages)
    conv.note_customer = "ines_7"
    requests = [understand_request(turn.text) for turn in conv.turns]
    assert requests[-1].intent == "status"
    assert _service_turns(conv, requests, lambda _: False)[-1]
    step = ServicePlanner(conv, requests).step()
    (read,) = step.calls  # a status is read again first
    assert read.name == "get_order_details" and read.args == {"order_id": "#W6100002"}
    messages += [AIMessage("", tool_calls=[{"name": read.name, "args": read.args, "id": "s1"}]),
                 ToolMessage(json.dumps(ORDERS[1]), tool_call_id="s1")]  # fmt: skip
    step = _planner(messages).step()
    assert step.text is not None
    assert "Rain Jacket" in step.text and "Thermos" in step.text
    assert "Desk Fan" not in step.text


def test_what_is_in_it_with_no_order_before_is_not_service() -> None:
    messages: list[BaseMessage] = [HumanMessage("a lamp for my desk"), AIMessage("Here are lamps."),
                                   HumanMessage("what's in it")]  # fmt: skip
    conv = read_service(messages)
    requests = [understand_request(turn.text) for turn in conv.turns]
    assert not _service_turns(conv, requests, lambda _: False)[-1]


# ---- how much a refund would be, asked before deciding ----------------------------------------


def test_what_a_return_would_refund_is_answered_and_nothing_is_proposed() -> None:
    messages = _reads("I would like to return the thermos from #W6100002")
    messages += [AIMessage("Where should the refund go?"),
                 HumanMessage("hmm hang on, how much would I get back for those?")]  # fmt: skip
    request = understand_request("hmm hang on, how much would I get back for those?")
    assert request.asks_refund and not request.wait
    step = _planner(messages).step()
    assert not step.calls
    assert step.text is not None and "back 30.00" in step.text
    assert "Nothing has been changed" in step.text


def test_what_a_cancellation_would_refund_is_the_whole_order() -> None:
    messages = _reads("cancel #W6100001, no longer needed")
    messages += [AIMessage("Cancel order #W6100001? yes or no"),
                 HumanMessage("not yet. what's the refund amount?")]  # fmt: skip
    step = _planner(messages).step()
    assert not step.calls
    assert step.text is not None and "144.75" in step.text


@pytest.mark.parametrize("text", ["ok thanks, I'll come back to it later", "not right now"])
def test_coming_back_later_is_a_pause(text: str) -> None:
    assert understand_request(text).wait


# ---- the method paid with before, told apart from the one wanted ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I paid for #W6100001 using my gift card but I'd like to switch the payment to my visa",
        "order #W6100001 was charged to a gift card; change the payment to the visa card please",
    ],
)
def test_the_method_paid_with_before_is_not_the_one_wanted(text: str) -> None:
    request = understand_request(text)
    assert request.intent == "payment"
    assert request.payment is not None and request.payment.kind == "credit_card"
    name, args = proposal(_planner(_reads(text)))
    assert name == "modify_pending_order_payment"
    assert args == {"order_id": "#W6100001", "payment_method_id": "credit_card_31"}


def test_the_method_paid_with_alone_is_still_read() -> None:
    request = understand_request("I paid with paypal, please refund it there")
    assert request.payment is not None and request.payment.kind == "paypal"


# ---- an option value asked for: "too small" is no size wanted; of two, the one said last -------

JACKET = {
    "variants": {
        v["item_id"]: v
        for v in (
            {"item_id": "730", "options": {"size": "S", "color": "olive"}, "available": True},
            {"item_id": "731", "options": {"size": "M", "color": "olive"}, "available": True},
            {"item_id": "732", "options": {"size": "XL", "color": "olive"}, "available": True},
            {"item_id": "733", "options": {"size": "XL", "color": "navy"}, "available": True},
        )
    }
}


@pytest.mark.parametrize(
    ("words", "size"),
    [
        (["way", "too", "small", "xl", "please"], "XL"),
        (["xl", "too", "small"], "XL"),
        (["m", "actually", "no", "xl"], "XL"),
        (["xl", "hmm", "no", "medium"], "M"),
    ],
)
def test_the_size_asked_for_is_not_the_one_complained_of(words: list[str], size: str) -> None:
    item = {"item_id": "720", "options": {"size": "L", "color": "olive"}}
    assert requested_options(JACKET, item, words) == {"size": size}


# ---- more wordings of the requests ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("swap my payment over to the visa please", "payment"),
        ("could you put order #W6100001 on my paypal instead", "payment"),
        ("bill my visa for #W6100001, not the gift card", "payment"),
        ("is it possible to get my money back for the thermos", "return"),
        ("how do I get hold of someone at your company?", "transfer"),
        ("how much was I charged for the desk fan", "paid"),
    ],
)
def test_more_wordings_of_a_service_request(text: str, intent: str) -> None:
    request = understand_request(text)
    assert request.intent == intent
    assert request.has_cue


@pytest.mark.parametrize(
    "text",
    [
        "put the difference on my visa for order #W6100002",
        "please use my gift card for the refund on that order",
        "put it on my gift card",
    ],
)
def test_a_method_for_a_difference_or_a_refund_is_no_payment_change(text: str) -> None:
    request = understand_request(text)
    assert request.intent != "payment"
    assert request.payment is not None


@pytest.mark.parametrize("text", ["actually forget it", "hmm, no", "ok. never mind"])
def test_a_no_after_a_discourse_word_is_a_no(text: str) -> None:
    assert understand_request(text).no


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("the thermos came dented, can I post it back?", "return"),
        ("they sent me the wrong colour fan", "exchange"),
        ("I'd like to modify the items on my pending order", "exchange"),
        ("need to change where my order is being sent", "address"),
        ("could you ship #W6100001 somewhere else", "address"),
    ],
)
def test_problems_and_changes_said_plainly(text: str, intent: str) -> None:
    request = understand_request(text)
    assert request.intent == intent
    assert request.has_cue


@pytest.mark.parametrize(
    "text", ["found it cheaper somewhere else", "a mug that is not chipped please"]
)
def test_shopping_words_like_those_are_no_request(text: str) -> None:
    request = understand_request(text)
    assert request.intent is None and not request.has_cue


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("the rain jacket from #W6100002 is too big. could I get a small instead?", "exchange"),
        ("the rain jacket is too big. I need to return it for a refund", "return"),
        ("whats my default address", "profile"),
    ],
)
def test_a_wish_in_the_next_sentence_and_an_unmarked_whats(text: str, intent: str) -> None:
    assert understand_request(text).intent == intent


def test_the_second_one_after_a_listing_of_orders_is_the_second_listed() -> None:
    messages = _reads("show me my orders")
    listing = "Your orders:\nOrder #W6100002 is delivered.\nOrder #W6100001 is pending."
    messages += [AIMessage(listing), HumanMessage("what's in the second one?")]
    request = understand_request("what's in the second one?")
    assert request.intent == "status" and request.ordinal == 2
    step = _planner(messages).step()
    (read,) = step.calls  # the order listed second, read again for its status
    assert read.args == {"order_id": "#W6100001"}


def test_send_it_there_after_the_default_address_was_shown_uses_it() -> None:
    messages = _reads("what's my home address?")
    messages += [AIMessage("Your default shipping address is 18 Quarry Road, Unit 2, Tulsa."),
                 HumanMessage("great, please ship #W6100001 there instead")]  # fmt: skip
    name, args = proposal(_planner(messages))
    assert name == "modify_pending_order_address"
    assert args["order_id"] == "#W6100001" and args["address1"] == "18 Quarry Road"


def test_send_it_there_with_no_address_shown_asks_for_it() -> None:
    messages = _reads("is #W6100001 still pending?")
    messages += [AIMessage("Order #W6100001 is pending."),
                 HumanMessage("ok can you send it there instead")]  # fmt: skip
    step = _planner(messages).step()
    assert not step.calls
    assert step.text is not None and "What is the new address?" in step.text
