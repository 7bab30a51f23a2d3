"""A short follow-up about the variants of the one product the last answer looked up: another
value of one of its options ("ok what about black" after "over-ear wireless headphones in
blue?") keeps the other options asked before and swaps that one; "cheapest of those" picks
among the variants asked about before. The product is looked up again and the answer written
from its variants (``variant_choices.variant_answer``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from agents.offline.context import DETAILS, SEARCH, ToolRecord
from agents.offline.dialogue import Dialogue
from agents.offline.step import Step, call, say
from agents.offline.text import normalize
from agents.offline.variant_choices import variant_answer
from agents.offline.variant_options import options_in_text, understood_options, values_said

MAX_FOLLOW_UP_WORDS = 10
_PICK = re.compile(
    r"\b(?:cheapest|least expensive|lowest price[sd]?|cheaper one|lowest cost)\b"
    r"|\b(?P<dear>dearest|most expensive|priciest|highest price[sd]?)\b"
)


def _variants(output: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    found = (output or {}).get("variants") or []
    return [v for v in found if isinstance(v, Mapping)]


def _last_product(turn: Sequence[ToolRecord]) -> tuple[str, str, list[Mapping[str, Any]]] | None:
    """The one product sold in variants the last turn looked up (not searched: a search is
    refined by shopping, its constraints kept): (id, category, variants)."""
    if any(r.name == SEARCH for r in turn):
        return None
    for record in reversed(turn):
        if record.name == DETAILS and _variants(record.output):
            out = record.output or {}
            return str(out.get("id")), str(out.get("category", "")), _variants(out)
    return None


def _earlier_options(
    d: Dialogue, pid: str, variants: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """The options the turns about this product named by their values, oldest first, each
    later one replacing an earlier value of the same option."""
    texts: list[str] = []
    for turn, text in zip(reversed(d.conv.turns), reversed(d.conv.turn_texts), strict=False):
        last = _last_product(turn)
        if last is None or last[0] != pid:
            break
        texts.append(text)
    options: dict[str, str] = {}
    for text in reversed(texts):
        options.update(options_in_text(text, variants))
    return options


def variant_followup_step(d: Dialogue) -> Step | None:
    """The follow-up answered from the product's variants; ``None`` when the last turn was not
    about one product sold in variants, or the message is not a short follow-up on it."""
    conv = d.conv
    if DETAILS not in d.tool_names or not conv.turns or not conv.turn_texts:
        return None
    words = normalize(d.text).split()
    if not words or len(words) > MAX_FOLLOW_UP_WORDS:
        return None
    last = _last_product(conv.turns[-1])
    if last is None:
        return None
    pid, category, variants = last
    u = d.understanding
    if u.category and u.category.lower() != category.lower():
        return None  # another kind of product
    if u.explicit_references or u.intent in ("greeting", "thanks", "bye", "reset"):
        return None
    if any(len(values) > 1 for values in values_said(d.text, variants).values()):
        return None  # "wifi or ethernet?" asks which there are: shopping answers
    named = understood_options(u.attributes, variants)
    for name, value in options_in_text(d.text, variants).items():
        named.setdefault(name, value)
    pick = _PICK.search(normalize(d.text))
    if not named and not pick or (u.intent == "order" and not pick):
        return None
    if conv.rounds:
        looked_up = [
            r for rnd in conv.rounds for r in rnd if r.name == DETAILS and r.output is not None
        ]
        if not looked_up:
            return None
        output = looked_up[-1].output or {}
        options = {**_earlier_options(d, pid, variants), **named}
        sort = "" if pick is None else "price_desc" if pick.group("dear") else "price_asc"
        return say(variant_answer(output, options, sort))
    return call(DETAILS, {"product_id": pid})
