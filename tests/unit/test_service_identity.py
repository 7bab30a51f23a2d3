"""Who the customer is: discourse words (interjections, apologies, hesitations) are never read
as a name, and a zip code corrected on its own is tried with the name given before."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agents.offline.service.nlu import understand_request
from agents.offline.service.planner import ServicePlanner
from agents.offline.service.reading import read_service


@pytest.mark.parametrize(
    "text",
    [
        "whoops my bad, the zip is 60612",
        "argh, typo. zip code should be 60612",
        "hmm apologies, postal code 60612",
        "erm sorry zip's wrong, it's 60612",
        "oh dear, zip code is actually 60612",
        "meh mistyped it, zip 60612",
    ],
)
def test_discourse_words_before_a_zip_code_are_no_name(text: str) -> None:
    request = understand_request(text)
    assert request.name_zip is None
    assert request.zip_code == "60612"
    assert request.words == [] or set(request.words) <= {"dear", "zip's", "wrong", "s"}


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("sorry, Priya Nair, zip 60612", ("Priya", "Nair", "60612")),
        ("hiya, it's Tomas Berg and my zip is 30301", ("Tomas", "Berg", "30301")),
        ("ok so: Lena Park here, postal code 94016", ("Lena", "Park", "94016")),
    ],
)
def test_a_name_beside_discourse_words_is_still_read(text: str, who: tuple[str, str, str]) -> None:
    assert understand_request(text).name_zip == who


def _conversation(*messages: BaseMessage) -> ServicePlanner:
    conv = read_service(messages)
    return ServicePlanner(conv, [understand_request(turn.text) for turn in conv.turns])


def test_a_corrected_zip_code_is_tried_with_the_name_given_before() -> None:
    lookup = {"first_name": "Priya", "last_name": "Nair", "zip": "60621"}
    planner = _conversation(
        HumanMessage("Priya Nair, zip 60621"),
        AIMessage("", tool_calls=[{"name": "find_user_id_by_name_zip", "args": lookup, "id": "1"}]),
        ToolMessage("Error: user not found", tool_call_id="1"),
        AIMessage("I could not find your account (user not found)."),
        HumanMessage("ugh sorry, the zip should be 60612"),
    )
    (call,) = planner.step().calls
    assert call.name == "find_user_id_by_name_zip"
    assert call.args == {"first_name": "Priya", "last_name": "Nair", "zip": "60612"}


def test_a_zip_code_with_no_name_ever_given_asks_who_the_customer_is() -> None:
    planner = _conversation(HumanMessage("oops, zip is 60612"))
    step = planner.step()
    assert not step.calls and "first and last name" in step.text
