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
from collections.abc import Sequence

from agents.offline.answers import details_answer, search_answer, stock_answer
from agents.offline.context import LISTINGS
from agents.offline.cues import STOPWORDS
from agents.offline.dialogue import Dialogue
from agents.offline.merchandising import horizon_days
from agents.offline.references import one_phrase_words, title_holds
from agents.offline.step import Step, call_then_answer
from agents.offline.supply import forecast_answer
from agents.offline.text import normalize, tokens
from agents.offline.vocabulary import CatalogVocabulary, Term

DETAILS = "get_product"
SEARCH = "search_products"
STOCK = "check_inventory"
FORECAST = "forecast_demand"
MAX_WORDS = 9
# A follow-up about a version, not a new request: "and the silver version?", "a blue one?",
# "do you do it in ivory as well", "same for the pink one"
_VERSION = re.compile(
    r"\b(?:version|one|variant|edition|colou?r(?:way)?|instead|as well|too|also)\b"
    r"|^(?:and|what about|how about|same)\b|\bsame (?:for|again|with)\b|\b(?:it|that|this) in\b"
)

# Words of a follow-up that name no product: "ok and the … one please?"
_FILLER = frozenset(
    """ok okay so and what how about the a an one ones please then same for with too also as
    well that this is there do you have any""".split()  # noqa: SIM905 (a word list reads better as text)
)

# A period said beside the product ("and the blue ones, next 30 days?") names no product.
_PERIOD = frozenset(
    ["next", "over", "coming", "following", "day", "days", "week", "weeks", "month", "months"]
)
MAX_NEW_WORDS = 2


def sibling_id(d: Dialogue) -> str | None:
    """The product a version follow-up means, if the catalog has exactly that title."""
    focus = d.conv.focus()
    if focus is None or (known := d.ctx.known.get(focus.lower())) is None:
        return None
    last = next((r for r in reversed(d.conv.history) if r.output is not None), None)
    norm = normalize(d.text)
    if last is None:
        return None
    if last.name in LISTINGS and not (len(last.products) == 1 and one_phrase_words(norm)):
        # "any gold frames?" … "what about silver?": the search refined; but after one product
        # found, "and the owls one?" names its other version
        return None
    # the period of a forecast follow-up is no part of the version named ("same for the
    # blue one but over 2 weeks")
    said = [w for w in tokens(norm) if w not in _PERIOD and not w.isdigit()]
    if len(said) > MAX_WORDS or not _VERSION.search(norm):
        return None
    return version_of(d, known.title, focus)


def version_of(d: Dialogue, title: str, focus: str) -> str | None:
    """The other version of the product ``focus`` (titled ``title``) that the message names by
    an option value or a title word ("the green one"), if the catalog has exactly that title."""
    words = tokens(normalize(d.text))
    matches = d.vocab.scan(words)
    title_words = tokens(normalize(title))
    if any(t.kind in ("category", "brand") for m in matches for t in m.terms):
        # "a silver necklace instead": a new product kind, a search; unless the words said
        # make a whole title with the rest of the focus title ("and the bird design ones?")
        return _word_swapped(d, words, title_words, focus)
    named = [t for m in matches for t in m.terms if t.kind == "value" and not t.weak]
    if len(named) != 1:
        return _word_swapped(d, words, title_words, focus)
    return _value_swapped(d, named[0], title_words, focus) or _word_swapped(
        d, words, title_words, focus
    )


def _value_swapped(d: Dialogue, wanted: Term, title_words: list[str], focus: str) -> str | None:
    """ "and the silver version?": the focus title with its own value of the attribute named
    swapped for the one said."""
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


def _word_swapped(d: Dialogue, words: list[str], title_words: list[str], focus: str) -> str | None:
    """ "ok and the sweetheart one?" after the Strawberry Ceramic Trinket Box, "and the bird
    design ones?" after the Hand Warmer Owl Design (see ``swapped_title``)."""
    return swapped_title(d.vocab, words, title_words, focus)


