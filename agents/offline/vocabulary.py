"""The catalog's own words: categories, attribute names and values, brands, title terms, ids.

Nothing here knows a particular store. The NLU recognises "red", "glass" or "mugs" only because
some product in the catalog has that colour, material or category.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from agents.offline.entities import Linked, TitleIndex
from agents.offline.text import (
    currency_symbol,
    normalize,
    phrase_key,
    plural_forms,
    singular_forms,
    spelling_variants,
    tokens,
    with_plurals,
)
from tools.models import Product
from tools.search.text import normalize as search_term

TermKind = Literal["category", "value", "attribute", "brand"]

# Words that may be attribute values somewhere but mean something else in a sentence.
_FUNCTION_WORDS = frozenset(
    """a an and any are as at be by do for from have i in is it me my no none not of on or
    so the to up us we with yes you""".split()  # noqa: SIM905 (a word list reads better as text)
)
_NUMERIC_RE = re.compile(r"^[\d.,/-]+$")


@dataclass(frozen=True)
class Term:
    """One meaning of a catalog phrase."""

    kind: TermKind
    name: str  # category, brand or attribute name, as the catalog spells it
    value: str = ""  # the attribute value as the catalog spells it (kind "value" only)
    # Weak values ("M", "8", "yes") count only next to their attribute name ("size M").
    weak: bool = False


@dataclass(frozen=True)
class Match:
    """A vocabulary phrase found at tokens[start:end]."""

    start: int
    end: int
    terms: tuple[Term, ...]

    def of_kind(self, kind: TermKind) -> list[Term]:
        return [t for t in self.terms if t.kind == kind]


def _is_weak(value_key: tuple[str, ...]) -> bool:
    if len(value_key) != 1:
        return False
    word = value_key[0]
    return len(word) <= 1 or bool(_NUMERIC_RE.match(word)) or word in _FUNCTION_WORDS


def _adjective_forms(key: tuple[str, ...]) -> set[tuple[str, ...]]:
    """English adjectives of material nouns: "wooden", "golden", "woollen", "metallic"."""
    if len(key) != 1 or len(key[0]) < 3 or not key[0].isalpha():
        return set()
    word = key[0]
    return {(word + "en",), (word + word[-1] + "en",), (word + "lic",)}


def compound_key(key: Sequence[str]) -> tuple[str, ...]:
    """A phrase as the search backend sees it: "tea lights" and "t-light" give ("tlight",)."""
    terms = []
    for token in key:
        parts = [p for p in token.split("-") if p]
        if not parts:
            continue
        joined = "".join(search_term(p) for p in parts)
        terms.append(search_term(joined) if len(parts) > 1 else search_term(parts[0]))
    merged: list[str] = []
    i = 0
    while i < len(terms):
        if i + 1 < len(terms):
            pair = terms[i] + terms[i + 1]
            if search_term(pair) != pair:  # the backend knows this compound by another name
                merged.append(search_term(pair))
                i += 2
                continue
        merged.append(terms[i])
        i += 1
    return tuple(merged)


class CatalogVocabulary:
    """What a catalog calls things, built from its products."""

    def __init__(
        self,
        *,
        currency: str = "GBP",
        categories: Counter[str] | None = None,
        brands: Counter[str] | None = None,
        attributes: dict[str, Counter[str]] | None = None,
        category_attributes: dict[str, dict[str, set[str]]] | None = None,
        title_terms: Iterable[str] = (),
        product_ids: Iterable[str] = (),
        category_prices: dict[str, float] | None = None,
        titles: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.currency = currency
        self.categories: Counter[str] = categories or Counter()
        self.brands: Counter[str] = brands or Counter()
        self.attributes: dict[str, Counter[str]] = attributes or {}
        # category (lower) -> attribute name -> values (lower) seen on that category's products
        self.category_attributes = category_attributes or {}
        self.title_terms = frozenset(title_terms)
        self._ids = {pid.lower(): pid for pid in product_ids}
        # category -> median price, for examples that this catalog can actually answer
        self.category_prices = category_prices or {}
        # (id, title) of every product: a message may name a product by its title
        self.titles = TitleIndex(titles)
        self._phrases: dict[tuple[str, ...], list[Term]] = defaultdict(list)
        self._build_phrases()
        self.max_phrase_len = max((len(k) for k in self._phrases), default=1)
        # The same phrases as the search backend compares words: stemmed, compounds joined,
        # known spellings merged ("tea lights" and "t-light" are one thing).
        self._compounds: dict[tuple[str, ...], list[Term]] = defaultdict(list)
        for key, terms in self._phrases.items():
            for term in terms:
                if term.kind in ("category", "value") and not term.weak:
                    compound = compound_key(key)
                    if compound and term not in self._compounds[compound]:
                        self._compounds[compound].append(term)

    # ----------------------------------------------------------------------------- building

    @classmethod
    def from_products(cls, products: Iterable[Product]) -> CatalogVocabulary:
        """Collect the vocabulary of ``products``."""
        currencies: Counter[str] = Counter()
        categories: Counter[str] = Counter()
        brands: Counter[str] = Counter()
        attributes: dict[str, Counter[str]] = defaultdict(Counter)
        by_category: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        terms: set[str] = set()
        ids: list[str] = []
        titles: list[tuple[str, str]] = []
        prices: dict[str, list[float]] = defaultdict(list)
        for product in products:
            ids.append(product.id)
            titles.append((product.id, product.title))
            prices[product.category.strip()].append(product.price)
            currencies[product.currency] += 1
            category = product.category.strip()
            if category:
                categories[category] += 1
            if product.brand.strip():
                brands[product.brand.strip()] += 1
            values = {name: list(vals) for name, vals in product.attributes.items()}
            for variant in product.variants:
                for name, value in variant.options.items():
                    values.setdefault(name, []).append(value)
            for name, vals in values.items():
                for value in dict.fromkeys(v.strip() for v in vals if v.strip()):
                    attributes[name][value] += 1
                    by_category[category.lower()][name].add(value.lower())
            terms.update(tokens(normalize(f"{product.title} {category}")))
        return cls(
            currency=currencies.most_common(1)[0][0] if currencies else "GBP",
            categories=categories,
            brands=brands,
            attributes=dict(attributes),
            category_attributes={c: dict(v) for c, v in by_category.items()},
            title_terms=terms,
            product_ids=ids,
            category_prices={c: sorted(ps)[len(ps) // 2] for c, ps in prices.items() if c},
            titles=titles,
        )

    def _add(self, key: tuple[str, ...], term: Term) -> None:
        if key and term not in self._phrases[key]:
            self._phrases[key].append(term)

    def _build_phrases(self) -> None:
        for category in self.categories:
            term = Term("category", category)
            for variant in spelling_variants(phrase_key(category)):
                for form in with_plurals(variant):
                    self._add(form, term)
        for brand in self.brands:
            for variant in spelling_variants(phrase_key(brand)):
                self._add(variant, Term("brand", brand))
        for name, values in self.attributes.items():
            for variant in spelling_variants(phrase_key(name)):
                for form in with_plurals(variant):
                    self._add(form, Term("attribute", name))
            for value in values:
                key = phrase_key(value)
                term = Term("value", name, value, weak=_is_weak(key))
                for variant in spelling_variants(key) | _adjective_forms(key):
                    self._add(variant, term)

        self._add_distinctive_words()

    def _add_distinctive_words(self) -> None:
        """A word found in exactly one multi-word value names it: "alexa" -> "Amazon Alexa"."""
        owners: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for name, values in self.attributes.items():
            for value in values:
                key = phrase_key(value)
                if len(key) > 1:
                    for word in key:
                        owners[word].add((name, value))
        for word, found in owners.items():
            taken = (word,) in self._phrases or word in _FUNCTION_WORDS
            if len(found) == 1 and len(word) >= 4 and word.isalpha() and not taken:
                name, value = next(iter(found))
                self._add((word,), Term("value", name, value))

    # ---------------------------------------------------------------------------- lookups

    @property
    def symbol(self) -> str:
        """The currency symbol shoppers of this catalog write ("£", "$")."""
        return currency_symbol(self.currency)

    def lookup(self, key: Sequence[str]) -> list[Term]:
        """Every meaning of exactly this token sequence."""
        return list(self._phrases.get(tuple(key), ()))

    def scan(self, words: Sequence[str]) -> list[Match]:
        """Longest-first, left-to-right phrase matches over ``words``."""
        found: list[Match] = []
        i = 0
        while i < len(words):
            for length in range(min(self.max_phrase_len, len(words) - i), 0, -1):
                span = tuple(words[i : i + length])
                terms = self._phrases.get(span)
                if not terms and ";" not in span:
                    terms = self._compounds.get(compound_key(span))
                if terms:
                    found.append(Match(i, i + length, tuple(terms)))
                    i += length
                    break
            else:
                i += 1
        return found

    def knows_word(self, word: str) -> bool:
        """True when ``word`` (or its singular / plural) occurs in some title or category."""
        if word in self.title_terms:
            return True
        return any(form in self.title_terms for form in singular_forms(word) | plural_forms(word))

    def relative(self, word: str) -> str | None:
        """A title word of the same stem ("runner" -> "running", "baker" -> "baking"), if any."""
        stem = re.sub(r"(?:ers|er|ing|ings|ed|es|s)$", "", word)
        if len(stem) >= 4 and stem[-1] == stem[-2]:
            stem = stem[:-1]  # "runn" -> "run"
        if len(stem) < 3 or stem == word:
            return None
        related = sorted((t for t in self.title_terms if t.startswith(stem) and t != word), key=len)
        return related[0] if related else None

    def product_id(self, token: str) -> str | None:
        """The catalog's spelling of a product id typed by the shopper, if it is one."""
        return self._ids.get(token.lower())

    def named_product(self, text: str) -> Linked | None:
        """The product ``text`` names by its title, if exactly one."""
        return self.titles.link(text)

    def title_of(self, product_id: str) -> str | None:
        return self.titles.title_of(product_id)

    def loosely_named_product(self, text: str) -> Linked | None:
        """The product ``text`` names by part of its title, if exactly one (``loose_link``)."""
        return self.titles.loose_link(text)

    def attribute_values(self, name: str) -> list[str]:
        return list(self.attributes.get(name, Counter()))

    def best_attribute(self, candidates: Sequence[Term], category: str | None) -> Term | None:
        """Pick the attribute a value most likely means, preferring the category's own names."""
        if not candidates:
            return None
        if category is not None:
            own = self.category_attributes.get(category.lower(), {})
            on_category = [t for t in candidates if t.value.lower() in own.get(t.name, set())]
            if on_category:
                candidates = on_category
        return max(candidates, key=lambda t: self.attributes.get(t.name, Counter())[t.value])

    def top_categories(self, n: int = 5) -> list[str]:
        return [c for c, _ in self.categories.most_common(n)]

    def __repr__(self) -> str:
        return (
            f"CatalogVocabulary(currency={self.currency!r}, categories={len(self.categories)}, "
            f"attributes={len(self.attributes)}, brands={len(self.brands)}, "
            f"products={len(self._ids)})"
        )
