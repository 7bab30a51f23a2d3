"""Planner round 5, customer-service side: wordings made up for the test, over the real
tau-retail store where a flow is run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.offline.service.nlu import PaymentRef, understand_request
from tests.orders_helpers import copy_tau_store
from tests.unit.test_offline_service import Chat, names
from tools.catalog.sqlite import SqliteStore


@pytest.mark.parametrize(
    "text",
    [
        "hello, [EMAIL] here - the skateboard I received is damaged",
        "I'm Jane Doe, 12345: my headphones stopped working",
        "[EMAIL], the jacket you sent me doesn't fit",
        "my email is [EMAIL] and the boots are too big",
    ],
)
def test_who_they_are_and_a_problem_with_an_item_is_customer_service(text: str) -> None:
    request = understand_request(text)
    assert request.identifies
    assert request.has_cue


def test_who_they_are_beside_a_product_request_still_shops() -> None:
    assert not understand_request("[EMAIL] - any red mugs?").has_cue


@pytest.mark.parametrize(
    ("text", "payment"),
    [
        ("could my pending order go on my mastercard instead of paypal?", PaymentRef(
            "credit_card", brand="mastercard")),
        ("pay with paypal rather than the gift card please", PaymentRef("paypal")),
        ("use the gift card, not my visa", PaymentRef("gift_card")),
    ],
)  # fmt: skip
def test_the_method_replaced_is_not_the_one_asked_for(text: str, payment: PaymentRef) -> None:
    assert understand_request(text).payment == payment


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("the lamp from my delivered order, refund it to paypal", "delivered"),
        ("the kettle in my pending order please", "pending"),
    ],
)
def test_an_order_named_by_its_state_asks_no_status(text: str, state: str) -> None:
    request = understand_request(text)
    assert request.order_state == state
    assert request.intent is None


def test_a_status_question_about_a_pending_order_is_still_one() -> None:
    assert understand_request("how is my pending order getting on? what's its status").intent == (
        "status"
    )


@pytest.fixture
def store(tau_retail_dir: Path, tmp_path: Path) -> Iterator[SqliteStore]:
    opened = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    yield opened
    opened.close()


async def test_an_email_with_a_complaint_identifies_before_anything_else(
    store: SqliteStore,
) -> None:
    chat = Chat(store)
    first = await chat.say("hiya, yara.sanchez4385@example.com - the skateboard I got is broken")
    assert names(first)[:2] == ["find_user_id_by_email", "get_user_details"]
    assert "search_products" not in names(first)


@pytest.mark.parametrize(
    "text",
    [
        "[EMAIL] - the raincoat is too tight, I'd want the large one instead",
        "the sandals from my last delivery don't fit, I need a bigger pair",
    ],
)
def test_the_wrong_size_and_another_wanted_is_an_exchange(text: str) -> None:
    assert understand_request(text).intent == "exchange"


def test_the_wrong_size_alone_says_no_request_yet() -> None:
    assert understand_request("[EMAIL], the trainers are too small").intent is None
