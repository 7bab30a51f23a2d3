"""The agent harness's expectation checks and metrics: each check can pass and fail."""

from __future__ import annotations

import math
from typing import Any

import pytest

from evals.agent import scored_calls
from evals.scoring import (
    check_answer,
    check_args,
    check_calls,
    check_constraints,
    check_tool,
    conversation_passed,
    expectation_errors,
    failed_score,
    product_violation,
    rate,
    score_turn,
    summarize,
    value_matches,
)
from evals.stats import percentile
from graphs.turns import TurnResult

SEARCH = {
    "name": "search_products",
    "args": {"query": "Lantern", "max_price": 5.0, "attributes": {"colour": "Red"}},
    "output": "{}",
}
DETAILS = {"name": "get_product", "args": {"product_id": "22423"}, "output": "{}"}
RED_LANTERN = {
    "id": "71477",
    "title": "Red Metal Lantern",
    "price": 4.25,
    "category": "lantern",
    "attributes": {"colour": ["red"], "material": ["metal"]},
    "in_stock": True,
}
BLUE_MUG = {
    "id": "37370",
    "title": "Blue Polka Dot Mug",
    "price": 1.25,
    "category": "mug",
    "attributes": {"colour": ["blue"]},
    "in_stock": False,
}


# ---- value and argument matching --------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ("lantern", " LANTERN "),
        (5, 5.004),
        (5.0, 5),
        (True, True),
        (None, None),
        ({"colour": "red"}, {"colour": "RED", "size": "large"}),
        (["a", "b"], ["B", "a"]),
    ],
)
def test_value_matches(expected: Any, actual: Any) -> None:
    assert value_matches(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ("lantern", "lanterns"),
        (5, 5.5),
        (5, "5"),
        (1, True),
        (True, 1),
        (None, 0),
        ({"colour": "red"}, {"material": "red"}),
        ({"colour": "red"}, "red"),
        (["a", "c"], ["a", "b"]),
        (["a"], ["b", "A"]),  # an extra item (a return of two items where one was asked)
        (["a", "a"], ["a"]),
    ],
)
def test_value_does_not_match(expected: Any, actual: Any) -> None:
    assert not value_matches(expected, actual)


def test_check_calls_error_false_needs_a_call_that_ran() -> None:
    proposed = {"name": "cancel_pending_order", "args": {"order_id": "#W1"}, "output": None}
    done = {**proposed, "output": '{"order_id": "#W1", "status": "cancelled"}'}
    refused = {**proposed, "output": "Error: not confirmed"}
    expected = [{"tool": "cancel_pending_order", "error": False}]
    assert check_calls(expected, [done]) == ([], [])
    assert check_calls(expected, [proposed])[0] != []  # only asked about, not carried out
    assert check_calls(expected, [refused])[0] != []
    assert check_calls([{"tool": "cancel_pending_order", "error": True}], [refused]) == ([], [])


def test_check_calls_finds_the_call_with_the_expected_arguments_in_order() -> None:
    def read(order: str) -> dict[str, Any]:
        return {"name": "get_order_details", "args": {"order_id": order}, "output": "{}"}

    lamp = [{"tool": "get_order_details", "args": {"order_id": "#W2"}}]
    assert check_calls(lamp, [read("#W1"), read("#W2"), read("#W3")]) == ([], [])
    missing, wrong = check_calls(lamp, [read("#W1"), read("#W3")])
    assert missing == [] and wrong != []  # the tool was called, never on that order
    then_cancel = [*lamp, {"tool": "cancel_pending_order"}]
    cancel = {"name": "cancel_pending_order", "args": {"order_id": "#W2"}, "output": None}
    assert check_calls(then_cancel, [cancel, read("#W2")])[0] != []  # the order matters


def test_check_tool() -> None:
    assert check_tool("search_products", [SEARCH, DETAILS]) is None
    assert check_tool("get_product", [SEARCH, DETAILS]) is not None  # only the first counts
    assert check_tool(None, []) is None
    assert check_tool(None, [SEARCH]) == "first tool call was search_products, expected none"
    assert check_tool("search_products", []) is not None


def test_check_args() -> None:
    calls = [DETAILS, SEARCH]
    assert (
        check_args("search_products", {"max_price": 5, "attributes": {"colour": "red"}}, calls)
        is None
    )
    assert check_args("search_products", {"max_price": 5}, calls) is None
    assert check_args("search_products", {"attributes": {"colour": "red"}}, calls) is None
    assert "max_price" in str(check_args("search_products", {"max_price": 10}, calls))
    assert check_args("search_products", {"min_price": None}, calls) is None
    assert (
        check_args("check_inventory", {"product_id": "22423"}, calls)
        == "no call of check_inventory"
    )


