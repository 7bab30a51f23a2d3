"""A new search that narrows the last one keeps the limits said before it.

"little prizes - stickers, erasers, that kind of thing. under 50p each" then "only stickers
pls": the kind was one of the words of the last search, so the shopper narrows it and the price
cap (and an in-stock filter) still hold. "what's the cheapest pack you have?" after pencils
were listed names only a way of selling them ("pack", "set", "box"): the last search again,
cheapest first, never every pack in the shop. "something she'd use at school maybe" after a
gift budget was said is another idea within that budget.
"""

from __future__ import annotations

import re
from typing import Any

from agents.offline.context import DETAILS, STOCK, Conversation
from agents.offline.text import normalize, tokens
from agents.offline.understanding import Understanding

# Limits a narrowing keeps, as the search tool names them.
KEPT = ("min_price", "max_price", "in_stock_only")
# Ways of selling a kind, no kind of their own.
_UNITS = frozenset(
    [
        "pack",
        "packs",
        "packet",
        "packets",
        "set",
        "sets",
        "box",
        "boxes",
        "bundle",
        "bundles",
        "lot",
        "one",
        "ones",
    ]
)
MAX_NARROWING_WORDS = 8
# Another idea for the same shopper: "something she'd use at school maybe", "or anything for
# the garden?" (a price said with it is read as said).
_IDEA = re.compile(
    r"^(?:(?:ok|okay|hmm+|or|oh|maybe|perhaps|what about|how about|ooh)[,.!]?\s+)*"
    r"(?:something|anything)\b(?! (?:else|cheaper|pricier|different)\b)"
)


# A question left unfinished after an out-of-stock answer: "… that are?", "… which r".
_TRAILS_OFF = re.compile(r"\b(?:that|which|which ones|ones that) (?:are|r|is|are in)\W*$")


def _out_of_stock_last(conv: Conversation) -> bool:
    """The last turn looked up a product that is out of stock."""
    if not conv.turns:
        return False
    looked_up = [r.output for r in conv.turns[-1] if r.name in (STOCK, DETAILS) and r.output]
    return any(out.get("in_stock") is False for out in looked_up)


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _words(text: str) -> set[str]:
    return {_stem(w) for w in tokens(normalize(text))}


def with_earlier_limits(
    u: Understanding, conv: Conversation, args: dict[str, Any]
) -> dict[str, Any]:
    """``args`` of a fresh search, with the last search's limits kept (or the last search
    itself, sorted) when the message narrows it as above; else ``args`` unchanged."""
    if _TRAILS_OFF.search(normalize(u.text)) and _out_of_stock_last(conv):
        # "damn. any others under a fiver that are" right after "it's out of stock"
        args = {**args, "in_stock_only": True}
    base = conv.refine_base()
    if base is None or u.price is not None or len(u.text.split()) > MAX_NARROWING_WORDS:
        return args
    said = [w for w in u.query_words if w]
    if said and u.sort and not u.category and all(w in _UNITS for w in said):
        # "the cheapest pack you have?": the last search, in the order asked
        return {**{k: v for k, v in base.items() if k != "offset"}, "sort": u.sort}
    if _IDEA.search(normalize(u.text)):
        # "something she'd use at school maybe" after a budget was said: still that budget
        return {**args, **{k: base[k] for k in KEPT if k in base and k not in args}}
    if not u.narrowing:
        return args
    before = _words(f"{base.get('query', '')} {base.get('category', '')}")
    kind = _words(f"{' '.join(said)} {u.category or ''}")
    if not kind or not kind <= before:
        return args  # a kind the last search did not ask for: a search of its own
    kept = {k: base[k] for k in KEPT if k in base and k not in args}
    return {**args, **kept}
