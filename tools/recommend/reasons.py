"""Evidence in words: the one-line reason shown beside each recommended product."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tools.recommend.base import Evidence

MAX_FACTS = 2


def shared_attributes(
    product: Mapping[str, Sequence[str]], other: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """The attribute values two products have in common, by attribute name."""
    shared: dict[str, list[str]] = {}
    for name, values in product.items():
        theirs = {v.lower() for v in other.get(name, [])}
        common = [v for v in values if v.lower() in theirs]
        if common:
            shared[name] = common
    return shared


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


def fact(evidence: Evidence, titles: Mapping[str, str]) -> str | None:
    """One piece of evidence as a phrase, or ``None`` when it cannot be said plainly."""
    title = titles.get(evidence.product_id or "", "")
    if evidence.kind in ("anchor", "history") and title:
        mine = " (in your history)" if evidence.kind == "history" else ""
        if evidence.orders:
            return f"bought together with {title}{mine} in {plural(evidence.orders, 'order')}"
        if evidence.shoppers:
            who = plural(evidence.shoppers, "shopper")
            return f"{who} who bought {title}{mine} also bought this"
        return f"goes with {title}{mine}"
    if evidence.kind == "trending" and evidence.orders:
        return f"in {plural(evidence.orders, 'order')} in the last {evidence.days} days of sales"
    if evidence.kind == "popular" and evidence.shoppers:
        return f"bought by {plural(evidence.shoppers, 'shopper')}"
    return None


def describe_shared(shared: Mapping[str, Sequence[str]]) -> str | None:
    """ "same category (Lantern) and colour (red)"."""
    if not shared:
        return None
    parts = [f"{name} ({', '.join(values)})" for name, values in shared.items()]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"same {joined}"


def reason(
    evidence: Sequence[Evidence],
    titles: Mapping[str, str],
    shared: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The strongest facts in one sentence, e.g. "Bought together with X in 57 orders"."""
    phrases: list[str] = []
    for item in evidence:
        phrase = fact(item, titles)
        if phrase and phrase not in phrases:
            phrases.append(phrase)
        if len(phrases) == MAX_FACTS:
            break
    same = describe_shared(shared or {})
    if same and len(phrases) < MAX_FACTS:
        phrases.append(same)
    if not phrases:
        return "Popular in this store."
    text = "; ".join(phrases)
    return text[0].upper() + text[1:] + "."
