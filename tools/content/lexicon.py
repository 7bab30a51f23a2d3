"""Fact words in the languages we write: colours, materials and sizes, by canonical English name.

The writer translates catalog values with it ("red" → "rot"), and the fact check reads copy
with it: a colour, material or size word in the copy whose canonical name is not in the
product's own data is an invented fact.
"""

from __future__ import annotations

import re
from functools import cache

FactKind = str  # "colour", "material" or "size"

# canonical: (kind, en, de, fr, es, it) — the form the writer uses in each language.
_WORDS: dict[str, tuple[str, str, str, str, str, str]] = {
    "red": ("colour", "red", "rot", "rouge", "rojo", "rosso"),
    "blue": ("colour", "blue", "blau", "bleu", "azul", "blu"),
    "green": ("colour", "green", "grün", "vert", "verde", "verde"),
    "yellow": ("colour", "yellow", "gelb", "jaune", "amarillo", "giallo"),
    "pink": ("colour", "pink", "rosa", "rose", "rosa", "rosa"),
    "purple": ("colour", "purple", "lila", "violet", "morado", "viola"),
    "orange": ("colour", "orange", "orange", "orange", "naranja", "arancione"),
    "black": ("colour", "black", "schwarz", "noir", "negro", "nero"),
    "white": ("colour", "white", "weiß", "blanc", "blanco", "bianco"),
    "grey": ("colour", "grey", "grau", "gris", "gris", "grigio"),
    "brown": ("colour", "brown", "braun", "marron", "marrón", "marrone"),
    "gold": ("colour", "gold", "gold", "doré", "dorado", "dorato"),
    "silver": ("colour", "silver", "silber", "argenté", "plateado", "argentato"),
    "cream": ("colour", "cream", "creme", "crème", "crema", "crema"),
    "ivory": ("colour", "ivory", "elfenbein", "ivoire", "marfil", "avorio"),
    "turquoise": ("colour", "turquoise", "türkis", "turquoise", "turquesa", "turchese"),
    "amber": ("colour", "amber", "bernstein", "ambre", "ámbar", "ambra"),
    "fuchsia": ("colour", "fuchsia", "fuchsia", "fuchsia", "fucsia", "fucsia"),
    "copper": ("colour", "copper", "kupfer", "cuivre", "cobre", "rame"),
    "mint": ("colour", "mint", "mint", "menthe", "menta", "menta"),
    "lilac": ("colour", "lilac", "flieder", "lilas", "lila", "lilla"),
    "peach": ("colour", "peach", "pfirsich", "pêche", "melocotón", "pesca"),
    "teal": ("colour", "teal", "petrol", "bleu canard", "verde azulado", "verde acqua"),
    "bronze": ("colour", "bronze", "bronze", "bronze", "bronce", "bronzo"),
    "beige": ("colour", "beige", "beige", "beige", "beige", "beige"),
    "glass": ("material", "glass", "glas", "verre", "vidrio", "vetro"),
    "metal": ("material", "metal", "metall", "métal", "metal", "metallo"),
    "wood": ("material", "wood", "holz", "bois", "madera", "legno"),
    "paper": ("material", "paper", "papier", "papier", "papel", "carta"),
    "zinc": ("material", "zinc", "zink", "zinc", "zinc", "zinco"),
    "ceramic": ("material", "ceramic", "keramik", "céramique", "cerámica", "ceramica"),
    "tin": ("material", "tin", "blech", "fer-blanc", "hojalata", "latta"),
    "enamel": ("material", "enamel", "emaille", "émail", "esmalte", "smalto"),
    "felt": ("material", "felt", "filz", "feutre", "fieltro", "feltro"),
    "wicker": ("material", "wicker", "korbgeflecht", "osier", "mimbre", "vimini"),
    "acrylic": ("material", "acrylic", "acryl", "acrylique", "acrílico", "acrilico"),
    "lace": ("material", "lace", "spitze", "dentelle", "encaje", "pizzo"),
    "slate": ("material", "slate", "schiefer", "ardoise", "pizarra", "ardesia"),
    "cotton": ("material", "cotton", "baumwolle", "coton", "algodón", "cotone"),
    "crochet": ("material", "crochet", "häkel", "crochet", "ganchillo", "uncinetto"),
    "plastic": ("material", "plastic", "kunststoff", "plastique", "plástico", "plastica"),
    "porcelain": ("material", "porcelain", "porzellan", "porcelaine", "porcelana", "porcellana"),
    "polyester": ("material", "polyester", "polyester", "polyester", "poliéster", "poliestere"),
    "silk": ("material", "silk", "seide", "soie", "seda", "seta"),
    "iron": ("material", "iron", "eisen", "fer", "hierro", "ferro"),
    "wool": ("material", "wool", "wolle", "laine", "lana", "lana"),
    "linen": ("material", "linen", "leinen", "lin", "lino", "lino"),
    "bamboo": ("material", "bamboo", "bambus", "bambou", "bambú", "bambù"),
    "velvet": ("material", "velvet", "samt", "velours", "terciopelo", "velluto"),
    "resin": ("material", "resin", "harz", "résine", "resina", "resina"),
    "aluminium": ("material", "aluminium", "aluminium", "aluminium", "aluminio", "alluminio"),
    "leather": ("material", "leather", "leder", "cuir", "cuero", "pelle"),
    "steel": ("material", "steel", "stahl", "acier", "acero", "acciaio"),
    "brass": ("material", "brass", "messing", "laiton", "latón", "ottone"),
    "oak": ("material", "oak", "eiche", "chêne", "roble", "rovere"),
    "pine": ("material", "pine", "kiefer", "pin", "pino", "pino"),
    "marble": ("material", "marble", "marmor", "marbre", "mármol", "marmo"),
    "silicone": ("material", "silicone", "silikon", "silicone", "silicona", "silicone"),
    "small": ("size", "small", "klein", "petit", "pequeño", "piccolo"),
    "large": ("size", "large", "groß", "grand", "grande", "grande"),
    "mini": ("size", "mini", "mini", "mini", "mini", "mini"),
    "jumbo": ("size", "jumbo", "jumbo", "géant", "gigante", "gigante"),
    "medium": ("size", "medium", "mittelgroß", "moyen", "mediano", "medio"),
}
_LANGS = ("en", "de", "fr", "es", "it")
# Other spellings and forms that name the same fact.
_EXTRA: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {"grey": ("gray",), "wood": ("wooden",), "ceramic": ("ceramics",), "large": ("big",)},
    "fr": {"white": ("blanche",), "small": ("petite",), "large": ("grande",)},
    "de": {"large": ("gross",), "white": ("weiss",)},
}
# Inflection endings each language adds to an adjective or noun.
_ENDINGS = {
    "en": "(?:s)?",
    "de": "(?:e|en|er|es|em|n)?",
    "fr": "(?:e|s|es)?",
    "es": "(?:s|es)?",
    "it": "",
}


