"""Gifts and occasions mapped to the catalog's categories by meaning, not by literal words.

"something for a friend who loves baking" is about baking, not about friends: the message and
every category name are encoded with the sentence encoder, the direction every gift request
shares ("a present for someone") is projected out of both, and the closest category wins when
it is close enough ("baking set"; "running shoes" for "my brother who runs marathons").
An occasion that names no object ("a new baby", "retirement", "a wedding", "my son's teacher",
"a house-warming") is read through what people give for it (``OCCASIONS``: one line of meaning
each, mapped to the store's own categories the same way), when the message itself is not
close to a category. Without a close category the search keeps the message's own words, minus
the people it names; when none of those is a catalog word either ("someone who has
everything"), the best sellers are the suggestions.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from agents.offline.vocabulary import CatalogVocabulary
from infra.errors import ConfigError
from tools.search.vectors import Embedder, Vectors

GIFT = re.compile(
    r"\b(?:gifts?|presents?|stocking fillers?|lovers?|fans? of|[a-z]+ (?:loves|likes|enjoys|"
    r"is into|runs|plays|collects) |someone who|birthday|christmas|wedding|"
    r"housewarming|house[- ]warming|retirement|retiring|anniversary|new baby|baby shower|"
    r"(?:just )?had (?:a|her|their) (?:baby|little)|expecting (?:a baby|twins)|"
    r"leaving do|thank[- ]you (?:gifts?|presents?|treats?|something)|has everything|new home|"
    r"end of (?:term|year)|graduation|christening|"
    r"engagement|valentine'?s?|leaving|farewell|going away|new job|moving away|secret santa|"
    r"kris kringle|gift exchange|white elephant|"
    r"host(?:ess)? gift|welcome gift|get well|"
    # moving out: "the keys to their first house", "off to uni", "starting university"
    r"(?:first|new) (?:home|house|flat|place)|keys to (?:their|her|his|my|our) |moved in|"
    r"(?:off|going|heading|leaving) (?:to|for) (?:uni|university|college)|"
    r"(?:starting|starts|start) (?:uni|university|college)|leaving home|freshers)\b"
    # "something for a keen gardener", "ideas for my cyclist brother": a person by what they do
    r"|\b(?:something|anything|ideas?|treats?) for (?:a|an|my|our) (?:[a-z']+ ){0,2}"
    r"[a-z]+(?:ers?|ists?)(?=\s*(?:[?.!,]|$|who\b|in my\b|friend))"
    # "my mum is a keen baker", "he's a big runner": a person and what they do
    r"|\b(?:is|she'?s|he'?s|they'?re) (?:a |an )?(?:keen |big |huge |avid |real |mad )?"
    r"(?!best|top|bigg|small|bett|cheap)[a-z]+(?:ers?|ists?)\b(?=\s*(?:[?.!,]|$))"
    r"|\bwhat (?:would|might|could) (?:she|he|they) (?:like|want|enjoy)\b"
    # "what could I get my dad?", "anything for her?", "she's obsessed with unicorns"
    r"|\bwhat (?:could|should|can|do|would|might) (?:i|we) (?:get|buy|give)\b"
    r"|\b(?:something|anything|ideas?) for (?:him|her|them)\b"
    r"|\b(?:obsessed with|mad about|crazy about|taken up|addict|fanatic|buff)\b"
)
# Occasions named in words the catalog also uses ("santa", "stocking"): there the words are
# when and how a present is given, never what it is.
OCCASION_PHRASES = re.compile(
    r"\b(?:secret santa|kris kringle|gift exchange|white elephant|stocking fillers?|"
    r"office (?:gift|present) swap)\b"
)
# What people give for an occasion that names no object, in words the encoder maps to the
# store's categories (whatever the store sells: a toy shop and a gift shop differ).
OCCASIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:new ?born(?: baby| babies)?|new baby|baby shower|christening|had a baby)\b"
        ),
        "soft toys and keepsakes for a newborn baby",
    ),
    (
        re.compile(r"\bretir\w*\b"),
        "relaxing hobbies for a retired person: gardening, reading, a photo album of memories",
    ),
    (
        re.compile(r"\b(?:valentine'?s?|romantic|romance)\b"),
        "a romantic token of love: hearts, roses, a love heart keepsake",
    ),
    (
        re.compile(r"\b(?:wedding|newlyweds?|engagement|anniversary)\b"),
        "a keepsake for a newly married couple's home: photo frame, tableware, decorations",
    ),
    (
        re.compile(r"\b(?:teacher|end of (?:term|year))\b"),
        "a thank you for a teacher: a mug, a notebook, stationery",
    ),
    (
        re.compile(r"\bthank[- ]you\b|\blooked after\b"),
        "a thank you gift to share: a tin of treats, a mug, a candle",
    ),
    (
        re.compile(r"\b(?:leaving|farewell|going away|moving away|new job)\b"),
        "a farewell keepsake for a colleague: a mug, a notebook, a photo frame",
    ),
    (
        re.compile(OCCASION_PHRASES.pattern),
        "a small fun present for a colleague or a friend: a mug, a keyring, a novelty gift",
    ),
    (
        re.compile(r"\b(?:host(?:ess)?|dinner party)\b"),
        "a gift to bring the hosts of a dinner: candles, a tea towel, a small treat",
    ),
    (
        re.compile(r"\b(?:uni|university|college|student|freshers|leaving home)\b"),
        "things for a student's own room and kitchen: storage boxes, a lamp, mugs, tea towels",
    ),
    (
        re.compile(
            r"\b(?:house[- ]?warming|new home|new house|new flat|moved house|"
            r"new neighbou?rs?|first (?:home|house|flat|place)|keys to|moved in)\b"
        ),
        "things for a new home: a doormat, candles, cushions, home decoration",
    ),
)
# Who a present is for, and when it is given, says nothing about what it is.
PEOPLE = frozenset(
    """friend friends mum mom mother mummy dad father daddy gran granny grandma grandmother nan
    nana grandad grandpa grandfather brother sister son daughter wife husband partner boyfriend
    girlfriend colleague colleagues coworker boss teacher neighbour neighbor aunt uncle niece
    nephew cousin someone somebody person people lover lovers fan fans who loves love likes
    enjoys just had gift gifts present presents idea ideas retirement retired retiring keen
    has everything she he they she'd he'd would wedding housewarming house-warming end term
    sister's brother's son's daughter's mum's dad's friend's neighbours neighbors niece's
    nephew's colleague's host hostess hosts teenager teenagers teen teens leaving farewell
    week next welcome obsessed mad crazy taken up addict fanatic buff spends every off get
    uncle's aunt's wife's husband's her him them his thank""".split()  # noqa: SIM905
)
# When a present is given: as the object of a gift request, these name no category ("a
# birthday present for a teenager who loves music" is about music, not a birthday banner).
OCCASION_WORDS = frozenset(
    {"birthday", "christmas", "xmas", "wedding", "valentine", "valentines", "easter",
     "anniversary"}
)  # fmt: skip
# "a birthday present", "christmas gift ideas": the occasion marks the present ("a
# children's birthday party" keeps it: there the party is the object).
OCCASION_GIFT = re.compile(
    r"\b(?:" + "|".join(sorted(OCCASION_WORDS)) + r")(?:'s)? (gifts?|presents?|ideas?|treats?)\b"
)
# What every gift request shares, projected out so the rest decides.
_GIFT_FRAMES = ("a gift for a friend", "a present for someone", "something for my mum")
MIN_SIMILARITY = 0.35


def is_gift_request(text: str) -> bool:
    return bool(GIFT.search(text))


def _unit(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    out: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return out


@lru_cache(maxsize=1)
def _gift_direction() -> Vectors:
    return _unit(Embedder().embed(list(_GIFT_FRAMES)).mean(axis=0))


@lru_cache(maxsize=4)
def _categories(vocab: CatalogVocabulary) -> tuple[list[str], Vectors]:
    # a category named only by an occasion ("birthday") is when a present is given, not what
    names = [
        c for c in vocab.categories if c.strip() and not set(c.lower().split()) <= OCCASION_WORDS
    ]
    vectors = Embedder().embed([c.lower() for c in names])
    g = _gift_direction()
    return names, _unit(vectors - np.outer(vectors @ g, g))


def gift_category(text: str, vocab: CatalogVocabulary, interest: str = "") -> str | None:
    """The catalog category a gift request means, when one is close enough: by its own words,
    else by what people give for the occasion it names, else by ``interest`` alone (its words
    without the people and the asking: "photography" says more than "my sister is really into
    photography, what would make a good present?" and is diluted in it). When a present is
    given says nothing about what it is ("a birthday present": not a card)."""
    # "secret santa ideas": the occasion's own words would find its namesake category
    by_words = not OCCASION_PHRASES.search(text)
    found = _closest_category(OCCASION_GIFT.sub(r"\1", text), vocab) if by_words else None
    if found is not None:
        return found
    meaning = next((m for pattern, m in OCCASIONS if pattern.search(text)), None)
    if meaning is not None:
        return _closest_category(meaning, vocab)
    interest = _without_occasions(interest)
    return _closest_category(interest, vocab) if interest.strip() else None


def occasion_object(text: str, vocab: CatalogVocabulary) -> str | None:
    """A catalog word the occasion itself names ("baby" in "just had a baby"): the object the
    presents are for, better than the category nearest the occasion's meaning."""
    for pattern, _ in OCCASIONS:
        if (match := pattern.search(text)) is not None:
            if OCCASION_PHRASES.search(match[0]):
                return None  # "secret santa": no object of the presents
            named = [w for w in re.findall(r"[a-z]+", match[0]) if len(w) > 3 and w not in PEOPLE]
            return next((w for w in named if vocab.knows_word(w)), None)
    return None


def _without_occasions(text: str) -> str:
    return " ".join(
        w for w in re.findall(r"[\w'-]+", text) if w.removesuffix("'s") not in OCCASION_WORDS
    )


def _closest_category(text: str, vocab: CatalogVocabulary) -> str | None:
    name, similarity = _closest(text, vocab)
    return name if similarity >= MIN_SIMILARITY else None


@lru_cache(maxsize=256)
def _closest(text: str, vocab: CatalogVocabulary) -> tuple[str | None, float]:
    """The category nearest ``text`` in meaning, and how near."""
    try:
        names, vectors = _categories(vocab)
        g = _gift_direction()
        query = Embedder().embed_query(text)
    except ConfigError:
        return None, 0.0
    if not names:
        return None, 0.0
    sims = vectors @ _unit(query - (query @ g) * g)
    best = int(sims.argmax())
    return names[best], float(sims[best])


def warm(vocab: CatalogVocabulary) -> None:
    """Encode the category names now (the first gift request would otherwise wait)."""
    try:
        _categories(vocab)
    except ConfigError:
        return
