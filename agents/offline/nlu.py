"""Intent and slot understanding of one shopper message, given what the conversation showed.

``understand`` peels the message in layers: price phrases, then English cues (sort orders, stock
filters, intent words), then references to shown products, then the catalog vocabulary
(categories, attribute values, brands); what is left is the free-text product need. The layers
live in ``cue_slots``, ``references``, ``slots`` and ``intents``.
"""

from __future__ import annotations

import re
from typing import Any

from agents.offline import cues
from agents.offline.cue_slots import detect_flags, take_slot_cues
from agents.offline.entities import Linked
from agents.offline.gifts import (
    OCCASION_PHRASES,
    OCCASION_WORDS,
    PEOPLE,
    gift_category,
    is_gift_request,
    occasion_object,
)
from agents.offline.intents import decide
from agents.offline.negation import take_exclusions
from agents.offline.prices import PriceRange, parse_price
from agents.offline.references import (
    catalog_words_reference,
    kind_one_reference,
    take_references,
    title_reference,
)
from agents.offline.slots import fill_slots, take_clears
from agents.offline.text import normalize, phrase_key, plural_forms, tokens
from agents.offline.understanding import (
    Intent,
    NluContext,
    Reference,
    ShownProduct,
    Understanding,
)
from agents.offline.vocabulary import CatalogVocabulary
from tools.search.text import index_terms

__all__ = [
    "Intent",
    "NluContext",
    "Reference",
    "ShownProduct",
    "Understanding",
    "describe",
    "understand",
]


# A title this long, named whole after "the", means that one product.
MIN_TITLE_TERMS = 3
# A comparison of two products named by their titles: "X or Y", "X vs Y", "X and Y".
PAIR = 2
_PAIR_SPLIT = re.compile(r"\b(?:and|or|vs\.?|versus|with)\b")


def _without_purpose(norm: str) -> str:
    """``norm`` without the reason it gives after a question about a product in play ("what's
    its price so I can put it in the copy"): the reason's words are no product wanted."""
    head = cues.PURPOSE.sub("", norm).strip()
    if not head or head == norm or re.search(r"\d", norm[len(head) :]):
        return norm  # "is it in stock, as I need 20": the count is part of the question
    flags = detect_flags(head)
    asks = flags.details or flags.stock
    return head if asks and cues.POINTER.search(head) else norm