# ---- products shown ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "constraints",
    [
        {"max_price": 5},
        {"max_price": 4.25, "min_price": 4.25},
        {"attributes": {"colour": "RED"}},
        {"attributes": {"colour": ["blue", "red"]}},
        {"in_stock": True},
        {"category": "Lantern"},
        {"category": ["lantern", "light"]},
        {"title_contains": ["lamp", "lantern"]},
    ],
)
def test_product_meets(constraints: dict[str, Any]) -> None:
    assert product_violation(RED_LANTERN, constraints) is None


@pytest.mark.parametrize(
    ("constraints", "reason"),
    [
        ({"max_price": 4}, "above"),
        ({"min_price": 5}, "below"),
        ({"attributes": {"colour": "blue"}}, "colour"),
        ({"attributes": {"size": "large"}}, "unset"),
        ({"in_stock": False}, "in_stock"),
        ({"category": "mug"}, "category"),
        ({"title_contains": ["mug"]}, "title"),
    ],
)
def test_product_breaks(constraints: dict[str, Any], reason: str) -> None:
    assert reason in str(product_violation(RED_LANTERN, constraints))


def test_check_constraints_needs_every_product_and_the_ids() -> None:
    assert check_constraints({"max_price": 5, "ids": ["71477"]}, [RED_LANTERN, BLUE_MUG], 1) == []
    problems = check_constraints({"in_stock": True}, [RED_LANTERN, BLUE_MUG], 1)
    assert problems == ["37370: in_stock is False"]
    assert check_constraints({"ids": ["22423"]}, [RED_LANTERN], 1) == ["22423 not shown"]


def test_check_constraints_needs_a_product_unless_zero_allowed() -> None:
    assert check_constraints({"max_price": 5}, [], 1) == ["no product shown"]
    assert check_constraints({"max_price": 5}, [], 0) == []


def test_not_shown_before_rejects_repeats() -> None:
    constraints = {"not_shown_before": True}
    assert check_constraints(constraints, [RED_LANTERN], 1, earlier={"37370"}) == []
    assert check_constraints(constraints, [RED_LANTERN, BLUE_MUG], 1, earlier={"37370"}) == [
        "37370 was shown before"
    ]
    score = score_turn({"constraints": constraints}, [SEARCH], [BLUE_MUG], "", earlier={"37370"})
    assert score.constraints is False


def test_check_answer() -> None:
    answer = "Sorry, I found no red teapots. Here is a blue one for £3.50."
    assert check_answer(answer, ["£", ["couldn't", "no red"]], ["error"]) == []
    assert check_answer(answer, [["could not", "nothing"]], []) == [
        "answer lacks 'could not' / 'nothing'"
    ]
    assert check_answer(answer, [], ["BLUE"]) == ["answer holds 'BLUE'"]


def test_an_answers_numbers_count_with_or_without_thousands_commas() -> None:
    answer = "The gold one is $2,292.37; 1,250 left, items 12,34 and 5,6789."
    assert check_answer(answer, ["2292.37", "2,292.37", "1250"], []) == []
    assert check_answer(answer, [], ["1250 left"]) == ["answer holds '1250 left'"]
    # Only a comma followed by exactly three digits is a thousands comma.
    assert check_answer(answer, ["1234"], []) == ["answer lacks '1234'"]
    assert check_answer(answer, ["56789"], []) == ["answer lacks '56789'"]


# ---- a whole turn -----------------------------------------------------------------------

EXPECT = {
    "tool": "search_products",
    "args": {"max_price": 5},
    "constraints": {"max_price": 5, "attributes": {"colour": "red"}},
    "min_products": 1,
    "answer_contains": ["£"],
}


def test_score_turn_passes() -> None:
    score = score_turn(EXPECT, [SEARCH], [RED_LANTERN], "A red lantern (71477) at £4.25.")
    assert score.as_dict() == {
        "tool": True,
        "args": True,
        "constraints": True,
        "products": True,
        "answer": True,
        "passed": True,
        "failures": [],
    }


def test_score_turn_fails_each_check() -> None:
    score = score_turn(EXPECT, [DETAILS], [BLUE_MUG], "Here you are.")
    assert (score.tool, score.args, score.constraints, score.products, score.answer) == (
        False,
        False,
        False,
        True,
        False,
    )
    assert not score.passed
    assert len(score.failures) == 4


def test_score_turn_only_runs_the_checks_asked_for() -> None:
    score = score_turn({"tool": None}, [], [], "Hello! How can I help?")
    assert (score.tool, score.args, score.constraints, score.products) == (True, None, None, None)
    assert score.passed


def test_min_products_zero_allows_no_product_and_min_products_counts() -> None:
    no_match = {"constraints": {"max_price": 0.1}, "min_products": 0}
    assert score_turn(no_match, [SEARCH], [], "Nothing that cheap.").passed
    several = {"min_products": 2}
    assert not score_turn(several, [SEARCH], [RED_LANTERN], "").passed


