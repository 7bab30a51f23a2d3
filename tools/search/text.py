"""Text analysis shared by indexing and querying: folding, tokens, stop words, stems, compounds.

A field's text becomes a list of index terms; a query becomes a list of clauses, one per
meaningful word, each listing the terms that satisfy it. Terms are words folded and reduced
to their singular ("lanterns" -> "lantern"); ``stem_terms`` adds their Snowball (Porter 2)
stems, kept apart with a leading "~" ("~paint" for "painting", "painted", "paints"), so a
word's own form scores above a mere relative. Compounds meet from every side:

    "T-LIGHT"   -> t, light, tlight        (hyphen parts plus the joined form)
    "tea light" -> tea, light, tealight    (adjacent words also joined) -> tlight (alias)
    "tealight"  -> tlight                  (alias)

so "t-light", "t light", "tlight", "tealight" and "tea lights" all reach the same products.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import Stemmer

# Kept small on purpose: product titles are short, and words such as "no", "off" or "top"
# carry meaning in a catalog ("no smoking sign", "top hat").
STOP_WORDS = frozenset(
    """
    a an and any are as at be but by for from has have i in into is it its me my of on or
    our so some than that the their them these they this those to too us was we were what
    which who will with you your please
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

# Plurals the suffix rules below get wrong, and spellings of one thing that should meet.
IRREGULAR = {
    "buses": "bus",
    "children": "child",
    "feet": "foot",
    "geese": "goose",
    "halves": "half",
    "knives": "knife",
    "leaves": "leaf",
    "lenses": "lens",
    "loaves": "loaf",
    "men": "man",
    "mice": "mouse",
    "scarves": "scarf",
    "shelves": "shelf",
    "teeth": "tooth",
    "wives": "wife",
    "wolves": "wolf",
    "women": "woman",
}
# Singular words ending in "s" that the "-s" rule would clip.
KEEP = frozenset({"atlas", "canvas", "christmas", "lens", "xmas", "pyjamas", "series", "species"})
ALIASES = {
    "tealight": "tlight",
    "xmas": "christmas",
}

_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-"})
_APOSTROPHES = str.maketrans({"'": None, "\u2019": None, "\u02bc": None, "`": None})
# A word, or hyphen-joined words ("t-light", "ready-to-wear"); "_" counts as a separator.
_GROUP = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def fold(text: str) -> str:
    """Lower-case and strip accents ("Café" -> "cafe"), for comparing names and values."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def fold_key(value: str) -> str:
    """A value's comparison key: folded, with runs of whitespace collapsed."""
    return " ".join(fold(value).split())


def _groups(text: str) -> list[list[str]]:
    """Folded words, grouped by the hyphens that joined them in the text."""
    if text.isascii():  # most catalog text: no accents or typographic hyphens to map
        cleaned = text.lower().replace("'", "").replace("`", "")
    else:
        cleaned = fold(text.translate(_HYPHENS)).translate(_APOSTROPHES)
    return [group.split("-") for group in _GROUP.findall(cleaned)]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Reduce an English plural to its singular, leaving words that only look plural alone."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha() or word in KEEP:
        return word
    if word.endswith("ies"):
        # "berries" -> "berry", but "pies" -> "pie"
        return word[:-3] + "y" if len(word) > 4 else word[:-1]
    if word.endswith("ie") and len(word) >= 5:
        # so "cookie" meets "cookies" (-> "cooky") instead of staying apart
        return word[:-2] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]  # "glasses" -> "glass", "boxes" -> "box"
    if word.endswith("oes") and len(word) >= 7:
        return word[:-2]  # "dominoes" -> "domino"; "shoes" keeps its "e"
    if word.endswith(("ss", "us", "is")):
        return word  # "glass", "dress", "cactus", "tennis"
    if word.endswith("s"):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def normalize(word: str) -> str:
    """The index term for a folded word: stemmed, then mapped through the aliases."""
    stemmed = stem(word)
    return ALIASES.get(stemmed, stemmed)


def _flat(groups: list[list[str]]) -> list[tuple[str, int, int]]:
    """(word, group number, position among all words) for every non-stop word."""
    words = [(w, g) for g, parts in enumerate(groups) for w in parts]
    return [(w, g, pos) for pos, (w, g) in enumerate(words) if w not in STOP_WORDS]


def _joined(parts: list[str]) -> str:
    """One term for words written together; each part is normalised first, so "xmas trees"
    gives "christmastree" and "tea lights" "tealight" (then "tlight")."""
    return normalize("".join(normalize(p) for p in parts))


def index_terms(text: str, *, bigrams: bool = False) -> list[str]:
    """Terms to index for one field; ``bigrams`` also adds joined adjacent words.

    Joined bigrams let a query written as one word ("cakestand", "nightlight") reach titles
    that spell it as two, and give adjacent query words a phrase-like boost.
    """
    return list(_index_terms(text, bigrams))


@lru_cache(maxsize=16384)  # category, brand and attribute values repeat across products
def _index_terms(text: str, bigrams: bool) -> tuple[str, ...]:
    groups = _groups(text)
    terms: list[str] = []
    for parts in groups:
        terms.extend(normalize(w) for w in parts if w not in STOP_WORDS)
        if len(parts) > 1:
            terms.append(_joined(parts))
    if bigrams:
        flat = _flat(groups)
        for (left, g1, p1), (right, g2, p2) in zip(flat, flat[1:], strict=False):
            if p2 != p1 + 1:
                continue  # a stop word stood between them: "cup and saucer"
            if g1 == g2 and len(groups[g1]) == 2:
                continue  # already indexed as the group's joined form
            terms.append(_joined([left, right]))
    return tuple(terms)


_snowball: Callable[[str], str] = Stemmer.Stemmer("english").stemWord
STEM_MARK = "~"


@lru_cache(maxsize=262144)
def stem_term(term: str) -> str | None:
    """The Snowball stem of a term, marked with "~"; None for numbers and short words."""
    if len(term) < 4 or not term.isalpha():
        return None
    return STEM_MARK + _snowball(term)


def stem_terms(terms: list[str]) -> list[str]:
    """The marked stems of ``terms`` (index terms of one field), where there is one."""
    return [s for s in map(stem_term, terms) if s is not None]


_LETTERS = string.ascii_lowercase + string.digits


def edits1(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + transposes + replaces + inserts) - {word}


@lru_cache(maxsize=4096)
def _query_clauses(text: str) -> tuple[tuple[str, ...], ...]:
    groups = _groups(text)
    flat = _flat(groups)
    clauses: list[tuple[str, ...]] = []
    for i, (word, group, pos) in enumerate(flat):
        alternatives = [normalize(word)]
        if len(groups[group]) > 1:
            alternatives.append(_joined(groups[group]))
        if i > 0 and flat[i - 1][2] == pos - 1:
            alternatives.append(_joined([flat[i - 1][0], word]))
        if i + 1 < len(flat) and flat[i + 1][2] == pos + 1:
            alternatives.append(_joined([word, flat[i + 1][0]]))
        clause = tuple(dict.fromkeys(alternatives))  # de-duplicated, order kept
        if clause not in clauses:
            clauses.append(clause)
    return tuple(clauses)


def query_clauses(text: str) -> list[tuple[str, ...]]:
    """One clause per meaningful query word: the terms any of which satisfies it.

    The first term is the word itself; the rest are compounds it takes part in (its hyphen
    group joined, and its joins with the neighbouring words). A query of only stop words
    has no clauses.
    """
    return list(_query_clauses(text))
