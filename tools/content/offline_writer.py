"""The offline writer: product copy from templates and the product's own data only.

Every sentence and bullet is assembled from one template and the source fields its evidence
names; catalog values with a known translation (colours, materials, sizes) are translated,
other values are quoted as the catalog spells them. Refining drops each claim that a check
flags and trims what is too long.
"""

from __future__ import annotations

from datetime import date

from tools.content.base import Brief
from tools.content.checks import text_problems
from tools.content.localise import kind_in, name_in, value_in
from tools.content.models import (
    BULLET_MAX,
    BULLETS_MAX,
    META_MAX,
    TITLE_MAX,
    Claim,
    ContentReport,
    ProductContent,
    Source,
)
from tools.content.templates import CLOSING, INTRO, PHRASES, format_number, format_price

# Attribute names with a phrase of their own (the catalogs spell colour both ways).
_KNOWN_ATTRIBUTES = {"colour": "colour", "color": "colour", "material": "material", "size": "size"}


def shorten(text: str, limit: int) -> str:
    """``text`` cut at the last word boundary within ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:-–|")
    return cut or text[:limit]


def _join(values: list[str], language: str) -> str:
    if len(values) <= 1:
        return "".join(values)
    return f"{', '.join(values[:-1])} {PHRASES[language]['and']} {values[-1]}"


def _shown(values: list[str], language: str) -> str | None:
    """The values written in ``language`` and joined; those with no form there are left out
    (``tools.content.localise``); ``None`` when none is left."""
    written = [v for v in (value_in(value, language) for value in values) if v is not None]
    return _join(written, language) if written else None


def _attribute_claims(brief: Brief) -> list[Claim]:
    """One bullet per attribute and per variant option, in the copy's language only: a value
    or a name with no form in that language is left out, never quoted in English."""
    facts, lang = brief.facts, brief.language
    phrases = PHRASES[lang]
    claims: list[Claim] = []
    for name, values in facts.product.attributes.items():
        sources = facts.values(f"attributes.{name}")
        key = _KNOWN_ATTRIBUTES.get(name.lower(), "other")
        label = name_in(name, lang)
        shown = _shown(values, lang)
        if shown is None or (key == "other" and label is None):
            continue
        claims.append(Claim(text=phrases[key].format(name=label, value=shown), sources=sources))
    options: dict[str, list[Source]] = {}
    for source in facts.values("options"):
        options.setdefault(source.field.split(".", 1)[1], []).append(source)
    for name, sources in options.items():
        label = name_in(name, lang)
        shown = _shown([s.value for s in sources], lang)
        if shown is None or label is None:
            continue
        option_name = label if lang != "en" else name
        claims.append(
            Claim(text=phrases["option"].format(name=option_name, value=shown), sources=sources)
        )
    return claims


class OfflineWriter:
    """``Writer`` from templates; deterministic, no model, a few milliseconds a product."""

    name = "offline"

    def _claims(self, brief: Brief) -> tuple[list[Claim], list[Claim]]:
        """Description sentences and bullets, each with its sources."""
        facts, lang, tone = brief.facts, brief.language, brief.tone
        phrases = PHRASES[lang]
        product = facts.product
        kind_src = facts.values("category")
        # The kind in the copy's language; one with no form there is not named at all.
        kind = kind_in(kind_src[0].value, lang) if kind_src else None
        intro = INTRO[lang][tone].format(title=facts.title, kind=kind or facts.title)
        sentences = [Claim(text=intro, sources=[*facts.values("title"), *kind_src])]
        bullets: list[Claim] = []
        if kind_src and kind:
            bullets.append(Claim(text=phrases["kind"].format(value=kind), sources=kind_src))
        attributes = _attribute_claims(brief)
        bullets += attributes
        if attributes:
            listed = "; ".join(c.text for c in attributes)
            sources = [s for c in attributes for s in c.sources]
            sentences.append(Claim(text=phrases["features"].format(value=listed), sources=sources))
        popularity, first = facts.values("popularity"), facts.values("first_sold")
        if popularity and first:
            units = format_number(int(product.popularity), lang)
            year = date.fromisoformat(first[0].value).year
            sold = [*popularity, *first]
            sentences.append(
                Claim(text=phrases["sold_sentence"].format(units=units, year=year), sources=sold)
            )
            bullets.append(Claim(text=phrases["sold"].format(units=units, year=year), sources=sold))
        price = phrases["price"].format(price=format_price(product.price, product.currency, lang))
        sentences.append(Claim(text=price + ".", sources=facts.values("price")))
        bullets.append(Claim(text=price, sources=facts.values("price")))
        if brief.keywords:
            text = phrases["keywords"].format(value=_join(brief.keywords, lang))
            sentences.append(
                Claim(
                    text=text, sources=[Source(field="keywords", value=", ".join(brief.keywords))]
                )
            )
        sentences.append(Claim(text=CLOSING[lang][tone], sources=[]))
        return sentences, bullets[:BULLETS_MAX]

    def _meta(self, brief: Brief) -> str:
        facts, lang = brief.facts, brief.language
        product = facts.product
        price = PHRASES[lang]["price"].format(
            price=format_price(product.price, product.currency, lang)
        )
        kind = kind_in(product.category, lang) if product.category else None
        closing = CLOSING[lang][brief.tone]
        if kind is None:  # no kind in this language: the title alone
            meta = f"{facts.title}. {price}. {closing}"
        else:
            meta = PHRASES[lang]["meta"].format(
                title=facts.title, kind=kind, price=price, closing=closing
            )
        return shorten(meta, META_MAX)

    def _title(self, brief: Brief) -> str:
        title, kind = brief.facts.title, brief.facts.product.category
        if brief.language == "en" and kind and kind.lower() not in title.lower():
            title = f"{title} | {kind.title()}"
        return shorten(title, TITLE_MAX)

    async def draft(self, brief: Brief) -> ProductContent:
        sentences, bullets = self._claims(brief)
        return ProductContent(
            title=self._title(brief),
            description=" ".join(c.text for c in sentences),
            bullets=[shorten(c.text, BULLET_MAX) for c in bullets],
            meta_description=self._meta(brief),
            keywords=list(brief.keywords),
            evidence=[*sentences, *bullets],
        )

    async def refine(
        self, brief: Brief, content: ProductContent, report: ContentReport
    ) -> ProductContent:
        """Drop every claim and keyword a check flags; trim fields that are too long."""
        facts, lang = brief.facts, brief.language

        def clean(text: str) -> bool:
            return not text_problems("claim", text, facts, lang)

        kept = [c for c in content.evidence if clean(c.text)]
        sentences = [c for c in kept if c.text in content.description]
        bullets = [c for c in kept if c.text in content.bullets]
        title = content.title if clean(content.title) else facts.title
        meta = content.meta_description if clean(content.meta_description) else self._meta(brief)
        return ProductContent(
            title=shorten(title, TITLE_MAX),
            description=" ".join(c.text for c in sentences),
            bullets=[shorten(c.text, BULLET_MAX) for c in bullets[:BULLETS_MAX]],
            meta_description=shorten(meta, META_MAX),
            keywords=[k for k in content.keywords if clean(k)],
            evidence=[*sentences, *bullets[:BULLETS_MAX]],
        )