def test_not_called_counts_what_the_turn_made_or_ran_not_a_declined_earlier_proposal() -> None:
    must_not_cancel = {"not_called": ["cancel_pending_order"]}
    cancel = {"name": "cancel_pending_order", "args": {"order_id": "#W1"}}
    declined = {
        **cancel,
        "carried": True,
        "output": "Error: not done: the customer did not confirm",
    }
    asked_again = {**cancel, "carried": True, "output": None}
    proposed_now = {**cancel, "output": None}
    ran_on_yes = {**cancel, "carried": True, "output": '{"status": "cancelled"}'}
    assert score_turn(must_not_cancel, [declined], [], "Nothing was changed.").passed
    assert score_turn(must_not_cancel, [asked_again], [], "Yes or no?").passed
    assert not score_turn(must_not_cancel, [proposed_now], [], "Shall I go ahead?").passed
    assert not score_turn(must_not_cancel, [ran_on_yes], [], "Cancelled.").passed


def test_scored_calls_unmask_the_lookup_and_mark_calls_asked_before() -> None:
    lookup = {"id": "c1", "name": "find_user_id_by_email", "args": {"email": "[EMAIL]"}}
    cancel = {"id": "c0", "name": "cancel_pending_order", "args": {"order_id": "#W1"}}
    result = TurnResult(tool_calls=[{**cancel, "output": None}, {**lookup, "output": "ann_1"}])
    lookup_then_cancel = scored_calls("hi, I am ann.lee@example.com", result, {"c0"})
    assert [c["carried"] for c in lookup_then_cancel] == [True, False]
    assert lookup_then_cancel[1]["args"] == {"email": "ann.lee@example.com"}
    expect = {
        "calls": [{"tool": "find_user_id_by_email", "args": {"email": "ann.lee@example.com"}}]
    }
    assert score_turn(expect, lookup_then_cancel, [], "").passed
    # Two addresses in the message (the policy asks which one): nothing is guessed.
    ambiguous = scored_calls("a@example.com or b@example.com", result, set())
    assert ambiguous[1]["args"] == {"email": "[EMAIL]"}
    assert not score_turn(expect, ambiguous, [], "").passed


def test_failed_score_fails_what_was_expected() -> None:
    score = failed_score({"tool": "search_products", "answer_contains": ["x"]}, "error: boom")
    assert (score.tool, score.args, score.answer) == (False, None, False)
    assert score.failures == ["error: boom"]


# ---- validation -------------------------------------------------------------------------


def test_expectation_errors() -> None:
    assert expectation_errors(None) == []
    assert expectation_errors(EXPECT) == []
    assert expectation_errors({"tool": None}) == []
    assert expectation_errors([]) == ["an expectation must be an object or null"]
    assert expectation_errors({"tools": "x"}) == ["unknown key 'tools'"]
    assert expectation_errors({"args": {"max_price": 1}}) != []  # args need a tool
    assert expectation_errors({"constraints": {"colour": "red"}}) == ["unknown constraint 'colour'"]
    assert expectation_errors({"min_products": -1}) != []
    assert expectation_errors({"answer_contains": "no"}) != []


# ---- metrics ----------------------------------------------------------------------------


def test_rate_and_percentile() -> None:
    assert rate([True, False, None, True]) == {"correct": 2, "total": 3, "rate": 0.6667}
    assert rate([None]) == {"correct": 0, "total": 0, "rate": None}
    assert math.isnan(percentile([], 50))
    assert percentile([10.0], 95) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([float(v) for v in range(1, 101)], 95) == pytest.approx(95.05)


def _turn(passed: bool | None, latency: float | None = 10.0, **extra: Any) -> dict[str, Any]:
    scores: dict[str, Any] | None = None
    if passed is not None:
        scores = {
            "tool": passed,
            "args": None,
            "constraints": passed,
            "products": None,
            "answer": None,
            "passed": passed,
            "failures": [],
        }
    return {"scores": scores, "latency_ms": latency, **extra}


def test_summarize() -> None:
    conversations = [
        {"turns": [_turn(True, 10.0), _turn(None, 30.0)]},
        {"turns": [_turn(False, 20.0)]},
        {"turns": [_turn(False, None, error="Boom"), _turn(True, None, skipped=True)]},
        {"turns": [_turn(None, 40.0)]},
    ]
    summary = summarize(conversations)
    assert summary["conversations"] == 4
    assert summary["turns"] == 6
    assert summary["errors"] == 1
    assert summary["tool_choice_accuracy"] == {"correct": 2, "total": 4, "rate": 0.5}
    assert summary["argument_accuracy"]["total"] == 0
    assert summary["pass_rate"]["correct"] == 2
    # the erroring conversation fails although its skipped turn "passed"
    assert summary["conversations_passed"] == {"correct": 1, "total": 3, "rate": 0.3333}
    assert summary["latency_ms"] == {"count": 4, "p50": 25.0, "p95": 38.5}
    assert conversation_passed(conversations[3]) is None
