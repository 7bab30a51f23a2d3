"""Product copy is plain text: no HTML in what goes in, none in what comes out.

Copy is published (``GET /v1/content/{id}``, anyone) for a storefront to show, and storefronts
usually put it into HTML. So angle brackets never reach it: a keyword holding one is refused
(``plain_keyword``, a validator naming the field); keywords taken from shoppers' searches that
hold one are left out; and every text of a written draft (title, description, bullets, meta
description, keywords, the evidence quoted from the product) has tags removed and any stray
bracket dropped before it is checked and stored (``plain_content``), whatever wrote it (a model
repeating markup from the catalog, a template quoting a title).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.content.models import ProductContent

_TAG = re.compile(r"<[^<>]*>")
_BRACKETS = re.compile(r"[<>]")
_SPACES = re.compile(r"[ \t]{2,}")


def has_markup(text: str) -> bool:
    """Whether ``text`` holds an angle bracket (a tag, or the start of one)."""
    return _BRACKETS.search(text) is not None


def plain_keyword(keyword: str) -> str:
    """``keyword`` unchanged, or ``ValueError`` when it holds markup (a pydantic validator)."""
    if has_markup(keyword):
        raise ValueError("a keyword is plain text: no HTML tags or '<' / '>' characters")
    return keyword


def plain_text(text: str) -> str:
    """``text`` with its tags removed and any bracket left over dropped."""
    if not has_markup(text):
        return text
    return _SPACES.sub(" ", _BRACKETS.sub("", _TAG.sub(" ", text))).strip()


def plain_content(content: ProductContent) -> ProductContent:
    """``content`` with every text plain."""
    evidence = [
        claim.model_copy(
            update={
                "text": plain_text(claim.text),
                "sources": [
                    source.model_copy(update={"value": plain_text(source.value)})
                    for source in claim.sources
                ],
            }
        )
        for claim in content.evidence
    ]
    return content.model_copy(
        update={
            "title": plain_text(content.title),
            "description": plain_text(content.description),
            "bullets": [plain_text(b) for b in content.bullets],
            "meta_description": plain_text(content.meta_description),
            "keywords": [plain_text(k) for k in content.keywords],
            "evidence": evidence,
        }
    )
