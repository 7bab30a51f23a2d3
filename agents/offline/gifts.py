"""Gifts and occasions mapped to the catalog's categories by meaning, not by literal words.

"something for a friend who loves baking" is about baking, not about friends: the message and
every category name are encoded with the sentence encoder, the direction every gift request
shares ("a present for someone") is projected out of both, and the closest category wins when
it is close enough ("baking set"; "running shoes" for "my brother who runs marathons").
Without a close category the search keeps the message's own words, minus the people it names
("a present for a friend who just had a baby" searches for "baby", not for "friend").
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
    r"housewarming|retirement|anniversary|new baby|baby shower|leaving do|thank you)\b"
)
# Who a present is for says nothing about what it is.
PEOPLE = frozenset(
    """friend friends mum mom mother mummy dad father daddy gran granny grandma grandmother nan
    nana grandad grandpa grandfather brother sister son daughter wife husband partner boyfriend
    girlfriend colleague colleagues coworker boss teacher neighbour neighbor aunt uncle niece
    nephew cousin someone somebody person people lover lovers fan fans who loves love likes
    enjoys just had gift gifts present presents idea ideas retirement""".split()  # noqa: SIM905
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
    names = [c for c in vocab.categories if c.strip()]
    vectors = Embedder().embed([c.lower() for c in names])
    g = _gift_direction()
    return names, _unit(vectors - np.outer(vectors @ g, g))


@lru_cache(maxsize=256)
def gift_category(text: str, vocab: CatalogVocabulary) -> str | None:
    """The catalog category a gift request means, when one is close enough."""
    try:
        names, vectors = _categories(vocab)
        g = _gift_direction()
        query = Embedder().embed_query(text)
    except ConfigError:
        return None
    if not names:
        return None
    sims = vectors @ _unit(query - (query @ g) * g)
    best = int(sims.argmax())
    return names[best] if float(sims[best]) >= MIN_SIMILARITY else None


def warm(vocab: CatalogVocabulary) -> None:
    """Encode the category names now (the first gift request would otherwise wait)."""
    try:
        _categories(vocab)
    except ConfigError:
        return
