"""Expectation checks for one agent turn, and the metrics of a suite (pure functions).

A suite line may carry ``"expect"``: one entry per turn, ``null`` for a turn that is only
recorded. Every key of an entry is optional::

    {
      "tool": "search_products",      # name of the FIRST tool call; null = no tool call at all
      "args": {"max_price": 20},      # subset of the first call of "tool" (needs "tool")
      "constraints": {                # every product shown must meet all of these
        "min_price": 1, "max_price": 5,          # inclusive, on the product's price
        "attributes": {"colour": "red"},         # attributes[name] holds the value
        "in_stock": true,                        # the product's in_stock flag
        "category": "lantern",                   # the product's category
        "title_contains": ["lantern", "light"],  # the title holds at least one of these
        "ids": ["22423"],                        # these products are among those shown
        "not_shown_before": true                 # none was shown in an earlier turn
      },
      "min_products": 1,              # at least this many products shown
      "answer_contains": ["£", ["sorry", "no "]],  # each entry, or one of its alternatives
      "answer_not_contains": ["error"],
      "calls": [                      # these calls, in this order, among the turn's calls
                                      # (each the first later call of the tool with these args)
        {"tool": "get_order_details", "args": {"order_id": "#W1"}, "error": false}
      ],
      "not_called": ["cancel_pending_order"]  # tools the turn must not call
    }

A call of ``not_called`` is one this turn made or proposed, or a change proposed earlier that ran
on this turn's answer; a change proposed earlier and declined (or asked about again) on this turn
is not (the harness marks such calls ``"carried": true``).

``calls`` and ``not_called`` count towards tool choice, the ``args`` of ``calls`` towards
argument accuracy; ``error: true`` asks for an ``Error: …`` refusal, ``error: false`` for a call
that ran and succeeded (a write only proposed for confirmation, with no output yet, is neither).

Matching rules. ``args``: strings compare case-insensitively (surrounding spaces ignored),
numbers within ``NUMBER_TOLERANCE``, booleans exactly, dicts as subsets (recursively), lists
item for item in any order (each expected item matches its own actual item, none left over),
``null`` by the argument being absent or null. Constraint values compare case-insensitively;
an attribute or category value may be a list of alternatives. ``constraints`` also require at
least one product shown unless ``min_products`` is 0. Answer phrases compare case-insensitively,
and the answer's numbers count with or without their thousands commas ("2,292.37" holds
"2292.37"). A turn passes when every check it has passes.

Metrics (each ``{"correct", "total", "rate"}``, rate ``null`` when nothing was scored):
tool-choice accuracy over turns with ``tool``, argument accuracy over turns with ``args``,
constraint satisfaction over turns with ``constraints``, pass rate over turns with any
expectation; plus conversations passed, errors and turn latency p50/p95.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evals.stats import percentile

NUMBER_TOLERANCE = 0.01
# A thousands comma inside a number ("3,066.23"), dropped for a second reading of an answer.
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
EXPECT_KEYS = frozenset(
    {
        "tool",
        "args",
        "constraints",
        "min_products",
        "answer_contains",
        "answer_not_contains",
        "calls",
        "not_called",
    }
)
CONSTRAINT_KEYS = frozenset(
    {
        "min_price",
        "max_price",
        "attributes",
        "in_stock",
        "category",
        "title_contains",
        "ids",
        "not_shown_before",
    }
)
CHECKS = ("tool", "args", "constraints", "products", "answer")


@dataclass
class TurnScore:
    """The outcome of each check a turn has (``None``: the turn has no such check)."""

    tool: bool | None = None
    args: bool | None = None
    constraints: bool | None = None
    products: bool | None = None
    answer: bool | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(getattr(self, name) is not False for name in CHECKS)

    def as_dict(self) -> dict[str, Any]:
        return {
            **{name: getattr(self, name) for name in CHECKS},
            "passed": self.passed,
            "failures": self.failures,
        }


# ---- validating a suite's expectations -------------------------------------------------


def expectation_errors(expect: Any) -> list[str]:
    """What is wrong with one turn's expectation (empty when it is well formed)."""
    if expect is None:
        return []
    if not isinstance(expect, dict):
        return ["an expectation must be an object or null"]
    errors = [f"unknown key {key!r}" for key in sorted(set(expect) - EXPECT_KEYS)]
    if "tool" in expect and not (expect["tool"] is None or isinstance(expect["tool"], str)):
        errors.append("'tool' must be a tool name or null")
    if "args" in expect and not (isinstance(expect["args"], dict) and expect.get("tool")):
        errors.append("'args' must be an object, next to a non-null 'tool'")
    constraints = expect.get("constraints", {})
    if not isinstance(constraints, dict):
        errors.append("'constraints' must be an object")
    else:
        errors += [f"unknown constraint {k!r}" for k in sorted(set(constraints) - CONSTRAINT_KEYS)]
    min_products = expect.get("min_products", 0)
    if not isinstance(min_products, int) or isinstance(min_products, bool) or min_products < 0:
        errors.append("'min_products' must be a non-negative integer")
    for key in ("answer_contains", "answer_not_contains"):
        if key in expect and not isinstance(expect[key], list):
            errors.append(f"{key!r} must be a list")
    errors += _calls_errors(expect.get("calls", []))
    not_called = expect.get("not_called", [])
    if not (isinstance(not_called, list) and all(isinstance(n, str) for n in not_called)):
        errors.append("'not_called' must be a list of tool names")
    return errors


