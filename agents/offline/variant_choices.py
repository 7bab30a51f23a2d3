"""A question about one product sold in variants that names options ("over-ear wireless
headphones in blue, do you have them?", "the keyboard with tactile switches and RGB, price?",
"cheapest waterproof speaker you have in stock?"): answered by the variants that have every
named option, each with its own price and whether it can be ordered, not by the product's
overall stock or its cheapest variant.

Core shopping plans the turn (a details or a stock look-up of the product); once its result
shows the product has variants, this skill reads them from ``get_product`` (looked up when the
stock check came first) and writes the answer. A product without variants is left to shopping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.offline.context import DETAILS, SEARCH, STOCK, ToolRecord
from agents.offline.dialogue import Dialogue
from agents.offline.nlu import Understanding
from agents.offline.shopping import plan_turn
from agents.offline.step import Step, call, say
from agents.offline.text import currency_symbol, format_price
from agents.offline.variant_options import (
    describe_options,
    describe_values,
    matching,
    option_for,
    option_names,
    options_in_text,
    ordered,
    understood_options,
    variant_line,
)


def asked_options(
    u: Understanding, text: str, variants: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """The options the message names, as the variants spell them: those the shopping reading
    found, then the variants' own values said in the message ("in medium" for size "M"); an
    option asked about by its name alone in a stock question ("a waterproof speaker in
    stock?") counts as "yes"."""
    asked: dict[str, Any] = dict(u.attributes)
    if u.asked_attribute and u.asked_attribute not in asked and u.intent == "stock":
        asked[u.asked_attribute] = "yes"
    options = understood_options(asked, variants)
    for name, value in options_in_text(text, variants).items():
        options.setdefault(name, value)
    return options


def _catalog_options(d: Dialogue) -> list[dict[str, Any]]:
    """Every option value of the catalog, shaped as variants, to tell whether a message names
    any before the product's own variants are read."""
    return [
        {"options": {name: value}}
        for name, values in d.vocab.attributes.items()
        for value in values
    ]


def _records(d: Dialogue) -> list[ToolRecord]:
    return [r for rnd in d.conv.rounds for r in rnd if r.answered]


def variant_answer(output: Mapping[str, Any], options: Mapping[str, str], sort: str) -> str:
    """The variants of one product with every asked option: how many can be ordered, each
    with its price; the cheapest (or dearest) named first when the shopper asked for it."""
    variants = [v for v in output.get("variants") or [] if isinstance(v, Mapping)]
    symbol = currency_symbol(str(output.get("currency", "")))
    head = f"{output.get('title', '')} ({output.get('id')})"
    asked = describe_options(options)
    found = matching(variants, options)
    if not found:
        offered = {
            name: sorted({str((v.get("options") or {}).get(name)) for v in variants})
            for name in options
        }
        choices = "; ".join(f"{name}: {', '.join(vals)}" for name, vals in offered.items())
        return f"{head} doesn't come with {asked} together. Its options are {choices}."
    available = [v for v in found if v.get("available")]
    head = f"{head} with {asked}" if asked else head
    lines: list[str] = []
    if not available:
        one = len(found) == 1
        lines.append(
            f"{head}: {'that variant is' if one else 'those variants are'} not available right "
            "now, so it can't be ordered."
        )
        others = [v for v in variants if v.get("available")]
        if others and options:
            lines.append(f"{len(others)} other variants of it can be ordered.")
    else:
        lines.append(
            f"{head}: {len(available)} of {len(found)} matching variant"
            f"{'s' if len(found) != 1 else ''} can be ordered."
        )
        if sort in ("price_asc", "price_desc"):
            word = "cheapest" if sort == "price_asc" else "dearest"
            top, pick = ordered(found, sort)[0], ordered(available, sort)[0]
            if top is not pick:
                lines.append(
                    f"The {word} of them, {describe_values(top.get('options') or {})}, is not "
                    "available right now."
                )
            money = format_price(float(pick.get("price") or 0.0), symbol)
            lines.append(
                f"The {word} you can order: {describe_values(pick.get('options') or {})}, "
                f"{money}, in stock."
            )
    lines += [variant_line(v, symbol) for v in ordered(found, "price_asc")]
    return "\n".join(lines)


def option_values_answer(product: Mapping[str, Any], name: str) -> str:
    """ "what colours can I get it in": the values of one option of a product sold in
    variants, each with how many of its variants can be ordered and its lowest price."""
    variants = [v for v in product.get("variants") or [] if isinstance(v, Mapping)]
    symbol = currency_symbol(str(product.get("currency", "")))
    by_value: dict[str, list[Mapping[str, Any]]] = {}
    for v in variants:
        value = (v.get("options") or {}).get(name)
        if value is not None:
            by_value.setdefault(str(value), []).append(v)
    what = f"{len(by_value)} {name} options" if len(by_value) != 1 else f"one {name}"
    lines = [f"{product.get('title', '')} ({product.get('id')}) comes in {what}:"]
    for value, group in by_value.items():
        can = [v for v in group if v.get("available")]
        low = format_price(min(float(v.get("price") or 0.0) for v in (can or group)), symbol)
        state = (
            f"{len(can)} of {len(group)} variant{'s' if len(group) != 1 else ''} can be "
            f"ordered, from {low}"
            if can
            else f"not available right now ({len(group)} variant{'s' if len(group) != 1 else ''}, "
            f"from {low})"
        )
        lines.append(f"- {value}: {state}")
    return "\n".join(lines)


def _asked_values_step(d: Dialogue, u: Understanding) -> Step | None:
    """A search that asked which values an option has ("what colors can I get the running
    shoes in") and found one product sold in variants: its values, with availability."""
    searches = [r for r in _records(d) if r.name == SEARCH and r.output is not None]
    if not searches or not u.asked_attribute or len(searches[-1].products) != 1:
        return None
    product = searches[-1].products[0]
    variants = [v for v in product.get("variants") or [] if isinstance(v, Mapping)]
    name = option_for(u.asked_attribute, option_names(variants)) if variants else None
    return say(option_values_answer(product, name)) if name else None


def variant_choice_step(d: Dialogue) -> Step | None:
    """The answer from the product's variants; ``None`` when the message names no option of
    it, or is not a question about one product that has variants."""
    if DETAILS not in d.tool_names or not d.conv.rounds:
        return None
    u = d.understanding
    if u.intent == "search" and not u.attributes:
        return _asked_values_step(d, u)
    if u.intent not in ("details", "stock"):
        return None
    plan = plan_turn(u, d.conv, d.ctx, d.vocab)
    if plan.kind not in ("details", "stock") or len(plan.calls) != 1:
        return None
    pid = str(plan.calls[0].args.get("product_id", ""))
    records = _records(d)
    looked_up = [r for r in records if r.name == DETAILS and r.output and r.output.get("id") == pid]
    if looked_up:
        output = looked_up[-1].output or {}
        variants = [v for v in output.get("variants") or [] if isinstance(v, Mapping)]
        options = asked_options(u, d.text, variants) if variants else {}
        if not options:
            return None  # no variants, or none of the named options: shopping answers
        return say(variant_answer(output, options, u.sort or ""))
    stocked = [r for r in records if r.name == STOCK and r.output]
    if not stocked or stocked[-1].output is None:
        return None
    if stocked[-1].output.get("variants_available") is None:
        return None  # not sold in variants: the stock answer stands
    if asked_options(u, d.text, _catalog_options(d)):
        return call(DETAILS, {"product_id": pid})
    return None
