"""Target keywords of a product: the searches that led shoppers to it, else its own words.

A search "leads to" a product when the same session's next product event (view, add to cart,
purchase) is that product, or when the search event itself names the product it opened.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from infra.events.schema import BehaviourEvent
from tools.models import Product

MAX_KEYWORDS = 5
_PRODUCT_EVENTS = ("view", "add_to_cart", "purchase")
_SPACES = re.compile(r"\s+")


def _normal(query: str) -> str:
    return _SPACES.sub(" ", query.strip().lower())


def queries_leading_to(events: Iterable[BehaviourEvent]) -> dict[str, Counter[str]]:
    """For each product id, how often each search query led to it (events oldest first)."""
    led: dict[str, Counter[str]] = defaultdict(Counter)
    last_query: dict[str, str] = {}
    for event in events:
        session = event.session_id or event.user_id or ""
        if event.type == "search" and event.query:
            query = _normal(event.query)
            if event.product_id:
                led[event.product_id][query] += 1
            else:
                last_query[session] = query
        elif event.type in _PRODUCT_EVENTS and event.product_id and session in last_query:
            led[event.product_id][last_query.pop(session)] += 1
    return led


def catalog_keywords(product: Product) -> list[str]:
    """Keywords from the product's own data: its kind, its title, a value with its kind."""
    kind = product.category.lower()
    words: list[str] = []
    if kind:
        words.append(kind)
    title = _normal(product.title)
    if title and len(title.split()) <= 5:
        words.append(title)
    for values in product.attributes.values():
        if kind and values:
            words.append(f"{values[0].lower()} {kind}")
    return list(dict.fromkeys(words))[:MAX_KEYWORDS]


def target_keywords(product: Product, led: dict[str, Counter[str]]) -> list[str]:
    """The most frequent queries that led to ``product``, else keywords from its data."""
    counts = led.get(product.id)
    if counts:
        return [query for query, _ in counts.most_common(MAX_KEYWORDS)]
    return catalog_keywords(product)