def _calls_errors(calls: Any) -> list[str]:
    if not isinstance(calls, list):
        return ["'calls' must be a list"]
    errors = []
    for n, call in enumerate(calls, 1):
        if not (isinstance(call, dict) and isinstance(call.get("tool"), str)):
            errors.append(f"calls[{n}] must be an object with a 'tool' name")
        elif set(call) - {"tool", "args", "error"}:
            errors.append(
                f"calls[{n}] has unknown keys {sorted(set(call) - {'tool', 'args', 'error'})}"
            )
        elif not isinstance(call.get("args", {}), dict):
            errors.append(f"calls[{n}]: 'args' must be an object")
        elif not isinstance(call.get("error", False), bool):
            errors.append(f"calls[{n}]: 'error' must be true or false")
    return errors


# ---- argument matching ------------------------------------------------------------------


def value_matches(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` meets ``expected`` under the argument matching rules."""
    if expected is None:
        return actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, int | float):
        return isinstance(actual, int | float) and math.isclose(
            actual, expected, rel_tol=0.0, abs_tol=NUMBER_TOLERANCE
        )
    if isinstance(expected, str):
        return isinstance(actual, str) and actual.strip().casefold() == expected.strip().casefold()
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            value_matches(value, actual.get(key)) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and _same_items(expected, actual)
    return bool(expected == actual)


def _same_items(expected: list[Any], actual: list[Any]) -> bool:
    """Each expected item matches its own actual item and nothing is left over (any order)."""
    left = list(actual)
    for item in expected:
        match = next((n for n, got in enumerate(left) if value_matches(item, got)), None)
        if match is None:
            return False
        del left[match]
    return not left


def check_tool(expected: str | None, calls: Sequence[Mapping[str, Any]]) -> str | None:
    """Why the first tool call is not ``expected`` (``None``: no call expected), or ``None``."""
    first = calls[0]["name"] if calls else None
    if first == expected:
        return None
    return f"first tool call was {first or 'none'}, expected {expected or 'none'}"


def check_args(
    tool: str, expected: Mapping[str, Any], calls: Sequence[Mapping[str, Any]]
) -> str | None:
    """Why the first call of ``tool`` does not carry the ``expected`` arguments, or ``None``."""
    call = next((c for c in calls if c["name"] == tool), None)
    if call is None:
        return f"no call of {tool}"
    args = call.get("args") or {}
    wrong = [key for key, value in expected.items() if not value_matches(value, args.get(key))]
    if not wrong:
        return None
    got = {key: args.get(key) for key in wrong}
    want = {key: expected[key] for key in wrong}
    return f"{tool} args {got} do not match expected {want}"


def _is_error(output: Any) -> bool:
    return isinstance(output, str) and output.startswith("Error")


def _outcome_is(error: bool, output: Any) -> bool:
    """A refusal when ``error``; else a call that ran and succeeded (a call only proposed for
    confirmation has no output yet, so it is neither)."""
    return _is_error(output) if error else output is not None and not _is_error(output)


def check_calls(
    expected: Sequence[Mapping[str, Any]], calls: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[str]]:
    """Which expected calls are missing (tool choice) and which have other arguments."""
    missing: list[str] = []
    wrong_args: list[str] = []
    position = 0
    for entry in expected:
        tool = entry["tool"]
        candidates = [
            i
            for i in range(position, len(calls))
            if calls[i]["name"] == tool
            and ("error" not in entry or _outcome_is(entry["error"], calls[i].get("output")))
        ]
        # The first call with the expected arguments, else the first of the tool (wrong args).
        with_args = [
            i
            for i in candidates
            if "args" not in entry or check_args(tool, entry["args"], [calls[i]]) is None
        ]
        found = with_args[0] if with_args else candidates[0] if candidates else None
        if found is None:
            error = entry.get("error")
            kind = "" if error is None else " refused" if error else " that succeeded"
            missing.append(f"no{kind} call of {tool} (in order)")
            continue
        position = found + 1
        if "args" in entry and (reason := check_args(tool, entry["args"], [calls[found]])):
            wrong_args.append(reason)
    return missing, wrong_args


# ---- products shown and the answer ------------------------------------------------------


def _one_of(expected: Any) -> set[str]:
    values = expected if isinstance(expected, list) else [expected]
    return {str(v).strip().casefold() for v in values}


def product_violation(product: Mapping[str, Any], constraints: Mapping[str, Any]) -> str | None:
    """The first constraint ``product`` breaks, described, or ``None``."""
    price = product.get("price")
    lo, hi = constraints.get("min_price"), constraints.get("max_price")
    if (lo is not None or hi is not None) and not isinstance(price, int | float):
        return "has no price"
    if lo is not None and price < lo - NUMBER_TOLERANCE:
        return f"price {price} is below {lo}"
    if hi is not None and price > hi + NUMBER_TOLERANCE:
        return f"price {price} is above {hi}"
    if "in_stock" in constraints and bool(product.get("in_stock")) != constraints["in_stock"]:
        return f"in_stock is {product.get('in_stock')}"
    attributes = product.get("attributes") or {}
    for name, wanted in (constraints.get("attributes") or {}).items():
        have = {str(v).strip().casefold() for v in attributes.get(name, [])}
        if not have & _one_of(wanted):
            return f"{name} is {sorted(have) or 'unset'}, not {wanted}"
    category = constraints.get("category")
    if category is not None and str(product.get("category", "")).casefold() not in _one_of(
        category
    ):
        return f"category is {product.get('category')!r}, not {category}"
    words = constraints.get("title_contains")
    title = str(product.get("title", "")).casefold()
    if words and not any(w in title for w in _one_of(words)):
        return f"title {product.get('title')!r} holds none of {words}"
    return None


def check_constraints(
    constraints: Mapping[str, Any],
    products: Sequence[Mapping[str, Any]],
    min_products: int,
    earlier: Collection[str] = (),
) -> list[str]:
    """Every way the products shown fail ``constraints`` (empty when all of them meet them).

    ``earlier`` holds the ids shown in the conversation's earlier turns.
    """
    problems: list[str] = []
    if not products and min_products > 0:
        problems.append("no product shown")
    for product in products:
        if reason := product_violation(product, constraints):
            problems.append(f"{product.get('id')}: {reason}")
    shown = [str(p.get("id")) for p in products]
    problems += [f"{pid} not shown" for pid in constraints.get("ids", []) if str(pid) not in shown]
    if constraints.get("not_shown_before"):
        problems += [f"{pid} was shown before" for pid in shown if pid in earlier]
    return problems


def check_answer(
    answer: str, contains: Iterable[str | list[str]], not_contains: Iterable[str]
) -> list[str]:
    """Which required phrases the answer lacks and which forbidden ones it holds."""
    text = answer.casefold()
    readings = (text, _THOUSANDS.sub("", text))

    def holds(phrase: str) -> bool:
        return any(phrase.casefold() in reading for reading in readings)

    problems = []
    for entry in contains:
        options = entry if isinstance(entry, list) else [entry]
        if not any(holds(option) for option in options):
            problems.append(f"answer lacks {' / '.join(map(repr, options))}")
    problems += [f"answer holds {p!r}" for p in not_contains if holds(p)]
    return problems


# ---- one turn ---------------------------------------------------------------------------


def score_turn(
    expect: Mapping[str, Any],
    calls: Sequence[Mapping[str, Any]],
    products: Sequence[Mapping[str, Any]],
    answer: str,
    earlier: Collection[str] = (),
) -> TurnScore:
    """Run every check ``expect`` asks for on what one turn did (``earlier``: ids shown before)."""
    score = TurnScore()
    tool_problems: list[str] = []
    args_problems: list[str] = []
    if "tool" in expect and (reason := check_tool(expect["tool"], calls)):
        tool_problems.append(reason)
    if "args" in expect and (reason := check_args(expect["tool"], expect["args"], calls)):
        args_problems.append(reason)
    missing, wrong_args = check_calls(expect.get("calls", []), calls)
    tool_problems += missing
    args_problems += wrong_args
    # A call asked about in an earlier turn and declined (or asked about again) in this one
    # was not made by it; one that ran on this turn's "yes" was.
    called = {
        c["name"] for c in calls if not c.get("carried") or _outcome_is(False, c.get("output"))
    }
    tool_problems += [
        f"{name} was called" for name in expect.get("not_called", []) if name in called
    ]
    if {"tool", "calls", "not_called"} & set(expect):
        score.tool = not tool_problems
    if "args" in expect or any("args" in c for c in expect.get("calls", [])):
        score.args = not args_problems
    score.failures += tool_problems + args_problems
    min_products = expect.get("min_products")
    if "constraints" in expect:
        floor = 1 if min_products is None else min(1, min_products)
        problems = check_constraints(expect["constraints"], products, floor, earlier)
        score.constraints = not problems
        score.failures += problems
    if min_products is not None:
        score.products = len(products) >= min_products
        if not score.products:
            score.failures.append(f"{len(products)} products shown, expected {min_products}+")
    if "answer_contains" in expect or "answer_not_contains" in expect:
        problems = check_answer(
            answer, expect.get("answer_contains", []), expect.get("answer_not_contains", [])
        )
        score.answer = not problems
        score.failures += problems
    return score


# ---- metrics ----------------------------------------------------------------------------


def rate(outcomes: Iterable[bool | None]) -> dict[str, Any]:
    """``{"correct", "total", "rate"}`` over the outcomes that were scored (not ``None``)."""
    scored = [o for o in outcomes if o is not None]
    correct = sum(scored)
    return {
        "correct": correct,
        "total": len(scored),
        "rate": round(correct / len(scored), 4) if scored else None,
    }


def summarize(conversations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The suite's metrics over conversation records (each with ``turns`` as the harness writes).

    A turn that raised an error fails every check it expected; turns not run (after an error)
    count as failed too, so an error never raises a rate.
    """
    turns = [t for c in conversations for t in c["turns"]]
    scores = [t.get("scores") for t in turns]
    latencies = [t["latency_ms"] for t in turns if t.get("latency_ms") is not None]

    def outcomes(check: str) -> list[bool | None]:
        return [s[check] if s else None for s in scores]

    def round_ms(value: float) -> float | None:
        return None if math.isnan(value) else round(value, 1)

    return {
        "conversations": len(conversations),
        "turns": len(turns),
        "errors": sum(1 for t in turns if t.get("error")),
        "tool_choice_accuracy": rate(outcomes("tool")),
        "argument_accuracy": rate(outcomes("args")),
        "constraint_satisfaction": rate(outcomes("constraints")),
        "pass_rate": rate(s["passed"] if s else None for s in scores),
        "conversations_passed": rate(conversation_passed(c) for c in conversations),
        "latency_ms": {
            "count": len(latencies),
            "p50": round_ms(percentile(latencies, 50)),
            "p95": round_ms(percentile(latencies, 95)),
        },
    }


def conversation_passed(conversation: Mapping[str, Any]) -> bool | None:
    """True when every scored turn passed; ``None`` when the conversation has no expectations."""
    scores = [t.get("scores") for t in conversation["turns"]]
    if not any(scores):
        return None
    return all(s["passed"] for s in scores if s) and not any(
        t.get("error") for t in conversation["turns"]
    )


def failed_score(expect: Mapping[str, Any], reason: str) -> TurnScore:
    """The score of a turn that could not run: every check it expected fails."""
    score = TurnScore(failures=[reason])
    for check, key in (
        ("tool", "tool"),
        ("tool", "calls"),
        ("tool", "not_called"),
        ("args", "args"),
        ("constraints", "constraints"),
        ("products", "min_products"),
    ):
        if key in expect:
            setattr(score, check, False)
    if any("args" in c for c in expect.get("calls", [])):
        score.args = False
    if "answer_contains" in expect or "answer_not_contains" in expect:
        score.answer = False
    return score