def word(canonical: str, language: str) -> str:
    """The word for ``canonical`` in ``language`` (the canonical name itself when unknown)."""
    entry = _WORDS.get(canonical.lower())
    return entry[1 + _LANGS.index(language)] if entry and language in _LANGS else canonical


def kind(canonical: str) -> FactKind:
    return _WORDS[canonical][0]


def _stem_pattern(form: str, language: str) -> str:
    escaped = re.escape(form)
    if language in ("es", "it") and form[-1] in "oae" and " " not in form:
        # rojo/roja/rojos/rojas, rosso/rossa/rossi/rosse
        return re.escape(form[:-1]) + "(?:o|a|e|i|os|as|es)"
    return escaped + _ENDINGS[language]


@cache
def _matcher(language: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex of every fact form in ``language`` (and English), and form → canonical."""
    forms: dict[str, str] = {}
    for canonical, entry in _WORDS.items():
        for lang in {language, "en"}:
            forms[entry[1 + _LANGS.index(lang)].lower()] = canonical
            for extra in _EXTRA.get(lang, {}).get(canonical, ()):
                forms[extra] = canonical
    alternatives = sorted(forms, key=len, reverse=True)
    parts = [f"(?P<f{i}>{_stem_pattern(f, language)})" for i, f in enumerate(alternatives)]
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.IGNORECASE)
    return pattern, {f"f{i}": forms[f] for i, f in enumerate(alternatives)}


def fact_terms(text: str, language: str = "en") -> dict[str, str]:
    """Fact words in ``text``: canonical name → the form found."""
    pattern, names = _matcher(language)
    found: dict[str, str] = {}
    for match in pattern.finditer(text):
        group = match.lastgroup
        if group is not None:
            found.setdefault(names[group], match.group())
    return found
