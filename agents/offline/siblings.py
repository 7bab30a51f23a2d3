"""Another version of the product in focus: "and the silver version?", "is there a blue one?".

Gift-shop titles often name their colour or size ("Marie Antoinette Trinket Box Gold"), and the
other versions are separate products whose titles differ in that one word. When a short
follow-up names an attribute value of the catalog (and no product kind) while a product looked
at alone is in focus, the focus title with its own value of that attribute swapped for the one
named is looked up among the catalog's titles; a product found that way is read with
``get_product``. After a listing, "what about silver?" refines the search, so it is left to
the skills below, as is anything else.
"""

from __future__ import annotations

import re

from agents.offline.answers import details_answer, stock_answer
from agents.offline.context import LISTINGS
from agents.offline.dialogue import Dialogue
from agents.offline.step import Step, call_then_answer
from agents.offline.supply import forecast_answer
from agents.offline.text import normalize, tokens

DETAILS = "get_product"
STOCK = "check_inventory"
FORECAST = "forecast_demand"
MAX_WORDS = 9
# A follow-up about a version, not a new request: "and the silver version?", "a blue one?",
# "do you do it in ivory as well", "same for the pink one"
_VERSION = re.compile(
    r"\b(?:version|one|variant|edition|colou?r(?:way)?|instead|as well|too|also)\b"
    r"|^(?:and|what about|how about|same)\b|\bsame (?:for|again|with)\b|\b(?:it|that|this) in\b"
)


def sibling_id(d: Dialogue) -> str | None:
    """The product a version follow-up means, if the catalog has exactly that title."""
    focus = d.conv.focus()
    if focus is None or (known := d.ctx.known.get(focus.lower())) is None:
        return None
    last = next((r for r in reversed(d.conv.history) if r.output is not None), None)
    if last is None or last.name in LISTINGS:
        return None  # "any gold frames?" … "what about silver?": the search refined
    norm = normalize(d.text)
    words = tokens(norm)
    if len(words) > MAX_WORDS or not _VERSION.search(norm):
        return None
    matches = d.vocab.scan(words)
    if any(t.kind in ("category", "brand") for m in matches for t in m.terms):
        return None  # "a silver necklace instead": a new product kind, a search
    named = [t for m in matches for t in m.terms if t.kind == "value" and not t.weak]
    if len(named) != 1:
        return None
    wanted = named[0]
    title_words = tokens(normalize(known.title))
    own = [
        i
        for i, w in enumerate(title_words)
        if any(t.kind == "value" and t.name == wanted.name for t in d.vocab.lookup((w,)))
    ]
    if len(own) != 1 or title_words[own[0]] == wanted.value.lower():
        return None
    swapped = [*title_words[: own[0]], wanted.value.lower(), *title_words[own[0] + 1 :]]
    linked = d.vocab.named_product(" ".join(swapped))
    if linked is None or linked.product_id == focus or linked.coverage < 1.0:
        return None
    return linked.product_id


def sibling_step(d: Dialogue) -> Step | None:
    """The other version read as the focus product was: its forecast again after a forecast
    ("same for the pink one"), its stock after a stock check, else its details; ``None`` when
    the message asks for no such version."""
    if (product_id := sibling_id(d)) is None:
        return None
    last = next((r for r in reversed(d.conv.history) if r.output is not None), None)
    if last is not None and last.name == FORECAST and FORECAST in d.tool_names:
        args = {**last.args, "product_id": product_id}
        return call_then_answer(d.conv, FORECAST, args, forecast_answer)
    if last is not None and last.name == STOCK and STOCK in d.tool_names:
        return call_then_answer(d.conv, STOCK, {"product_id": product_id}, stock_answer)
    if DETAILS not in d.tool_names:
        return None
    return call_then_answer(d.conv, DETAILS, {"product_id": product_id}, details_answer)
