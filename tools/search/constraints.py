"""Constraints in raw query text, and relaxing constraints when nothing matches.

Both are explicit steps a backend takes only when the query asks (``extract_constraints``,
``relax``); the chat planner states constraints itself and relaxes on its own.

``extract`` reads a price range ("under £5", "over 20 dollars", "between 5 and 10",
"£5-£10") and catalog attribute values ("red", "stainless steel") out of the free text and
turns them into filters. A bare number is left alone ("2 tier", "60 watt"): only a number with
a currency or a price word before it is a price, and not when a unit follows ("under 5 ft").
Constraints given as arguments win over the text.

``relaxations`` lists the steps tried, each dropping one kind of constraint: attribute
filters, then brand, category, and the price range. ``in_stock_only`` is kept: an
out-of-stock product would not help someone who asked for what is available.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tools.search.base import SearchQuery
from tools.search.text import STOP_WORDS, fold_key, index_terms

_CURRENCY_SIGN = r"[£$€]"
_CURRENCY_WORD = r"(?:pounds?|gbp|dollars?|usd|bucks|euros?|eur)"
_AMOUNT = rf"{_CURRENCY_SIGN}?\s*(\d+(?:\.\d+)?)(?:\s*{_CURRENCY_WORD})?"
_MAX_CUE = r"(?:under|below|less than|cheaper than|up to|at most|no more than|max(?:imum)?|<=?)"
_MIN_CUE = r"(?:over|above|more than|at least|min(?:imum)?|from|>=?)"
# After a price: the end, punctuation, or a word that is not a unit ("under 5 ft" is a size).
_AFTER = r"(?=\s*(?:$|[,.;!?)]|(\w+)))"
_RANGE = re.compile(
    rf"\b(?:between|from)?\s*{_AMOUNT}\s*(?:-|to|and)\s*{_AMOUNT}{_AFTER}", re.IGNORECASE
)
_MAX = re.compile(rf"(?<!\w){_MAX_CUE}\s*{_AMOUNT}{_AFTER}", re.IGNORECASE)
_MIN = re.compile(rf"(?<!\w){_MIN_CUE}\s*{_AMOUNT}{_AFTER}", re.IGNORECASE)
_HAS_CURRENCY = re.compile(rf"{_CURRENCY_SIGN}|\b{_CURRENCY_WORD}\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


@dataclass(frozen=True)
class AttributeVocabulary:
    """Attribute values by their folded words; a value two attributes share is left out."""

    values: dict[tuple[str, ...], tuple[str, str]]  # folded words -> (attribute, value)
    longest: int

    @classmethod
    def of(cls, attributes: Mapping[str, Iterable[str]]) -> AttributeVocabulary:
        """From each attribute's values (``{"colour": ["red", "blue"], …}``)."""
        found: dict[tuple[str, ...], tuple[str, str]] = {}
        shared: set[tuple[str, ...]] = set()
        for name, values in attributes.items():
            for value in values:
                words = tuple(fold_key(value).split())
                if not words or words in shared:
                    continue
                if words in found and found[words][0] != name:
                    shared.add(words)
                    del found[words]
                    continue
                found[words] = (name, value)
        return cls(found, max((len(w) for w in found), default=0))


def named_terms(title: str, category: str) -> set[str]:
    """The index terms of what names a product: its title and its category. (Not its attribute
    values: a product sold in several colours is not ruled out by "not black".)"""
    return set(index_terms(title)) | set(index_terms(category))


def excluded_phrase(named: set[str], exclude: Iterable[str]) -> str | None:
    """The first phrase of ``exclude`` whose every term is in ``named``, or ``None``.

    A search's ``exclude`` drops a product when its title or category holds all the words of
    one phrase ("heart" drops "Heart Lantern"; "union jack" drops "Doormat
    Union Jack", not "Jack Russell Mug"), as words compare in search (plurals folded).
    """
    for phrase in exclude:
        terms = set(index_terms(phrase))
        if terms and terms <= named:
            return phrase
    return None


def _is_unit(word: str | None) -> bool:
    """A word right after a number that makes it a measure rather than a price."""
    return (
        word is not None
        and word.lower() not in STOP_WORDS
        and not re.fullmatch(_CURRENCY_WORD, word, re.IGNORECASE)
    )


