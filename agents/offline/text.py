"""Text helpers shared by the vocabulary and the NLU: normalising, tokenising, plural forms."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Words keep inner hyphens, apostrophes, dots and slashes ("t-shirt", "i'm", "1.5l", "gold/silver")
# and a trailing percent sign ("60%"), so catalog values survive tokenising intact.
TOKEN_RE = re.compile(r"[a-z0-9]+(?:['./-][a-z0-9]+)*%?")

# Placeholders written by the PII guard ("[EMAIL]", "[PHONE_NUMBER]") carry no product need.
_PLACEHOLDER_RE = re.compile(r"\[[A-Z][A-Z_]*\]")
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-"})
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Lower-case ``text``, fold accents, unify dashes and quotes, drop PII placeholders.

    Cached: every turn reads the conversation's earlier messages again.
    """
    text = _PLACEHOLDER_RE.sub(" ", text)
    # Full-width letters become plain ones and accents go ("Ｍｕｇｓ", "über" -> "mugs", "uber").
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_DASHES).translate(_QUOTES).lower()
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """The word tokens of already normalised text."""
    return TOKEN_RE.findall(text)


def phrase_key(text: str) -> tuple[str, ...]:
    """The token tuple a phrase is looked up by."""
    return tuple(tokens(normalize(text)))


def plural_forms(word: str) -> set[str]:
    """Regular English plurals of a singular noun ("box" → "boxes", "shelf" → "shelves")."""
    if not word or not word[-1].isalpha():
        return set()
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return {word + "es"}
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return {word[:-1] + "ies"}
    if word.endswith("fe"):
        return {word + "s", word[:-2] + "ves"}
    if word.endswith("f") and not word.endswith("ff"):
        return {word + "s", word[:-1] + "ves"}
    if word.endswith("o") and len(word) > 1 and word[-2] not in "aeiou":
        return {word + "s", word + "es"}
    return {word + "s"}


def singular_forms(word: str) -> set[str]:
    """Candidate singulars of a possibly plural noun; the caller keeps the ones it knows."""
    out: set[str] = set()
    if len(word) <= 3 or not word.endswith("s") or word.endswith("ss"):
        return out
    if word.endswith("ies"):
        out.add(word[:-3] + "y")
    if word.endswith("ves"):
        out.update({word[:-3] + "f", word[:-3] + "fe"})
    if word.endswith("es"):
        out.add(word[:-2])
    out.add(word[:-1])
    return out


def spelling_variants(key: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Ways a shopper may type a phrase: hyphens split or closed up, grey/gray, colour/color."""
    variants = {key}
    split = tuple(part for token in key for part in token.split("-") if part)
    closed = tuple(token.replace("-", "") for token in key)
    variants.update({split, closed})
    if len(split) > 1:
        variants.update({("-".join(split),), ("".join(split),)})  # "crew neck" -> "crew-neck"
    # The English spelling pairs apply to any catalog, so they are not catalog knowledge.
    for pair in (("grey", "gray"), ("colour", "color")):
        for variant in list(variants):
            for a, b in (pair, pair[::-1]):
                if any(a in token for token in variant):
                    variants.add(tuple(token.replace(a, b) for token in variant))
    return {v for v in variants if v}


def with_plurals(key: tuple[str, ...]) -> set[tuple[str, ...]]:
    """``key`` plus the forms with its last word pluralised or singularised."""
    out = {key}
    if key:
        head = key[-1]
        for form in plural_forms(head) | singular_forms(head):
            out.add((*key[:-1], form))
    return out


def format_price(amount: float, symbol: str) -> str:
    """``£2.55``; a symbol longer than one character is written as a prefix word (``CHF 3.00``)."""
    if len(symbol) > 1:
        return f"{symbol} {amount:,.2f}"
    return f"{symbol}{amount:,.2f}"


CURRENCY_SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€", "JPY": "¥", "INR": "₹"}


def currency_symbol(code: str) -> str:
    """The symbol shoppers write for a currency code (the code itself when unknown)."""
    return CURRENCY_SYMBOLS.get(code.upper(), code.upper())