def understand(text: str, vocab: CatalogVocabulary, ctx: NluContext | None = None) -> Understanding:
    """Read one shopper message."""
    ctx = ctx or NluContext()
    norm = _without_purpose(normalize(text))
    u = Understanding(text=norm)
    if not re.search(r"[a-z0-9]", norm):
        u.intent = "empty"
        return u
    said, dropped = cues.PRICE_CLEAR.subn(" , ", norm)
    if dropped:
        u.cleared.add("price")  # "ok forget the budget": the price filter, not a cheap sort
    u.price, rest = parse_price(_without_interjections(cues.DISCOURSE.sub(" , ", said), vocab))
    for step, pattern in ((1, cues.SIZE_UP), (-1, cues.SIZE_DOWN)):
        rest, resized = pattern.subn(" ", rest)
        u.resize = u.resize or (step if resized else 0)
    rest, u.excluded = take_exclusions(rest, vocab)  # before "made of" reads as a question
    flags = detect_flags(rest)
    u.topic = flags.topic
    u.greeted = flags.greeting
    u.compare = bool(cues.COMPARE.search(rest))
    u.narrowing = bool(cues.NARROWING.search(rest))
    u.replacing = bool(cues.REPLACING.search(rest))
    made_of = bool(cues.MADE_OF.search(rest))
    rest = take_slot_cues(u, rest)
    rest = take_references(u, rest, vocab, ctx, flags)
    words = take_clears(u, tokens(rest), vocab)
    refers_by_words = flags.details or flags.stock or flags.order or flags.similar
    # "got any left?" asks about the product named, not for any product of a kind.
    indefinite = cues.INDEFINITE.search(cues.ANY_LEFT.sub(" ", norm))
    pointing = refers_by_words and not indefinite  # "teapots, do you have any": a kind
    if not u.explicit_references and (pointing or cues.DEFINITE_ONE.search(norm)):
        title_reference(u, words, ctx)
        if not u.references and not u.ambiguous:
            kind_one_reference(u, ctx, vocab)  # "the keep calm one" of the kind listed
        if not u.references and not u.ambiguous and pointing:
            catalog_words_reference(u, vocab)  # "lovebird lantern, how many have you got"
    elif not u.explicit_references and u.replacing:
        title_reference(u, words, ctx, strict=True)
    about_one = flags.similar or bool(cues.TOGETHER.search(norm))
    # Not a product shown here: a product of the catalog named by its title ("tell me about
    # the Round Cake Tin Vintage Red"; "a water bottle made of glass" asks for a kind).
    naming = about_one or refers_by_words and not indefinite
    named = vocab.named_product(norm) if not u.explicit_references else None
    pair = _two_titles(norm, vocab) if u.compare and not u.explicit_references else []
    if pair:
        # "torn between the red cake stand and the cream basket one": both, side by side
        u.references.extend(Reference("title", product_id=pid) for pid in pair)
    elif named is not None and (naming or _whole_title_named(named, norm)):
        u.references.append(Reference("title", product_id=named.product_id))
    if any(r.kind == "title" for r in u.references):
        # the title's words are spent; an option named beside it is still asked about
        # ("what colours does the Coffee Maker come in?")
        asked = [t.name for w in words for t in vocab.lookup((w,)) if t.kind == "attribute"]
        u.asked_attribute = u.asked_attribute or next(iter(asked), None)
        # "do you sell the indoor security camera in 4k?": an option value its title lacks
        title = _named_title(u, vocab, ctx)
        for w in words:
            values = [t for t in vocab.lookup((w,)) if t.kind == "value" and not t.weak]
            best = vocab.best_attribute(values, None) if w not in title else None
            if best is not None and best.name not in u.attributes:
                u.attributes[best.name] = best.value
        words = []
        if not u.compare:
            # "the skull one, how much is it?": "it" is the product just named, not another
            u.references = [r for r in u.references if r.kind != "pronoun"]
    fill_slots(u, words, vocab, ctx)
    if made_of and u.asked_attribute is None:
        u.asked_attribute = next((n for n in vocab.attributes if "material" in n.lower()), None)
    if u.asked_attribute is not None:
        flags.details = True
    u.intent = decide(u, flags, vocab, ctx, words)
    if u.intent == "search" and is_gift_request(norm):
        _read_gift(u, norm, vocab)
    return u


def _two_titles(norm: str, vocab: CatalogVocabulary) -> list[str]:
    """Two products a comparison names by their titles, one each side of "and" / "or" /
    "vs" (whole titles, else most of each); ``[]`` unless exactly two."""
    ids: list[str] = []
    for part in _PAIR_SPLIT.split(norm):
        linked = vocab.named_product(part) or vocab.loosely_named_product(part)
        if linked is not None and linked.product_id not in ids:
            ids.append(linked.product_id)
    return ids if len(ids) == PAIR else []


def _named_title(u: Understanding, vocab: CatalogVocabulary, ctx: NluContext) -> set[str]:
    """The words of the title a message named (of both, for a pair compared)."""
    titled = [r.product_id for r in u.references if r.kind == "title"]
    if len(titled) > 1:
        return {w for pid in titled for w in tokens(normalize(vocab.title_of(pid) or ""))}
    pid = next(iter(titled), None)
    known = ctx.known.get((pid or "").lower())
    if known is not None:
        return set(tokens(normalize(known.title)))
    named = vocab.named_product(u.text)
    return set(tokens(normalize(named.title))) if named is not None else set()


