"""One product picked from those just shown by size or price: "what's the biggest?", "which is
cheaper?" after two were compared.

- Size: the size word of each title ("Large", "Jumbo", "Mini"...) ranks the products listed;
  when no two titles differ in size words, the question is left to the other skills.
- Price, after products were looked at side by side (no listing to sort again): the cheaper
  or the dearer of those; "the cheaper one" of a listing of two, of those two. After a longer
  listing, "the cheapest" stays a sorted search.

The pick is looked up (``get_product``) and answered with why it was picked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.offline import answers
from agents.offline.context import DETAILS, Conversation
from agents.offline.dialogue import Dialogue
from agents.offline.nlu import ShownProduct
from agents.offline.step import Step, call_then_answer
from agents.offline.text import normalize, tokens

_BIGGEST = re.compile(r"\b(?:biggest|largest|bigger|larger|tallest|taller|roomiest)\b")
_SMALLEST = re.compile(r"\b(?:smallest|smaller|tiniest|littlest|shortest|most compact)\b")
_CHEAPER = re.compile(r"\b(?:cheaper|cheapest|less expensive|least expensive|lower priced)\b")
_DEARER = re.compile(r"\b(?:dearer|dearest|pricier|priciest|more expensive|most expensive)\b")
# "the cheaper one" of exactly two listed: a pick between them, not a sorted search.
_OF_TWO = re.compile(
    r"\bthe (?:cheaper|dearer|pricier|less expensive|more expensive)"
    r" (?:one|1|of (?:the|those) two)\b"
)
TWO = 2
# How big a title says a product is, by its size words.
_SIZE_WORDS = {
    "mini": 1,
    "tiny": 1,
    "small": 2,
    "little": 2,
    "medium": 3,
    "regular": 3,
    "large": 4,
    "big": 4,
    "xl": 5,
    "jumbo": 5,
    "giant": 5,
    "extra": 0,  # "extra large" counts as large plus one
}


def _size(title: str) -> int | None:
    words = tokens(normalize(title))
    found = [_SIZE_WORDS[w] for w in words if w in _SIZE_WORDS and _SIZE_WORDS[w]]
    if not found:
        return None
    size = max(found)
    return size + 1 if "extra" in words and size >= _SIZE_WORDS["large"] else size


def _compared(conv: Conversation) -> list[ShownProduct]:
    """The products the last turn looked at one by one, when it looked at two or more."""
    if not conv.turns:
        return []
    known = conv.known_products()
    ids = [
        str(r.output.get("product_id") or r.output.get("id"))
        for r in conv.turns[-1]
        if r.name == DETAILS and r.output is not None
    ]
    picked = [known[i.lower()] for i in dict.fromkeys(ids) if i.lower() in known]
    return picked if len(picked) > 1 else []


def _by_size(products: Sequence[ShownProduct], biggest: bool) -> tuple[ShownProduct, str] | None:
    sized = [(s, p) for p in products if (s := _size(p.title)) is not None]
    if not sized:
        return None
    size, product = (max if biggest else min)(sized, key=lambda sp: sp[0])
    if len([p for s, p in sized if s == size]) > 1:
        return None
    # one size said alone ranks only when it says the extreme: "Large" among unsized titles
    extreme = size >= _SIZE_WORDS["large"] if biggest else size <= _SIZE_WORDS["small"]
    if len({s for s, _ in sized}) < TWO and not extreme:
        return None
    word = "biggest" if biggest else "smallest"
    return product, f"The {word} of those, going by the size in its title, is {product.title}:"


def _by_price(products: Sequence[ShownProduct], cheap: bool) -> tuple[ShownProduct, str] | None:
    prices = {p.price for p in products}
    if len(prices) < TWO:
        names = " and ".join(p.title for p in products)
        return products[0], f"{names} cost the same; here is the first:"
    product = (min if cheap else max)(products, key=lambda p: p.price)
    word = "cheaper" if cheap else "dearer"
    word = word if len(products) == TWO else ("cheapest" if cheap else "dearest")
    return product, f"The {word} is {product.title}:"


def superlative_step(d: Dialogue) -> Step | None:
    """The pick's details with why it was picked; ``None`` when the message asks no such pick
    or the products shown cannot rank it."""
    if DETAILS not in d.tool_names:
        return None
    norm = normalize(d.text)
    u = d.understanding
    if u.category and u.category != d.ctx.category:
        return None  # "the biggest vase you have": a search of its own
    compared = _compared(d.conv)
    pick: tuple[ShownProduct, str] | None = None
    if _BIGGEST.search(norm) or _SMALLEST.search(norm):
        pool = compared or list(d.ctx.shown)
        pick = _by_size(pool, biggest=bool(_BIGGEST.search(norm)))
    elif compared and (_CHEAPER.search(norm) or _DEARER.search(norm)):
        pick = _by_price(compared, cheap=bool(_CHEAPER.search(norm)))
    elif len(d.ctx.shown) == TWO and _OF_TWO.search(norm):
        pick = _by_price(list(d.ctx.shown), cheap=bool(_CHEAPER.search(norm)))
    if pick is None:
        return None
    product, why = pick
    return call_then_answer(
        d.conv,
        DETAILS,
        {"product_id": product.id},
        lambda record: f"{why}\n{answers.details_answer(record)}",
    )
