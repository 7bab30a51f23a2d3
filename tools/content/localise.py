"""Catalog values in the language of the copy, or nothing: never half English.

A value is written in the target language when it is a fact word (``tools.content.lexicon``),
a term of ``tools.content.vocabulary``, a number with a unit (written by rule: "5.8-inch" is
"5,8 Zoll", "10 hours" "10 ore", "4-piece" "4-teilig"), or spelled alike everywhere (codes,
standards, sizes: "USB-C", "XL", "1080p", "128GB"). Anything else has no form here: the
writer leaves it out of non-English copy rather than quote it in English. ``coverage``
measures how much of a catalog's attribute data can be written in a language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tools.content.keywords import MAX_KEYWORDS
from tools.content.lexicon import _WORDS, word
from tools.content.vocabulary import ATTRIBUTE_NAMES, CATEGORIES, NEUTRAL, VALUES, Forms
from tools.models import Product

LANGUAGES = ("de", "fr", "es", "it")
_NUMBER = r"\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?"
# unit: (pattern after the number, its form per language: (one, many) or a format with {n})
_UNITS: list[tuple[str, tuple[tuple[str, str], ...] | tuple[str, ...]]] = [
    (
        r"(?:-|\s*)(?:inch|inches|in)",
        (("Zoll", "Zoll"), ("pouce", "pouces"), ("pulgada", "pulgadas"), ("pollice", "pollici")),
    ),
    (
        r"\s*(?:hour|hours|h)",
        (("Stunde", "Stunden"), ("heure", "heures"), ("hora", "horas"), ("ora", "ore")),
    ),
    (
        r"\s*(?:cup|cups)",
        (("Tasse", "Tassen"), ("tasse", "tasses"), ("taza", "tazas"), ("tazza", "tazze")),
    ),
    (
        r"\s*(?:ft|foot|feet)",
        (("Fuß", "Fuß"), ("pied", "pieds"), ("pie", "pies"), ("piede", "piedi")),
    ),
    (
        r"\s*(?:lb|lbs)",
        (("Pfund", "Pfund"), ("livre", "livres"), ("libra", "libras"), ("libbra", "libbre")),
    ),
    (
        r"\s*(?:degree|degrees)",
        (("Grad", "Grad"), ("degré", "degrés"), ("grado", "grados"), ("grado", "gradi")),
    ),
    (r"\s*(?:liter|liters|litre|litres|l)", (("l", "l"), ("l", "l"), ("l", "l"), ("l", "l"))),
    (r"-piece", ("{n}-teilig", "{n} pièces", "{n} piezas", "{n} pezzi")),
    (
        r"W equivalent",
        ("entspricht {n} W", "équivalent {n} W", "equivalente a {n} W", "equivalente a {n} W"),
    ),
]
# Units and codes written alike in every language (after a number).
_SYMBOLS = re.compile(
    rf"^{_NUMBER}\s*(?:GB|TB|mAh|ml|mm|MP|W|x|%|p|K|bar|GB SSD|TB SSD)?$", re.IGNORECASE
)


def _number(text: str, language: str) -> str:
    """A number (or range) written with the language's decimal comma."""
    return text.replace(".", ",") if language in LANGUAGES else text


_UNIT_PATTERNS = [
    (re.compile(rf"(?P<n>{_NUMBER}){pattern}", re.IGNORECASE), forms) for pattern, forms in _UNITS
]


def _with_unit(value: str, language: str) -> str | None:
    index = LANGUAGES.index(language)
    for pattern, forms in _UNIT_PATTERNS:
        match = pattern.fullmatch(value.strip())
        if match is None:
            continue
        n = match["n"]
        form = forms[index]
        if isinstance(form, str):
            return form.format(n=_number(n, language))
        one, many = form
        return f"{_number(n, language)} {one if n == '1' else many}"
    if _SYMBOLS.match(value.strip()):
        return _number(value.strip(), language)
    return None


def _term(table: dict[str, Forms], value: str, language: str) -> str | None:
    forms = table.get(value) or table.get(value.lower())
    return forms[LANGUAGES.index(language)] if forms else None


def value_in(value: str, language: str) -> str | None:
    """``value`` (an attribute or option value) in ``language``; ``None`` when it has no form
    there. English copy keeps the catalog's spelling."""
    if value.lower() in _WORDS:
        return word(value.lower(), language)
    if language not in LANGUAGES:
        return value
    if value in NEUTRAL:
        return value
    return _term(VALUES, value, language) or _with_unit(value, language)


def name_in(name: str, language: str) -> str | None:
    """An attribute or option name in ``language`` (capitalised), ``None`` when unknown."""
    if language not in LANGUAGES:
        return name.capitalize()
    found = _term(ATTRIBUTE_NAMES, name, language)
    return found[0].upper() + found[1:] if found else None


def kind_in(category: str, language: str) -> str | None:
    """A product kind (category) in ``language``, ``None`` when unknown."""
    if language not in LANGUAGES:
        return category.lower()
    return _term(CATEGORIES, category, language)


def keywords_in(product: Product, language: str) -> list[str]:
    """Target keywords in ``language`` from the product's own data: its kind, and its kind
    with each attribute's first value ("Edelstahl Trinkflasche"); none without a kind."""
    kind = kind_in(product.category, language) if product.category else None
    if kind is None:
        return []
    words = [kind]
    for values in product.attributes.values():
        value = value_in(values[0], language) if values else None
        if value is not None:
            words.append(f"{value} {kind}")
    return list(dict.fromkeys(words))[:MAX_KEYWORDS]


@dataclass
class Coverage:
    """How many attribute and option entries of a catalog can be written in a language."""

    language: str
    entries: int = 0
    written: int = 0
    missing: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.written / self.entries if self.entries else 1.0


def coverage(products: Iterable[Product], language: str) -> Coverage:
    """Each (name, value) of every product's attributes and variant options, counted once per
    product: written in ``language`` (name and value both) or missing."""
    found = Coverage(language)
    for product in products:
        entries = {(n, v) for n, values in product.attributes.items() for v in values}
        entries |= {(n, v) for variant in product.variants for n, v in variant.options.items()}
        for name, value in entries:
            found.entries += 1
            known_name = name.lower() in ("colour", "color", "material", "size")
            if (known_name or name_in(name, language)) and value_in(value, language):
                found.written += 1
            else:
                key = f"{name}={value}"
                found.missing[key] = found.missing.get(key, 0) + 1
    return found