def _without_interjections(text: str, vocab: CatalogVocabulary) -> str:
    """ "ugh not pink ones" -> "not pink ones": a sound of feeling is no product, unless the
    catalog itself uses the word ("ooh" in a title)."""

    def cut(match: re.Match[str]) -> str:
        word = match.group(0)
        return match.group(0) if vocab.knows_word(word) or vocab.lookup((word,)) else " , "

    return cues.INTERJECTION.sub(cut, text)


def _whole_title_named(named: Linked, norm: str) -> bool:
    """ "show me the Regency Teapot Roses": a whole title of three words or more, said from
    "the" and its first word on. "metal signs for the garden" holds every word of "Garden
    Metal Sign" but names a kind: "the garden" starts no title there, and "signs" is the
    plural of the title's head noun."""
    title = tokens(normalize(named.title))
    if named.coverage < 1.0 or named.matched < MIN_TITLE_TERMS or not title:
        return False
    start = norm.find(f"the {title[0]}")
    if start < 0 or not set(index_terms(named.title)) <= set(index_terms(norm[start:])):
        return False
    said = set(tokens(norm))
    head = title[-1]
    return head in said or not plural_forms(head) & said


def _read_gift(u: Understanding, norm: str, vocab: CatalogVocabulary) -> None:
    """A gift or an occasion: its words without the people it names, and the category it
    means when it names none."""
    kept = [w for w in u.query_words if w not in PEOPLE]
    # "secret santa ideas": the occasion's words ("santa") are no object of the present
    occasion = {w for phrase in OCCASION_PHRASES.findall(norm) for w in tokens(phrase)}
    occasion |= {w.removesuffix("s") for w in occasion}
    if u.category and set(phrase_key(u.category)) <= PEOPLE:
        u.category = None  # "my best friend": who the present is for, whatever the shop sells
    if occasion:
        kept = [w for w in kept if w not in occasion]
        if u.category and set(phrase_key(u.category)) <= occasion:
            u.category = None
        if not kept:
            u.query_words = []
    price = u.price
    if price and price.approximate and price.min_price is not None and price.max_price is not None:
        # "something for him for about £8": for a present, an amount is a budget, not a target
        u.price = PriceRange(None, round((price.min_price + price.max_price) / 2, 2), True)
    said = set(tokens(norm))
    if u.category and not any(
        w in said or plural_forms(w) & said
        for w in phrase_key(u.category)
        if w not in OCCASION_WORDS
    ):
        # the occasion, not the object: read what the person loves instead
        without = [w for w in kept if w not in OCCASION_WORDS]
        if without:
            u.category, kept = None, without
    if kept:
        u.query_words = kept
    if u.category or u.brand:
        return
    if (named := occasion_object(norm, vocab)) is not None:
        u.query_words = [named]  # what the presents are for; "cute" would outweigh it
        return
    category = gift_category(norm, vocab, " ".join(kept))
    if category is not None:
        u.category, u.guessed = category, True
        u.query_words = list(phrase_key(category))
    elif not any(vocab.knows_word(w) for w in u.query_words) and not u.attributes:
        # "what do you get someone who has everything?": nothing to search for, so the best
        # sellers are the ideas
        u.query_words = []
        if u.sort is None:
            u.sort, u.suggested = "popularity", True


def describe(u: Understanding) -> dict[str, Any]:
    """A plain dict of what was understood (for logs and tests)."""
    return {
        "intent": u.intent,
        "query": u.query,
        "category": u.category,
        "brand": u.brand,
        "attributes": dict(u.attributes),
        "min_price": u.price.min_price if u.price else None,
        "max_price": u.price.max_price if u.price else None,
        "sort": u.sort,
        "in_stock_only": u.in_stock_only,
        "exclude": list(u.excluded),
        "references": [
            (r.kind, r.product_id if r.kind in ("id", "title") else r.position)
            for r in u.references
        ],
    }
