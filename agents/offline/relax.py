"""Relaxing a search that found nothing, one kind of constraint per step.

The order keeps what the shopper most plainly asked for: first the attribute (and brand)
filters, since the free text still says what the product is; then the category; then the
price range; last, free-text words the catalog never uses. ``in_stock_only`` is never dropped:
an out-of-stock result would not help someone who asked for what is available.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from agents.offline.vocabulary import CatalogVocabulary


@dataclass(frozen=True)
class Relaxation:
    """One step: what was given up, and the search arguments after it (cumulative)."""

    label: str
    args: dict[str, Any]


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def relaxations(
    args: dict[str, Any], vocab: CatalogVocabulary, *, guessed: bool = False
) -> list[Relaxation]:
    """The cumulative relaxation steps of ``args``, in the order they are tried.

    ``guessed``: the product kind was the planner's reading of a gift request, not the
    shopper's words; the price they set outlasts it ("a wedding present, £20-£40").
    """
    steps: list[Relaxation] = []
    current = copy.deepcopy(args)
    current.pop("offset", None)

    # Filters become words: the free text still prefers a red bag, but no longer demands one.
    attributes = current.pop("attributes", {}) or {}
    dropped = list(attributes)
    brand = current.pop("brand", None)
    if brand:
        dropped.append("brand")
    words = str(current.get("query", "")).split()
    # A yes/no option is said by its name ("waterproof"), not by "yes".
    said = [
        name if str(v).lower() == "yes" else "" if str(v).lower() == "no" else str(v)
        for name, v in attributes.items()
    ]
    extra = [w for v in [*said, brand or ""] for w in v.lower().split()]
    if extra:
        current["query"] = " ".join([*(w for w in extra if w not in words), *words])
    if dropped:
        plural = "filters" if len(dropped) > 1 else "filter"
        steps.append(Relaxation(f"without the {_join(dropped)} {plural}", copy.deepcopy(current)))

    category = current.pop("category", None)
    if category:
        steps.append(Relaxation(f"outside the '{category}' category", copy.deepcopy(current)))

    low, high = current.get("min_price"), current.get("max_price")
    if guessed and current.get("query") and (low is not None or high is not None):
        current["query"] = ""
        current.setdefault("sort", "popularity")
        steps.append(Relaxation("with any kind of product", copy.deepcopy(current)))
    current.pop("min_price", None)
    current.pop("max_price", None)
    if low is not None or high is not None:
        # Without the range, the nearest prices come first: cheapest when the shopper set a
        # ceiling, dearest when they set only a floor.
        if current.get("sort", "relevance") == "relevance":
            current["sort"] = "price_asc" if high is not None else "price_desc"
        steps.append(Relaxation("without the price limit", copy.deepcopy(current)))

    # Words no title uses are swapped for a related word that one does ("runner" -> "running")
    # or dropped.
    words = str(current.get("query", "")).split()
    kept = [w if vocab.knows_word(w) else vocab.relative(w) for w in words]
    usable = [w for w in kept if w]
    if usable and usable != words:
        current["query"] = " ".join(usable)
        steps.append(
            Relaxation(f"searching for '{current['query']}' instead", copy.deepcopy(current))
        )
    return steps