def _prices(text: str) -> tuple[str, float | None, float | None]:
    """``text`` without its price phrases, and the lowest and highest price they state."""
    low: float | None = None
    high: float | None = None
    match = _RANGE.search(text)
    if match and _HAS_CURRENCY.search(match.group()) and not _is_unit(match.group(3)):
        low, high = sorted((float(match.group(1)), float(match.group(2))))
        return text[: match.start()] + " " + text[match.end() :], low, high
    for pattern in (_MAX, _MIN):
        match = pattern.search(text)
        if match is None or _is_unit(match.group(2)):
            continue
        if pattern is _MAX:
            high = float(match.group(1))
        else:
            low = float(match.group(1))
        text = text[: match.start()] + " " + text[match.end() :]
    return text, low, high


def _attributes(text: str, vocabulary: AttributeVocabulary) -> tuple[str, list[tuple[str, str]]]:
    """``text`` without the attribute values it names, and those (attribute, value) pairs."""
    words = _WORD.findall(text)
    folded = [fold_key(w) for w in words]
    kept: list[str] = []
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        for size in range(min(vocabulary.longest, len(words) - i), 0, -1):
            hit = vocabulary.values.get(tuple(folded[i : i + size]))
            if hit is not None and hit[0] not in {name for name, _ in found}:
                found.append(hit)
                i += size
                break
        else:
            kept.append(words[i])
            i += 1
    return " ".join(kept), found


def _money(value: float) -> str:
    return f"{value:g}"


def extract(query: SearchQuery, vocabulary: AttributeVocabulary) -> tuple[SearchQuery, list[str]]:
    """The query with the constraints its text states moved into filters, and their labels."""
    text, low, high = _prices(query.query)
    update: dict[str, object] = {}
    labels: list[str] = []
    if low is not None and query.min_price is None:
        update["min_price"] = low
        labels.append(f"price at least {_money(low)}")
    if high is not None and query.max_price is None:
        update["max_price"] = high
        labels.append(f"price at most {_money(high)}")
    text, pairs = _attributes(text, vocabulary)
    given = {fold_key(name) for name in query.attributes}
    attributes = dict(query.attributes)
    for name, value in pairs:
        if fold_key(name) not in given:
            attributes[name] = value
            labels.append(f"{name}: {value}")
    if not labels:
        return query, []
    low_now = update.get("min_price", query.min_price)
    high_now = update.get("max_price", query.max_price)
    if isinstance(low_now, float) and isinstance(high_now, float) and low_now > high_now:
        return query, []  # the text contradicts the arguments: leave it as it was
    words = text.split()
    while words and words[-1].lower() in STOP_WORDS:  # "mugs over 5 and under 9" -> "mugs"
        words.pop()
    update.update(query=" ".join(words), attributes=attributes, extract_constraints=False)
    return query.model_copy(update=update), labels


def relaxations(query: SearchQuery) -> list[tuple[str, SearchQuery]]:
    """The cumulative relaxation steps of ``query``: (what was dropped, the query after)."""
    steps: list[tuple[str, SearchQuery]] = []
    current = query.model_copy(update={"relax": False, "offset": 0})
    if current.attributes:
        named = ", ".join(f"{k}={v}" for k, v in current.attributes.items())
        current = current.model_copy(update={"attributes": {}})
        steps.append((f"attributes ({named})", current))
    if current.brand:
        label = f"brand '{current.brand}'"
        current = current.model_copy(update={"brand": None})
        steps.append((label, current))
    if current.category:
        label = f"category '{current.category}'"
        current = current.model_copy(update={"category": None})
        steps.append((label, current))
    if current.min_price is not None or current.max_price is not None:
        low, high = current.min_price, current.max_price
        if low is not None and high is not None:
            label = f"price {_money(low)} to {_money(high)}"
        elif high is not None:
            label = f"price at most {_money(high)}"
        else:
            label = f"price at least {_money(low or 0.0)}"
        current = current.model_copy(update={"min_price": None, "max_price": None})
        steps.append((label, current))
    return steps
