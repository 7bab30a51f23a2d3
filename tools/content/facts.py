"""What a product's own data states, and the facts in a text that it does not.

Only the catalog's data counts as a source: the title, category, description, attribute
values, variant options, price and sales figures. A sentence of that data that addresses
instructions to the writer ("ignore previous instructions…") is dropped before anything is
written, and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.analyze.injection import looks_like_injection
from tools.content.lexicon import fact_terms
from tools.content.models import Source
from tools.models import Product

# Thousands separated by a comma, a dot or a (narrow) no-break space; decimals by . or ,
_NUMBER = re.compile(r"\d+(?:[.,\u202f\u00a0]\d{3}(?!\d))*(?:[.,]\d+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def number_keys(text: str) -> set[str]:
    """The numbers in ``text`` as digit strings ("13,000" and "13.000" → "13000")."""
    keys: set[str] = set()
    for match in _NUMBER.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        keys.add(digits.lstrip("0") or "0")
    return keys


def price_text(price: float) -> str:
    return f"{price:.2f}"


@dataclass
class SourceFacts:
    """A product's data as citable sources, its fact words and its numbers."""

    product: Product
    sources: list[Source] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # instruction-like text left out
    terms: set[str] = field(default_factory=set)  # canonical colour / material / size names
    numbers: set[str] = field(default_factory=set)

    @property
    def title(self) -> str:
        return next((s.value for s in self.sources if s.field == "title"), self.product.id)

    def values(self, prefix: str) -> list[Source]:
        """Sources whose field is ``prefix`` or starts with ``prefix.``."""
        return [s for s in self.sources if s.field == prefix or s.field.startswith(prefix + ".")]

    def unsupported(self, text: str, language: str) -> list[str]:
        """Fact words and numbers in ``text`` that the product's data does not state."""
        # Quoting the product's own title is not a claim: its words are the source's.
        for quoted in {self.title, self.product.title}:
            if quoted:
                text = re.sub(re.escape(quoted), " ", text, flags=re.IGNORECASE)
        invented = [
            f"{form} ({name})"
            for name, form in fact_terms(text, language).items()
            if name not in self.terms
        ]
        invented += [n for n in sorted(number_keys(text)) if n not in self.numbers]
        return invented


def _clean(field_name: str, text: str, facts: SourceFacts) -> str:
    """``text`` without its instruction-like sentences (each reported once)."""
    kept = []
    for sentence in _SENTENCE.split(text.strip()):
        if looks_like_injection(sentence):
            facts.ignored.append(f"{field_name}: {sentence}")
        elif sentence:
            kept.append(sentence)
    return " ".join(kept)


def source_facts(product: Product) -> SourceFacts:
    """Everything the writer may state about ``product``, with where it comes from."""
    facts = SourceFacts(product)
    title = _clean("title", product.title, facts) or product.category or product.id
    facts.sources.append(Source(field="title", value=title))
    if product.category:
        facts.sources.append(Source(field="category", value=product.category))
    if product.brand:
        facts.sources.append(Source(field="brand", value=_clean("brand", product.brand, facts)))
    description = _clean("description", product.description, facts)
    if description:
        facts.sources.append(Source(field="description", value=description))
    for name, values in product.attributes.items():
        for value in values:
            facts.sources.append(Source(field=f"attributes.{name}", value=value))
    for variant in product.variants:
        for name, value in variant.options.items():
            source = Source(field=f"options.{name}", value=value)
            if source not in facts.sources:
                facts.sources.append(source)
    price = f"{price_text(product.price)} {product.currency}"
    facts.sources.append(Source(field="price", value=price))
    if product.popularity:
        facts.sources.append(Source(field="popularity", value=f"{int(product.popularity)}"))
    for name in ("first_sold", "last_sold"):
        day = getattr(product, name)
        if day is not None:
            facts.sources.append(Source(field=name, value=day.isoformat()))
    for source in facts.sources:
        facts.terms.update(fact_terms(source.value))
        facts.numbers.update(number_keys(source.value))
    for variant in product.variants:
        facts.numbers.update(number_keys(price_text(variant.price)))
    return facts