def swapped_title(
    vocab: CatalogVocabulary, words: Sequence[str], title_words: list[str], focus: str
) -> str | None:
    """The title words said that the focus title lacks, put in place of each of its words in
    turn; the one product of the catalog (not ``focus``) found whole that way."""
    said = [
        w
        for w in words
        if w not in _FILLER
        and w not in STOPWORDS
        and w not in title_words
        and w not in _PERIOD
        and not w.isdigit()
        and not _VERSION.fullmatch(w)
    ]
    if not 0 < len(said) <= MAX_NEW_WORDS or not all(vocab.knows_word(w) for w in said):
        return None
    found = set()
    for i in range(len(title_words)):
        swapped = [*title_words[:i], *said, *title_words[i + 1 :]]
        linked = vocab.named_product(" ".join(swapped))
        if linked is not None and linked.coverage >= 1.0 and linked.product_id != focus:
            found.add(linked.product_id)
    return found.pop() if len(found) == 1 else None


def sibling_step(d: Dialogue) -> Step | None:
    """The other version read as the focus product was: its forecast again after a forecast
    ("same for the pink one"), its stock after a stock check, else its details; ``None`` when
    the message asks for no such version."""
    if (product_id := sibling_id(d)) is None:
        return None
    last = next((r for r in reversed(d.conv.history) if r.output is not None), None)
    if last is not None and last.name == FORECAST and FORECAST in d.tool_names:
        args = {**last.args, "product_id": product_id}
        days = horizon_days(normalize(d.text))
        if days is not None:
            args["horizon_days"] = days  # "and the blue ones, next 30 days?"
        return call_then_answer(d.conv, FORECAST, args, forecast_answer)
    if last is not None and last.name == STOCK and STOCK in d.tool_names:
        return call_then_answer(d.conv, STOCK, {"product_id": product_id}, stock_answer)
    if DETAILS not in d.tool_names:
        return None
    return call_then_answer(d.conv, DETAILS, {"product_id": product_id}, details_answer)


# "is there a smaller/cheaper version of it", "a cheaper alternative to that one?": the same
# kind, below the price of the product meant.
_LESSER_VERSION = re.compile(
    r"\b(?:smaller|cheaper|less expensive|lower priced|more affordable)"
    r"(?:\s*(?:/|or|and)\s*(?:smaller|cheaper|less expensive))?"
    r" (?:version|alternative|option|model|one)s? (?:of|to|than|for) (?:it|that|this)\b"
)


def lesser_version_step(d: Dialogue) -> Step | None:
    """Products of the kind of the one in focus (else the one last looked at alone) priced
    below it, cheapest first; ``None`` when the message asks for no such version."""
    if SEARCH not in d.tool_names or not _LESSER_VERSION.search(normalize(d.text)):
        return None
    product_id = d.conv.focus() or next(iter(reversed(d.ctx.looked_at)), None)
    product = d.ctx.known.get(product_id.lower()) if product_id else None
    if product is None or not product.category or not product.price:
        return None
    args = {
        "query": product.category,
        "category": product.category,
        "max_price": round(product.price - 0.01, 2),
        "sort": "price_asc",
    }
    return call_then_answer(
        d.conv,
        SEARCH,
        args,
        lambda record: search_answer([record], [], d.vocab, like=product.title),
    )


# "what similar lanterns could I use instead?" about a lantern in focus: other products of that
# kind, in stock, in place of it (the shopper's count is answered by the request before).
_SIMILAR = re.compile(r"\b(?:similar|alternative|other)\b")
_INSTEAD = re.compile(r"\b(?:instead|in its place|rather)\b")


def similar_kind_step(d: Dialogue) -> Step | None:
    """In-stock products of the kind of the product in focus, when the message names that kind
    and asks for similar ones to use instead; ``None`` otherwise."""
    norm = normalize(d.text)
    if SEARCH not in d.tool_names or not (_SIMILAR.search(norm) and _INSTEAD.search(norm)):
        return None
    focus = d.conv.focus()
    product = d.ctx.known.get(focus.lower()) if focus else None
    if product is None or not product.category:
        return None
    kind, said = product.category, set(tokens(norm))
    if not all(title_holds(said, word) for word in tokens(normalize(kind))):
        return None  # "similar mugs instead" about a lantern: a search of its own
    args = {"query": kind, "category": kind, "in_stock_only": True}
    return call_then_answer(
        d.conv,
        SEARCH,
        args,
        lambda record: search_answer([record], [], d.vocab, like=product.title),
    )
