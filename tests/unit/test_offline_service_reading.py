"""Customer-service messages first misread with shoppers the planner was not built beside:
an order's payment switched, the saved payment methods asked for, a name and zip said
tersely, "same colour" kept in an exchange, "that's everything" closing a list of details."""

from __future__ import annotations

import pytest

from agents.offline.routing import asks_something
from agents.offline.service.answers import payment_methods
from agents.offline.service.nlu import understand_request
from agents.offline.service.resolve import requested_options


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("please change the payment method on order #W1234567 to my visa", "payment"),
        ("can I switch the payment for my pending order to paypal", "payment"),
        ("what cards do I have on file?", "methods"),
        ("which payment methods are saved on my account", "methods"),
        ("what orders have I got with you", "status"),
        ("what happened to my order with the lamp?", "status"),
        ("swap the kettle for the black one", "exchange"),
    ],
)
def test_service_intents(text: str, intent: str) -> None:
    assert understand_request(text).intent == intent


def test_two_words_and_a_zip_code_alone_identify() -> None:
    assert understand_request("noah brown, 80279").name_zip == ("noah", "brown", "80279")
    assert understand_request("red mugs 22423 please").name_zip is None


def test_thats_everything_closes_the_details_and_is_not_all_items() -> None:
    assert not understand_request("use my visa for it, that's everything").all_items
    assert understand_request("return everything in that order").all_items


def test_saved_methods_are_named_by_brand_and_last_four_digits_only() -> None:
    user = {
        "payment_methods": {
            "credit_card_1": {"source": "credit_card", "brand": "visa", "last_four": "4321"},
            "paypal_2": {"source": "paypal"},
        }
    }
    text = payment_methods(user)
    assert text == "Saved on your account: Visa credit card ending 4321; PayPal."


def test_same_option_is_kept_and_a_size_word_is_its_letter() -> None:
    product = {
        "variants": {
            "1": {"item_id": "1", "available": True,
                  "options": {"size": "S", "color": "blue", "ventilation": "high"}},
            "2": {"item_id": "2", "available": True,
                  "options": {"size": "M", "color": "blue", "ventilation": "high"}},
            "3": {"item_id": "3", "available": True,
                  "options": {"size": "M", "color": "blue", "ventilation": "medium"}},
        }
    }  # fmt: skip
    item = {"item_id": "1", "options": {"size": "S", "color": "blue", "ventilation": "high"}}
    words = ["swap", "it", "for", "a", "medium", "same", "colour", "and", "same", "ventilation"]
    assert requested_options(product, item, words) == {"size": "M"}


def test_a_question_followed_by_its_choices_is_a_question_asked() -> None:
    assert asks_something("Which payment method should pay? On your account: PayPal.")
    assert asks_something("Is it no longer needed?")
    assert not asks_something("Order #W1 is pending.\n1. Lamp, 20.00")
    assert not asks_something("What are you looking for? For example: 'red mugs'.")


def test_talking_to_somebody_at_the_company_is_a_transfer() -> None:
    assert understand_request("I want to talk to somebody at the company").intent == "transfer"
    assert understand_request("can I speak with one of your people?").intent == "transfer"
